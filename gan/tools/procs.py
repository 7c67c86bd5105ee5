"""A Gradio app as a child process on a free loopback port, and its memory: what gan bench
and gan.tools.loadtest (and the tests) share, so their servers start and are measured one way."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import IO

from gan.core.weights import CHECKOUT



def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(script: list[str], log: IO[bytes], env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    """`python <script>` (e.g. ["app.py"]) serving on a free loopback port; returns it and its URL.
    Output goes to `log`, a file, not a pipe: a chatty server would block once a pipe fills."""
    port = free_port()
    env = {**os.environ, **(env or {}), "GRADIO_SERVER_NAME": "127.0.0.1", "GRADIO_SERVER_PORT": str(port),
           "GRADIO_ANALYTICS_ENABLED": "False"}
    proc = subprocess.Popen([sys.executable, *script], cwd=CHECKOUT, env=env, stdout=log, stderr=subprocess.STDOUT)
    return proc, f"http://127.0.0.1:{port}"


def wait_ready(proc: subprocess.Popen, url: str, log: IO[bytes], timeout: float = 180) -> None:
    """Poll until the server answers (every 20 ms: cold starts are timed with this)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"server exited with {proc.returncode}:\n{log.read().decode(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(url + "/config", timeout=2):
                return
        except OSError:
            time.sleep(0.02)
    proc.kill()
    raise TimeoutError(f"{url} did not answer within {timeout} s")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def memory_mb(pid: int) -> tuple[float, float] | None:
    """(peak, current) resident memory of a process in MB, from /proc (Linux); None once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return int(fields["VmHWM"].split()[0]) / 1024, int(fields["VmRSS"].split()[0]) / 1024
