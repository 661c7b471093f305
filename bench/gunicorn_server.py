"""Start the app under gunicorn on 127.0.0.1 for a benchmark (bench/dashboard.py,
bench/load.py): a free port, the database given, sync or gthread workers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(url: str, port: int, workers: int, threads: int = 1) -> subprocess.Popen:
    """gunicorn serving wsgi:app with TRACKER_DATABASE_URL=url, once /healthz answers."""
    env = dict(os.environ, TRACKER_DATABASE_URL=url, TRACKER_SECRET_KEY="bench-secret-key")
    command = [str(Path(sys.executable).parent / "gunicorn"), "-w", str(workers), "-b",
               f"127.0.0.1:{port}", "--log-level", "warning", "--backlog", "256"]  # fmt: skip
    if threads > 1:
        command += ["--worker-class", "gthread", "--threads", str(threads)]
    process = subprocess.Popen([*command, "wsgi:app"], cwd=ROOT, env=env)
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
            return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("gunicorn did not start")
