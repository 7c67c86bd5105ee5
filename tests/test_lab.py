"""The Training lab (gan/lab.py): each preset shows the failure it is named after, measured
on real training runs with their seeds; a run is reproducible; /lab streams through the API.
Budgets here are the presets' own except where the signal is clear sooner (noted)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import torch

from gan.space.lab import MAX_SECONDS, PRESETS, LabSettings, run, run_to_end, signals
from gan.core.losses import d_loss_bce, g_loss_bce, g_loss_minimax



@pytest.fixture(scope="module", autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # as in the Space: a run's figures depend on its seed, not on threads
    yield
    torch.set_num_threads(before)


def preset_run(studio, name: str, **changes) -> dict:
    s = dataclasses.replace(PRESETS[name].settings, **changes)
    updates, log = run_to_end(s, studio.classifier, time_cap=False)  # judged by its steps, never by its speed
    print(name, {k: round(v, 4) for k, v in signals(updates, log).items()})  # pytest -s shows the figures
    return signals(updates, log)


@pytest.fixture(scope="module")
def healthy(studio) -> dict:
    return preset_run(studio, "healthy")  # the default budget: the acceptance criterion is about it


def test_healthy_learns_the_digits_asked_for(healthy):
    assert healthy["final_accuracy"] >= 0.80
    assert healthy["entropy"] > 3.0  # every digit about equally common (max log2(10) = 3.32)
    assert 0.2 < healthy["d_fake"] < 0.8 and 0.3 < healthy["d_real"] < 0.9  # neither player wins


def test_mode_collapse(studio, healthy):
    s = preset_run(studio, "mode collapse")
    # The classifier reads (nearly) every sample as one digit, whatever digit was asked for.
    assert s["entropy"] < 0.25 * healthy["entropy"]
    assert s["final_accuracy"] < 0.2


def test_vanishing_gradients(studio, healthy):
    s = preset_run(studio, "vanishing gradients", steps=40)  # gone by step 40 of its 100
    assert s["d_real"] > 0.99 and s["d_fake"] < 0.01  # D wins outright
    assert s["g_grad_norm"] < 0.02 * healthy["g_grad_norm"]  # and G hears almost nothing from it


def test_non_convergence(studio, healthy):
    s = preset_run(studio, "non-convergence")
    assert s["oscillation"] > 4 * healthy["oscillation"]  # D(G(z)) keeps swinging (measured: 6.9x)


def test_too_high_learning_rate(studio, healthy):
    s = preset_run(studio, "too-high learning rate", steps=100)
    assert s["final_accuracy"] <= 0.2 < healthy["final_accuracy"]  # garbage: the digits asked for are not there (chance: 0.1)
    assert s["diverged"] or (s["d_real"] > 0.9 and s["d_fake"] < 0.1)  # D overshoots to an easy win, or it all blows up


def test_same_settings_and_seed_give_the_same_run(studio):
    s = LabSettings(steps=12, update_every=4)
    a, log_a = run_to_end(s, studio.classifier, time_cap=False)
    b, log_b = run_to_end(s, studio.classifier, time_cap=False)
    assert log_a == log_b and len(log_a) == 12 and [u.step for u in a] == [4, 8, 12]
    assert np.array_equal(a[-1].grid, b[-1].grid)
    _, log_c = run_to_end(dataclasses.replace(s, seed=1), studio.classifier, time_cap=False)
    assert log_c != log_a


def test_a_run_stops_when_its_consumer_stops(studio):
    stream = run(LabSettings(steps=1000, update_every=2), studio.classifier, time_cap=False)
    first = next(stream)
    stream.close()  # what Gradio does when the visitor presses Stop or closes the page
    assert first.step == 2 and not first.done
    with pytest.raises(StopIteration):
        next(stream)


def test_settings_are_bounded():
    s = LabSettings(max_seconds=3600, steps=10**9, batch_size=10**6, d_steps=100, lr_g=5.0).validated()
    assert s.max_seconds == MAX_SECONDS and s.steps == 5000 and s.batch_size == 256 and s.d_steps == 10 and s.lr_g == 0.1
    with pytest.raises(ValueError, match="arch"):
        LabSettings(arch="resnet").validated()
    with pytest.raises(ValueError, match="finite"):
        LabSettings(lr_d=math.nan).validated()


def test_minimax_loss_is_the_saturating_one():
    logits = torch.tensor([-6.0, 0.0, 6.0], requires_grad=True)
    d = torch.sigmoid(logits)
    assert torch.allclose(g_loss_minimax(logits), torch.log(1 - d).mean())
    (grad,) = torch.autograd.grad(g_loss_minimax(logits), logits)
    (grad_ns,) = torch.autograd.grad(g_loss_bce(logits), logits)
    # Where D rejects a fake (logit -6) the minimax gradient all but vanishes, the non-saturating one does not.
    assert abs(grad[0]) < 0.001 and abs(grad_ns[0]) > 0.3
    assert torch.allclose(d_loss_bce(logits, logits), -(torch.log(d) + torch.log(1 - d)).mean())


def test_lab_streams_through_the_api(client):
    job = client.submit(arch="mlp", steps=90, seed=3, max_seconds=60, api_name="/lab")
    grid, status, losses, d_out, grad, hist, summary = job.result(timeout=300)
    assert len(job.outputs()) >= 2  # streamed: updates at steps 40, 80 and 90
    assert summary["done"] and summary["stopped_by"] == "steps" and summary["settings"]["arch"] == "mlp"
    assert [row["step"] for row in summary["log"]] == list(range(1, 91))
    assert set(summary["log"][0]) == {"step", "loss_d", "loss_g", "d_real", "d_fake", "g_grad_norm"}
    assert "accuracy" in summary["signals"]


def test_the_command_line_offers_every_preset():
    from gan.cli.commands import lab_options
    from gan.core.cli import Parser
    from gan.space.lab import PRESETS

    parser = Parser()
    lab_options(parser)
    (preset,) = [a for a in parser._actions if a.dest == "preset"]
    assert set(preset.choices) == set(PRESETS) | {"all"}
