"""The API's worker processes end with the API process: one killed outright (``kill -9``, the
kernel's OOM killer) leaves no worker serving on its port, holding its memory."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx

from app.ops.launcher import ROOT, free_port, service_env
from tests.conftest import isolated_settings
from tests.processes import ended


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and "multiprocessing.spawn" in (
                stat.parent / "cmdline").read_bytes().decode(errors="replace"):
            found.append(int(stat.parent.name))
    return found


def test_the_api_workers_end_with_the_api_killed_outright(tmp_path: Path) -> None:
    settings = isolated_settings().model_copy(update={"api_workers": 2})
    port = free_port()
    with (tmp_path / "api.log").open("w") as log:
        api = subprocess.Popen([sys.executable, "-m", "app.ops.cli", "api", "--port", str(port)],
                               cwd=ROOT, env=service_env(settings), stdout=log,
                               stderr=subprocess.STDOUT)
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health/live", timeout=1).is_success:
                    workers = _children(api.pid)
                    if len(workers) == 2:
                        break
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        assert len(workers) == 2, (tmp_path / "api.log").read_text()[-2000:]
    finally:
        api.kill()
        api.wait()
    assert ended(workers)
    try:
        httpx.get(f"http://127.0.0.1:{port}/health/live", timeout=1)
        served = True
    except httpx.HTTPError:
        served = False
    assert not served  # nothing answers on the port once the API is gone
