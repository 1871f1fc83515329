"""Running untrusted work in a child process with a memory cap and a time limit.

A child that overruns either is killed and its caller gets an exception naming which; the
calling process lives on. Children come from a fork server that imported the modules they
need once, so each task starts in milliseconds in a fresh process whose memory goes back to
the system when it ends. The CPU-time limit set in the child ends it even when its parent has
died and no one is left to kill it.
"""

from __future__ import annotations

import gc
import math
import multiprocessing
import os
import pickle
import resource
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, TypeVar

MB = 1024 * 1024
RESERVE = 4 * MB
"""Set aside in the child under its cap and freed when the cap is hit, so that it can still
send its answer."""
Result = TypeVar("Result")


class SandboxFailure(Exception):
    """The child did not finish; ``limit`` is the cap it ran into (None when it just died)."""

    def __init__(self, message: str, limit: float | None = None) -> None:
        super().__init__(message)
        self.limit = limit


class OutOfMemory(SandboxFailure):
    """The child needed more memory than its cap (``limit``, in bytes)."""


class OutOfTime(SandboxFailure):
    """The child ran past its time limit (``limit``, in seconds) and was killed."""


class ChildDied(SandboxFailure):
    """The child ended without an answer (a signal, or an abort in native code)."""


@dataclass(frozen=True)
class Sandbox:
    """Runs ``function(*args)`` in a child with ``memory_bytes`` on top of what a fresh child
    holds (it is then refused more, and fails with MemoryError) and ``timeout_s`` of wall time.
    ``preload`` names the modules the fork server imports once for every child."""

    memory_bytes: int
    timeout_s: float
    preload: Sequence[str] = ()

    def __post_init__(self) -> None:
        if self.preload:  # takes effect when the fork server starts: the first run of any
            _context.set_forkserver_preload(list(self.preload))

    def run(self, function: Callable[..., Result], *args: Any) -> Result:
        """``function(*args)`` as the child computed it; its exceptions are raised here (those
        that do not pickle as RuntimeError with their text), failures as SandboxFailure."""
        receive, send = _context.Pipe(duplex=False)
        child = _context.Process(target=_child, daemon=True,
                                 args=(send, self.memory_bytes, self.timeout_s, function, args))
        child.start()
        send.close()
        try:
            if not receive.poll(self.timeout_s):
                raise self._out_of_time()
            try:
                finished, outcome = receive.recv()
            except EOFError:
                child.join(1)
                raise self._death(child.exitcode) from None
        finally:
            if child.is_alive():
                child.kill()
            child.join()
            receive.close()
        if finished:
            return outcome  # type: ignore[no-any-return]
        if isinstance(outcome, MemoryError):
            raise self._out_of_memory()
        raise outcome

    def _out_of_memory(self) -> OutOfMemory:
        return OutOfMemory(f"needed more than {self.memory_bytes // MB} MB", self.memory_bytes)

    def _out_of_time(self) -> OutOfTime:
        return OutOfTime(f"took longer than {self.timeout_s:g} s", self.timeout_s)

    def _death(self, code: int | None) -> SandboxFailure:
        if code == -signal.SIGXCPU:  # the CPU-time limit, when the parent's wait missed it
            return self._out_of_time()
        return ChildDied(f"stopped without an answer (exit code {code})")


_context = multiprocessing.get_context("forkserver")


def _child(send: Connection, memory_bytes: int, timeout_s: float,
           function: Callable[..., object], args: tuple[object, ...]) -> None:
    _cap(memory_bytes, timeout_s)
    reserve = bytearray(RESERVE)
    out_of_memory = False
    try:
        outcome: tuple[bool, object] = (True, function(*args))
    except MemoryError:
        # the frames of the failed work are still held here: only leave the handler
        out_of_memory = True
    except Exception as exc:  # noqa: BLE001 - handed to the parent, which raises it
        outcome = (False, exc)
    if out_of_memory:
        del reserve
        gc.collect()  # what the work built is often cyclic (openpyxl's sheets and book)
        outcome = (False, MemoryError())
    if not outcome[0] and not _travels(outcome[1]):
        outcome = (False, RuntimeError(f"{type(outcome[1]).__name__}: {outcome[1]}"))
    send.send(outcome)
    send.close()


def _travels(exc: object) -> bool:
    """Whether an exception comes out of pickling whole (a custom __init__ may not)."""
    try:
        return type(pickle.loads(pickle.dumps(exc))) is type(exc)
    except Exception:  # noqa: BLE001 - any failure means it does not
        return False


def _cap(memory_bytes: int, timeout_s: float) -> None:
    """The address space mapped now plus ``memory_bytes``; twice ``timeout_s`` of CPU time
    (native code may run threads), which only an orphaned child ever reaches."""
    with open("/proc/self/statm") as statm:  # Linux; the first field is the size in pages
        mapped = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    limit = mapped + memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    seconds = math.ceil(2 * timeout_s) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
