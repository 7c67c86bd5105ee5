"""Publishing the model to the Hub (gan publish), tested as far as a machine without
the Hub can test it for real: the exact files upload_folder would send and that they are all
the Space needs, the card's YAML as huggingface_hub's ModelCard reads it, the Space's front
matter naming the repo, and one clear sentence without a token, without the network, offline,
or for a folder whose files no longer match their checksums. No fake Hub server."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT, WEIGHTS

MODELS = ("generator", "discriminator", "classifier", "digit_detector", "verdict")


def publish_command(*args: str, **env: str) -> subprocess.CompletedProcess:
    """gan publish with no Hugging Face credentials or settings from this machine."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    return subprocess.run([sys.executable, "-m", "gan", "publish", *args], check=False, cwd=ROOT, env={**clean, **env},
                          capture_output=True, text=True, timeout=120)


def one_sentence(out: subprocess.CompletedProcess, *words: str) -> str:
    assert out.returncode == 1 and out.stdout == "", (out.returncode, out.stdout, out.stderr)
    line = out.stderr.strip()
    assert "\n" not in line and "Traceback" not in line and line.startswith("error: "), out.stderr
    assert all(w in line for w in words), line
    return line


def test_the_upload_is_every_checksummed_file_the_card_and_its_grid():
    from gan.publish import publish_files

    files = publish_files(WEIGHTS)
    listed = json.loads((WEIGHTS / "checksums.json").read_text())
    assert files == sorted({*listed, "checksums.json", "README.md", "samples.png"})
    assert {f"{m}/{part}" for m in MODELS for part in ("model.safetensors", "config.json")} <= set(files)
    assert not {"progress.gif", "train_log.jsonl", "training_curves.png"} & set(files)  # run history, not the model
    assert all(not f.endswith((".pt", ".pth", ".bin", ".pkl")) for f in files)  # safetensors and JSON only: nothing that runs code


def test_upload_folder_selects_exactly_those_files():
    """upload_folder keeps the folder's files that match allow_patterns and none of its default
    ignore patterns (huggingface_hub's own filter_repo_objects): the list, exactly."""
    from huggingface_hub.utils import filter_repo_objects
    from huggingface_hub.utils._paths import DEFAULT_IGNORE_PATTERNS

    from gan.publish import publish_files

    files = publish_files(WEIGHTS)
    on_disk = [p.relative_to(WEIGHTS).as_posix() for p in sorted(WEIGHTS.glob("**/*")) if p.is_file()]
    assert list(filter_repo_objects(on_disk, allow_patterns=files, ignore_patterns=DEFAULT_IGNORE_PATTERNS)) == files
    out = publish_command("--dry-run", "--repo", "someone/mnist-gan")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[:-1] == files and "https://huggingface.co/someone/mnist-gan" in out.stdout


def test_the_uploaded_files_are_all_the_space_needs(tmp_path, caplog):
    """GAN_WEIGHTS=OWNER/NAME downloads the repo: a folder of exactly these files serves the
    whole Space, checksums verified, nothing borrowed from the checkout's weights/."""
    from gan.publish import publish_files
    from gan.space.studio import Studio

    for name in publish_files(WEIGHTS):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(WEIGHTS / name, tmp_path / name)
    with caplog.at_level(logging.WARNING):
        studio = Studio(tmp_path)
    assert caplog.records == [] and studio.verdict is not None
    assert studio.folder == tmp_path


def test_the_card_parses_as_a_hub_model_card_with_its_metrics():
    from huggingface_hub import ModelCard

    card = ModelCard((WEIGHTS / "README.md").read_text())
    g = json.loads((WEIGHTS / "metrics.json").read_text())["generator"]
    results = {r.metric_type: r for r in card.data.eval_results if r.metric_name != "Classification Accuracy Score"}
    assert {"fid", "kid", "inception_score", "precision", "recall", "accuracy"} == set(results)
    assert results["fid"].metric_value == round(g["fid"], 3) and results["recall"].metric_value == round(g["recall"], 3)
    assert all(r.dataset_type == "mnist" and r.task_type == "image-generation" for r in card.data.eval_results)
    assert card.data.to_dict()["model-index"][0]["name"] == "mnist-gan-studio" and card.data.license == "mit"
    assert "](samples.png)" in card.text  # the grid it shows is uploaded beside it


def test_the_space_front_matter_names_the_model_repo_publish_defaults_to():
    from huggingface_hub.repocard import metadata_load
    from huggingface_hub.utils import validate_repo_id

    from gan.publish import space_model_repo

    [repo] = metadata_load(ROOT / "README.md")["models"]
    validate_repo_id(repo)
    assert space_model_repo() == repo and publish_command("--dry-run").stdout.endswith(f"https://huggingface.co/{repo} (dry run: nothing uploaded)\n")


def test_without_a_token_it_says_how_to_get_one(tmp_path):
    one_sentence(publish_command(HF_HOME=str(tmp_path)), "no Hugging Face token", "HF_TOKEN", "hf auth login")


def test_without_the_network_it_says_the_hub_could_not_be_reached(tmp_path):
    """A closed port on this machine stands for an unreachable Hub: nothing answers there."""
    from gan.tools.procs import free_port

    endpoint = f"http://127.0.0.1:{free_port()}"
    one_sentence(publish_command(HF_HOME=str(tmp_path), HF_TOKEN="hf_not_a_real_token", HF_ENDPOINT=endpoint),
                 "could not reach the Hugging Face Hub", endpoint, "check the network")
    one_sentence(publish_command(HF_HOME=str(tmp_path), HF_TOKEN="hf_not_a_real_token", HF_HUB_OFFLINE="1"), "HF_HUB_OFFLINE is set")


@pytest.mark.parametrize("damage", ["tampered", "unshipped"])
def test_a_folder_gan_ship_did_not_write_is_refused_before_any_upload(tmp_path, damage):
    folder = tmp_path / "w"
    shutil.copytree(WEIGHTS, folder)
    if damage == "tampered":
        (folder / "directions.json").write_text("{}")
        words = ("does not match its checksum", "directions.json")
    else:
        (folder / "README.md").unlink()
        words = ("README.md is missing", "gan ship")
    one_sentence(publish_command("--weights", str(folder), "--repo", "someone/mnist-gan", HF_TOKEN="hf_not_a_real_token",
                                 HF_ENDPOINT="http://127.0.0.1:9"), *words)


def test_no_repo_given_or_named_by_the_space_is_one_sentence(tmp_path, monkeypatch):
    from gan import publish

    readme = tmp_path / "README.md"
    readme.write_text("---\ntitle: x\nsdk: gradio\n---\n# x\n")  # a Space that names no model
    monkeypatch.setattr(publish, "SPACE_README", readme)
    with pytest.raises(SystemExit) as e:
        publish.run(publish.SHIPPED, dry_run=True)
    assert str(e.value) == "error: no --repo given, and the Space's README front matter names no model repo (models:)"
    assert publish.space_model_repo(tmp_path / "absent.md") is None  # a pip-installed package has no README
