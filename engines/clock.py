"""What a simulation is run for, as its formulas read it: the moment TODAY() and NOW() read,
the simulation's number, which RiskSimtable and RiskCurrentSim read, and the generator RAND,
RANDBETWEEN and RANDARRAY draw from in a chunk.

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
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy

_EPOCH = datetime(1899, 12, 30)  # serial 0, so that 1 March 1900 is 61 as in Excel
_LEAP_BUG = date(1900, 3, 1)  # before it, Excel's serials are one less than the days since
_AS_OF: ContextVar[datetime | None] = ContextVar("riskstream_as_of", default=None)
_NUMBER: ContextVar[int] = ContextVar("riskstream_simulation_number", default=1)
_DRAWS: ContextVar[Any] = ContextVar("riskstream_cell_draws", default=None)


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


def chunk_generator(seed: int, chunk: int) -> numpy.random.Generator:
    """The generator of Excel's random functions in chunk ``chunk`` of the run seeded with
    ``seed``: a stream of its own beside the inputs' (the same seed and chunk, another key), so
    a run, its chunks on other runners and /sample draw the same RAND() in every trial."""
    sequence = numpy.random.SeedSequence(entropy=seed, spawn_key=(chunk, 1))
    return numpy.random.Generator(numpy.random.PCG64(sequence))


@contextlib.contextmanager
def drawing(generator: numpy.random.Generator | None) -> Iterator[None]:
    """RAND() and its kind draw from ``generator`` within the block."""
    token = _DRAWS.set(generator)
    try:
        yield
    finally:
        _DRAWS.reset(token)


def cell_draws(xp: Any, shape: tuple[int, ...]) -> Any:
    """Uniform draws in [0, 1) for Excel's random functions: from the chunk's generator in a
    simulation; outside one (the sheet view), fresh ones, as Excel's are at each
    recalculation."""
    generator = _DRAWS.get()
    if generator is None:
        return xp.random.random(shape)
    return xp.asarray(generator.random(shape))


def day_serial(moment: datetime) -> int:
    """The serial of ``moment``'s date (its wall clock where it was given), as Excel counts:
    1 for 1 January 1900, with the 29 February 1900 Excel counts (so 1 March 1900 is 61)."""
    day = moment.replace(tzinfo=None).date()
    return (day - _EPOCH.date()).days - (1 if day < _LEAP_BUG else 0)


def serial(moment: datetime) -> float:
    """``moment``'s wall-clock time as an Excel serial date-time: its date's serial and the
    fraction of its day."""
    wall = moment.replace(tzinfo=None)
    into = wall - datetime.combine(wall.date(), time())
    return day_serial(wall) + into / timedelta(days=1)


def now_serial() -> float:
    """The serial NOW() gives here."""
    return serial(_AS_OF.get() or datetime.now(UTC))


def today_serial() -> int:
    """The serial TODAY() gives here: the date's alone (never a day on from rounding)."""
    return day_serial(_AS_OF.get() or datetime.now(UTC))
