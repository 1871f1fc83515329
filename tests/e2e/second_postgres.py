"""A second PostgreSQL cluster of its own, on a free port, for a tenant's dedicated database:
initialised and started from the same binaries as the stack's, removed afterwards."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app.ops.launcher import free_port

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def _as_postgres() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []  # root may not


@contextmanager
def second_cluster() -> Iterator[str]:
    """The DSN of a database ``tenant_home`` in a fresh cluster (trust auth on loopback)."""
    home = Path("/var/tmp") / f"riskstream-second-{uuid.uuid4().hex[:8]}"
    data = home / "data"
    data.mkdir(parents=True)
    if os.geteuid() == 0:
        shutil.chown(home, "postgres", "postgres")
        shutil.chown(data, "postgres", "postgres")
    port = free_port()
    subprocess.run([*_as_postgres(), str(PG_BIN / "initdb"), "-D", str(data), "-U", "riskstream",
                    "--auth=trust", "-E", "UTF8"], check=True, capture_output=True)
    server = subprocess.Popen(
        [*_as_postgres(), str(PG_BIN / "postgres"), "-D", str(data), "-p", str(port), "-k",
         str(home), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"],
        stdout=subprocess.DEVNULL, stderr=(home / "server.log").open("w"))
    try:
        for _ in range(120):
            if subprocess.run([str(PG_BIN / "pg_isready"), "-q", "-h", "127.0.0.1", "-p",
                               str(port)]).returncode == 0:
                break
            time.sleep(0.25)
        subprocess.run([str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U",
                        "riskstream", "tenant_home"], check=True, capture_output=True)
        yield f"postgresql://riskstream@127.0.0.1:{port}/tenant_home"
    finally:
        subprocess.run([*_as_postgres(), str(PG_BIN / "pg_ctl"), "stop", "-D", str(data), "-m",
                        "fast", "-w"], capture_output=True)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(home, ignore_errors=True)
