"""The load script's short, bounded run (CI): the real app under a small mixed crowd.

It starts app.py itself on a free loopback port, so it runs as a subprocess; latency is
reported, never asserted (timings depend on the machine)."""

import json
import os
import subprocess
import sys

from conftest import ROOT, WEIGHTS

from gan.tools.loadtest import ENDPOINTS, ROWS


def test_smoke_load_has_no_failures(tmp_path):
    out = tmp_path / "load.json"
    env = {**os.environ, "GAN_WEIGHTS": os.environ.get("GAN_WEIGHTS", str(WEIGHTS)), "GRADIO_ANALYTICS_ENABLED": "False"}
    proc = subprocess.run([sys.executable, "-m", "gan", "dev", "loadtest", "--smoke", "--json", str(out)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    res = json.loads(out.read_text())
    assert res["failed"] == 0, res["error_samples"]
    assert res["requests_done"] > 0
    for name in ROWS:  # every endpoint of the mix was called (and the images shown fetched), none failed
        assert res["endpoints"][name]["count"] > 0, name
        assert res["endpoints"][name]["errors"] == 0, name
    assert sum(res["endpoints"][e]["count"] for e in ENDPOINTS) == res["requests_done"]
    rss = res["rss_mb"]  # the server's resident memory was read before, during and after
    assert set(rss) == {"before", f"after_first_{min(1000, res['config']['requests'] // 5)}", "after_last"}, rss
    assert all(v is not None and v > 0 for v in rss.values()), rss
    assert res["rss_growth_mb"] is not None
    assert res["server_log_problems"] == [], res["server_log_problems"]
