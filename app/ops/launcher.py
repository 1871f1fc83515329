"""Starting the API and the processors as child processes for a given set of settings, as the
end-to-end tests and the benchmarks do."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from pydantic import SecretStr

from infra.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class RunningService:
    settings: Settings
    url: str
    logs: Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def service_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    for name, value in settings.model_dump().items():
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if isinstance(value, dict | list):  # complex settings are read back as JSON
            value = json.dumps(value)
        if value is not None:
            env[f"RISKSTREAM_{name.upper()}"] = str(value)
    return env


def tail(logs: Path, chars: int = 3000) -> str:
    return "\n".join(f"--- {p.name}\n{p.read_text()[-chars:]}" for p in sorted(logs.glob("*.log")))


@contextmanager
def launched(settings: Settings, logs: Path, timeout_s: float = 60) -> Iterator[RunningService]:
    """The API (on a free port) and the processors, running until the block ends."""
    logs.mkdir(parents=True, exist_ok=True)
    port = free_port()
    cli = [sys.executable, "-m", "app.ops.cli"]
    env = service_env(settings)
    procs = [
        subprocess.Popen([*cli, "processors"], cwd=ROOT, env=env,
                         stdout=(logs / "processors.log").open("w"), stderr=subprocess.STDOUT),
        subprocess.Popen([*cli, "api", "--port", str(port)], cwd=ROOT, env=env,
                         stdout=(logs / "api.log").open("w"), stderr=subprocess.STDOUT),
    ]
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if any(proc.poll() is not None for proc in procs):
                raise RuntimeError(f"a service process exited:\n{tail(logs)}")
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the API did not start:\n{tail(logs)}")
            time.sleep(0.3)
        yield RunningService(settings, url, logs)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
