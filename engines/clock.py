"""What a simulation is run for, as its formulas read it: the moment TODAY() and NOW() read,
and the simulation's number, which RiskSimtable and RiskCurrentSim read.

Excel reads the computer's clock at every recalculation, in its local time. A simulation reads
one moment for all its trials: the request's ``as_of`` (by default when it was requested), so a
run, its chunks on other runners and ``/sample``'s recomputation of its trials agree to the
last bit, whenever they run. The moment is read as wall-clock time where it was given (an
``as_of`` of 2026-12-31T23:00:00-05:00 is 31 December); outside a simulation it is now, in
UTC.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC, datetime

_EPOCH = datetime(1899, 12, 30)  # serial 0, so that 1 March 1900 is 61 as in Excel
_AS_OF: ContextVar[datetime | None] = ContextVar("riskstream_as_of", default=None)
_NUMBER: ContextVar[int] = ContextVar("riskstream_simulation_number", default=1)


@contextlib.contextmanager
def as_of(moment: datetime | None) -> Iterator[None]:
    """TODAY() and NOW() read ``moment`` within the block (None: the current time)."""
    token = _AS_OF.set(moment)
    try:
        yield
    finally:
        _AS_OF.reset(token)


@contextlib.contextmanager
def simulation(moment: datetime | None, number: int = 1) -> Iterator[None]:
    """A simulation's run: its moment (see ``as_of``) and its number (1 for the first of a
    set run with RiskSimtable's values; @RISK's simulation number)."""
    token = _NUMBER.set(number)
    try:
        with as_of(moment):
            yield
    finally:
        _NUMBER.reset(token)


def simulation_number() -> int:
    """The number RiskSimtable picks by (1 outside a simulation, as in the sheet view)."""
    return _NUMBER.get()


def serial(moment: datetime) -> float:
    """``moment``'s wall-clock time as an Excel serial date-time (days and their fraction)."""
    delta = moment.replace(tzinfo=None) - _EPOCH
    return delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400


def now_serial() -> float:
    """The serial NOW() gives here."""
    return serial(_AS_OF.get() or datetime.now(UTC))
