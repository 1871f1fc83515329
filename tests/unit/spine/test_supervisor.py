"""The supervisor with stand-in processors: N processes per kind, each told its instance, each
restarted on its own doubling backoff, and all of them ended by one SIGTERM within the grace."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.ops import supervisor as supervisor_module
from app.ops.cli import main
from app.ops.supervisor import INSTANCE_ENV
from app.ops.workers import PROCESSORS

ROOT = Path(__file__).resolve().parents[3]
# Runs the real supervise() with command() swapped for the stand-in below.
SUPERVISOR = """
import json, logging, sys
from app.ops import supervisor
logging.basicConfig(level=logging.INFO, format="%(message)s")
stand_in, replicas, policy = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
supervisor.command = lambda name: [sys.executable, stand_in, name]
sys.exit(supervisor.supervise(replicas, supervisor.Policy(**policy)))
"""
# A processor stand-in: records its start, then crashes, sleeps, or sleeps deaf to SIGTERM.
STAND_IN = f"""
import os, signal, sys, time
name = sys.argv[1]
if name == "stubborn":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
instance = os.environ["{INSTANCE_ENV}"]
record = os.path.join(os.environ["STARTS"], f"{{name}}.{{instance}}.{{os.getpid()}}")
with open(record + ".tmp", "w") as f:
    f.write(repr(time.monotonic()))
os.rename(record + ".tmp", record)
if name == "crasher":
    sys.exit(3)
time.sleep(30)
"""


def _supervise(tmp: Path, replicas: dict[str, int], **policy: float) -> subprocess.Popen[str]:
    stand_in, starts = tmp / "stand_in.py", tmp / "starts"
    stand_in.write_text(STAND_IN)
    starts.mkdir()
    return subprocess.Popen(
        [sys.executable, "-c", SUPERVISOR, str(stand_in), json.dumps(replicas),
         json.dumps({"poll_s": 0.02, **policy})],
        cwd=ROOT, env=dict(os.environ, STARTS=str(starts)), stderr=subprocess.PIPE, text=True)


def _starts(tmp: Path, enough: int, timeout_s: float = 8.0) -> list[tuple[str, int, int, float]]:
    """(kind, instance, pid, started) of every stand-in started, once ``enough`` have been."""
    deadline = time.monotonic() + timeout_s
    while True:
        records = [p for p in (tmp / "starts").iterdir() if not p.name.endswith(".tmp")]
        if len(records) >= enough or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    parsed = []
    for record in records:
        name, instance, pid = record.name.split(".")
        parsed.append((name, int(instance), int(pid), float(record.read_text())))
    return sorted(parsed, key=lambda start: start[3])


def _stop(supervisor: subprocess.Popen[str]) -> tuple[float, str]:
    """SIGTERM the supervisor: how long it took to exit, and what it logged."""
    began = time.monotonic()
    supervisor.send_signal(signal.SIGTERM)
    _, logged = supervisor.communicate(timeout=10)
    assert supervisor.returncode == 0, logged
    return time.monotonic() - began, logged


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_each_replica_is_a_process_told_its_instance_and_a_stop_ends_them_all(
        tmp_path: Path) -> None:
    supervisor = _supervise(tmp_path, {"sleeper": 3, "other": 1}, stop_grace_s=3.0)
    started = _starts(tmp_path, 4)
    took, logged = _stop(supervisor)
    assert sorted((name, instance) for name, instance, _, _ in started) == [
        ("other", 0), ("sleeper", 0), ("sleeper", 1), ("sleeper", 2)], logged
    assert len({pid for _, _, pid, _ in started}) == 4
    assert took < 1.5, "stand-ins that honour SIGTERM end at once, not at the grace's end"
    assert not any(_alive(pid) for _, _, pid, _ in started)


def test_a_child_deaf_to_sigterm_is_killed_when_the_grace_ends(tmp_path: Path) -> None:
    supervisor = _supervise(tmp_path, {"stubborn": 1, "sleeper": 2}, stop_grace_s=0.5)
    started = _starts(tmp_path, 3)
    assert len(started) == 3
    took, logged = _stop(supervisor)
    assert 0.5 <= took < 2.0, logged
    assert "did not stop in 0.5 s; killed" in logged
    assert not any(_alive(pid) for _, _, pid, _ in started)


def test_each_replica_restarts_on_its_own_backoff_doubling_to_the_cap(tmp_path: Path) -> None:
    supervisor = _supervise(tmp_path, {"crasher": 2, "sleeper": 1},
                            min_backoff_s=0.1, max_backoff_s=0.4, stop_grace_s=1.0)
    started = _starts(tmp_path, 1 + 2 * 5)
    _, logged = _stop(supervisor)
    assert [s[:2] for s in started if s[0] == "sleeper"] == [("sleeper", 0)], "not restarted"
    for instance in (0, 1):
        backoffs = [float(b) for b in re.findall(
            rf"processor crasher#{instance} exited with 3; restart \d+ in ([\d.]+) s", logged)]
        assert backoffs[:4] == [0.1, 0.2, 0.4, 0.4], logged
        times = [at for name, i, _, at in started if (name, i) == ("crasher", instance)]
        assert len(times) >= 5, logged
        gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
        assert all(gap >= backoff for gap, backoff in zip(gaps, backoffs, strict=False)), gaps


def test_replicas_come_from_the_setting_and_the_command_line_for_the_kinds_run(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    asked: list[dict[str, int]] = []

    def supervise(replicas: dict[str, int]) -> int:
        asked.append(replicas)
        return 0

    monkeypatch.setattr(supervisor_module, "supervise", supervise)
    monkeypatch.setenv("RISKSTREAM_JWT_SECRET", "s" * 32)
    monkeypatch.setenv("RISKSTREAM_PROCESSOR_REPLICAS", "simulation-runner=3,postgres-projector=2")
    assert main(["processors", "--replicas", "postgres-projector=4"]) == 0
    assert asked[-1] == {**dict.fromkeys(PROCESSORS, 1), "simulation-runner": 3,
                         "postgres-projector": 4}
    assert main(["processors", "--only", "simulation-runner", "billing"]) == 0
    assert asked[-1] == {"simulation-runner": 3, "billing": 1}
    assert main(["processors", "--only", "billing", "webhook-fanout", "webhook-dispatcher",
                 "--replicas", "billing=2,webhook-fanout=2,webhook-dispatcher=3"]) == 0
    assert asked[-1] == {"billing": 2, "webhook-fanout": 2, "webhook-dispatcher": 3}
    for wrong, says in ((["--replicas", "simulation-runer=2"], "no processor simulation-runer"),
                        (["--replicas", "retention=2"], "retention run as one instance only"),
                        (["--replicas", "billing=0"], "greater than or equal to 1"),
                        (["--replicas", "billing"], "expected NAME=COUNT"),
                        (["--only", "bill"], "no processor bill")):
        assert main(["processors", *wrong]) == 2
        assert says in capsys.readouterr().err
    assert len(asked) == 3
