"""Publish a shipped weights folder as a Hugging Face model repository, the Hub's way.

    gan publish                                   # weights/ to the model repo the Space's README names (models:)
    gan publish --repo OWNER/NAME --weights DIR   # another folder, another repo
    gan publish --dry-run                         # list what would be uploaded, and upload nothing

Uploads, with huggingface_hub's upload_folder, exactly the files `publish_files` lists: every
file checksums.json names (the generator, discriminator, reference classifier, digit detector
and verdict models with their configs, the slider directions, calibration, metrics, the page's
float16 generator...), checksums.json itself, the model card README.md (its model-index holds
the metrics gan.ship measured) and samples.png, the grid the card shows. The Space then serves
them with `GAN_WEIGHTS=OWNER/NAME python app.py`, checksums checked as for weights/.

A step of its own rather than a flag of gan.ship: shipping rewrites weights/, to be reviewed
and committed; publishing uploads what was committed, as often as needed, without re-running
shipping's 7 minutes of measurement. The token comes from $HF_TOKEN or `hf auth login`.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from gan.core.errors import WeightsError
from gan.core.weights import CHECKOUT, LISTING, SHIPPED, verify_checksums

CARD = ("README.md", "samples.png")  # the model card and the picture it shows
SPACE_README = CHECKOUT / "README.md"  # the Space's, whose front matter names the model repo (models:)


class PublishError(RuntimeError):
    """Publishing could not start or finish; str(e) is one sentence for the person running it."""


def space_model_repo(readme: Path | None = None) -> str | None:
    """The first model repo the Space's front matter (default: SPACE_README) names (`models:`), or None."""
    readme = readme or SPACE_README
    if not readme.exists():  # a pip-installed package has no checkout README
        return None
    from huggingface_hub.repocard import metadata_load

    models = (metadata_load(readme) or {}).get("models") or []
    return models[0] if models else None


def publish_files(folder: Path) -> list[str]:
    """The files (relative paths, sorted) that publishing `folder` uploads; refuses a folder that
    gan.ship did not finish or whose files no longer match their checksums."""
    for name in (LISTING, *CARD):
        if not (folder / name).exists():
            raise PublishError(f"{folder / name} is missing: is {folder} a weights folder that gan ship wrote?")
    try:
        verify_checksums(folder)
    except WeightsError as e:
        raise PublishError(f"{e}: publish only what gan ship wrote") from None
    return sorted({*json.loads((folder / LISTING).read_text()), LISTING, *CARD})


def hub_error(e: Exception, repo_id: str) -> PublishError:
    """A failed Hub call (HfHubHTTPError, OfflineModeIsEnabled or a transport error) as one sentence."""
    from huggingface_hub import constants
    from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled

    if isinstance(e, OfflineModeIsEnabled):
        return PublishError("HF_HUB_OFFLINE is set: unset it to publish")
    if isinstance(e, HfHubHTTPError):
        status = e.response.status_code if e.response is not None else "no status"
        first = str(e).strip().splitlines()[0][:200] if str(e).strip() else type(e).__name__
        hint = " (does the token have write access, to that owner?)" if status in (401, 403) else ""
        return PublishError(f"the Hub refused publishing to {repo_id} ({status}: {first}){hint}")
    return PublishError(f"could not reach the Hugging Face Hub at {constants.ENDPOINT} ({type(e).__name__}: {e}): "
                        "check the network, then run this again")


def publish(folder: Path, repo_id: str) -> str:
    """Upload `folder`'s publish_files to the model repo `repo_id` (created if missing); returns its URL."""
    files = publish_files(folder)
    import httpx2  # huggingface_hub's HTTP client: its TransportError is "the Hub could not be reached"
    from huggingface_hub import HfApi, get_token
    from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled

    if get_token() is None:
        raise PublishError("no Hugging Face token: set HF_TOKEN or run `hf auth login` (a token with write access)")
    api = HfApi()
    try:
        url = api.create_repo(repo_id, repo_type="model", exist_ok=True)
        api.upload_folder(repo_id=repo_id, repo_type="model", folder_path=folder, allow_patterns=files,
                          commit_message=f"Publish {len(files)} files of the MNIST GAN Studio weights (gan publish)")
    except (HfHubHTTPError, OfflineModeIsEnabled, httpx2.TransportError) as e:
        raise hub_error(e, repo_id) from None
    return str(url)


def run(weights: Path, repo: str | None = None, dry_run: bool = False) -> None:
    """`gan publish`: upload `weights` to `repo` (default: the one the Space's front matter
    names), or with dry_run list what would go; each failure one sentence (SystemExit)."""
    repo_id = repo or space_model_repo()
    if not repo_id:
        sys.exit("error: no --repo given, and the Space's README front matter names no model repo (models:)")
    try:
        if dry_run:
            files = publish_files(weights)
            print("\n".join(files))
            print(f"{len(files)} files, {sum(os.path.getsize(weights / f) for f in files) / 1e6:.1f} MB, "
                  f"would go to https://huggingface.co/{repo_id} (dry run: nothing uploaded)")
            return
        print(f"published {weights} as {publish(weights, repo_id)}; serve it with GAN_WEIGHTS={repo_id} python app.py")
    except PublishError as e:
        sys.exit(f"error: {e}")
