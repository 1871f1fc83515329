"""Services of a fault test's own, on free ports, so a test can kill and restart them without
touching the stack the other tests use: a Kafka broker, a PostgreSQL cluster, a Redis."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app.ops.launcher import free_port
from tests.conftest import ROOT

DATA = Path(os.environ.get("RISKSTREAM_DATA", ROOT / ".stack"))
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def wait_port(port: int, timeout_s: float = 60, *, up: bool = True) -> None:
    import socket

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket() as s:
            s.settimeout(0.5)
            is_up = s.connect_ex(("127.0.0.1", port)) == 0
        if is_up == up:
            return
        time.sleep(0.2)
    raise TimeoutError(f"port {port} did not {'open' if up else 'close'} in {timeout_s} s")


def as_user_of(user: str | None) -> dict[str, object]:
    """Popen arguments that run the command as ``user`` (PostgreSQL refuses to run as root)."""
    if user is None or os.getuid() != 0:
        return {}
    return {"user": user, "group": user, "extra_groups": []}


class Service:
    """A server process that can be killed (SIGKILL) and started again on the same data."""

    def __init__(self, name: str, command: list[str], port: int, log: Path,
                 user: str | None = None) -> None:
        self.name, self.command, self.port, self.log, self.user = name, command, port, log, user
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 90) -> None:
        as_user = as_user_of(self.user)
        self.process = subprocess.Popen(self.command, stdout=self.log.open("ab"),
                                        stderr=subprocess.STDOUT, start_new_session=True,
                                        **as_user)  # type: ignore[call-overload]
        wait_port(self.port, timeout_s)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        wait_port(self.port, 30, up=False)


@contextmanager
def own_kafka(folder: Path) -> Iterator[tuple[str, Service]]:
    libs = DATA / "kafka" / "libs"
    port, controller = free_port(), free_port()
    config = folder / "server.properties"
    values = {"DATA": str(folder), "KAFKA_PORT": str(port), "CONTROLLER_PORT": str(controller),
              "NETWORK_THREADS": "2", "IO_THREADS": "2"}
    text = re.sub(r"@([A-Z_]+)@", lambda m: values[m.group(1)],
                  (ROOT / "infra/stack/kafka/server.properties.in").read_text())
    config.write_text(text)
    java = ["java", "-cp", f"{libs}/*"]
    subprocess.run([*java, "kafka.tools.StorageTool", "format", "-t", "faultsCluster0000000A",
                    "-c", str(config)], check=True, capture_output=True)
    kafka = Service("kafka", [*java, "-Xms128m", "-Xmx512m",
                              f"-Dlog4j.configuration=file:{ROOT}/infra/stack/kafka/log4j.properties",
                              "kafka.Kafka", str(config)], port, folder / "kafka.log")
    kafka.start()
    try:
        yield f"127.0.0.1:{port}", kafka
    finally:
        kafka.kill()


@contextmanager
def own_redis(folder: Path) -> Iterator[tuple[str, Service]]:
    port = free_port()
    redis = Service("redis", ["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                              "--save", "", "--appendonly", "no", "--dir", str(folder)],
                    port, folder / "redis.log")
    redis.start()
    try:
        yield f"redis://127.0.0.1:{port}/0", redis
    finally:
        redis.kill()


@contextmanager
def own_postgres() -> Iterator[tuple[str, Service]]:
    # the postgres user must reach the cluster's folder, which a private temp folder is not
    folder = Path(tempfile.mkdtemp(prefix="riskstream-faults-", dir="/var/tmp"))
    pgdata = folder / "pg"
    user = "postgres" if os.getuid() == 0 else None
    if user:
        shutil.chown(folder, user)
    subprocess.run([str(PG_BIN / "initdb"), "-D", str(pgdata), "-U", "riskstream",
                    "--auth=trust", "-E", "UTF8"], check=True, capture_output=True, cwd=folder,
                   **as_user_of(user))  # type: ignore[call-overload]
    port = free_port()
    log = folder / "postgres.log"
    log.touch()
    if user:
        shutil.chown(log, user)
    pg = Service("postgres", [str(PG_BIN / "postgres"), "-D", str(pgdata), "-p", str(port),
                              "-k", "/tmp", "-c", "listen_addresses=127.0.0.1",
                              "-c", "fsync=off", "-c", "max_connections=200"],
                 port, log, user)
    pg.start()
    try:
        for _ in range(50):
            if subprocess.run([str(PG_BIN / "pg_isready"), "-q", "-h", "127.0.0.1", "-p",
                               str(port)]).returncode == 0:
                break
            time.sleep(0.2)
        subprocess.run([str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U",
                        "riskstream", "riskstream"], check=True, capture_output=True)
        yield f"postgresql://riskstream@127.0.0.1:{port}/riskstream", pg
    finally:
        pg.kill()
        shutil.rmtree(folder, ignore_errors=True)
