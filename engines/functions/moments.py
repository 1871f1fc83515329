"""TODAY and NOW: the simulation's moment (see :mod:`engines.clock`) as a serial date."""

from __future__ import annotations

from collections.abc import Sequence

from engines.clock import now_serial, today_serial
from engines.functions.registry import Call, Table, register
from engines.values import Value, scalar

FUNCTIONS: Table = {}


@register(FUNCTIONS, "NOW", 0, volatile=True)
def now(call: Call, args: Sequence[Value]) -> Value:
    return scalar(call.xp, now_serial())


@register(FUNCTIONS, "TODAY", 0, volatile=True)
def today(call: Call, args: Sequence[Value]) -> Value:
    return scalar(call.xp, float(today_serial()))
