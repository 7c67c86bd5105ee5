"""The human evaluation's kill-and-restart load test, bounded (issue 36): a dozen players answer
the Real-or-fake game over loopback HTTP while the server is SIGKILLed and restarted; every
acknowledged answer is in the database, none twice, and the figures survive each restart. It
starts app.py itself (three times), so it runs as a subprocess; timings are reported, never asserted."""

import json
import os
import subprocess
import sys

from conftest import ROOT, WEIGHTS


def test_answers_survive_sigkill_under_load(tmp_path):
    out = tmp_path / "load.json"
    env = {**os.environ, "GAN_WEIGHTS": os.environ.get("GAN_WEIGHTS", str(WEIGHTS)), "GRADIO_ANALYTICS_ENABLED": "False"}
    proc = subprocess.run([sys.executable, "-m", "gan", "dev", "human-eval-load", "--smoke", "--data-dir", str(tmp_path / "data"),
                           "--json", str(out)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=400, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    res = json.loads(out.read_text())
    assert all(res["checks"].values()), res["checks"]
    assert len(res["kills"]) == 1 and res["kills"][0]["answered_at_kill"] > 0  # killed under load, not before it
    assert res["answers_acknowledged"] > res["kills"][0]["answered_at_kill"]  # and the players went on after the restart
    assert res["second_answers_refused"] > 0 and res["errors_while_up"] == [], res["errors_while_up"]
    assert res["answered_in_db"] >= res["answers_acknowledged"]
