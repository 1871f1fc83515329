"""A bound on the CPU one evaluation may take, checked where long work has natural pauses.

The runner's small-run workers give a run ``BUDGET_S`` of CPU before they hand it to the large
lane (see ``streams.processors.enginepool``). Checking only between chunks let one heavy chunk
run far past it (10,000 trials drawing 6,000 RiskCompound occurrences each is seconds), so the
places that loop over work a chunk holds check too: between the slices of trials a model is
evaluated in, and between the batches of occurrences a RiskCompound draws.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_deadline: ContextVar[float | None] = ContextVar("cpu_deadline", default=None)


class OverBudget(BaseException):
    """The evaluation passed the CPU it was given (see :func:`cpu_budget`). Not an Exception:
    the guards that turn a cell's failure into its #VALUE! let it through to the budget's
    owner, as they let a cancel through."""


@contextmanager
def cpu_budget(seconds: float) -> Iterator[None]:
    """Within the block, :func:`checkpoint` raises OverBudget once this process has spent
    ``seconds`` more of CPU."""
    token = _deadline.set(time.process_time() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def checkpoint() -> None:
    """Raise OverBudget past the block's budget; nothing outside a :func:`cpu_budget`."""
    deadline = _deadline.get()
    if deadline is not None and time.process_time() > deadline:
        raise OverBudget
