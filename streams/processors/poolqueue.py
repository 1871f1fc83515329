"""Runs waiting for a worker of the small-run pool (``enginepool``): which goes next, which go
with it, and which need not wait at all.

* **Next**: a freed worker takes the first run of the tenant with the fewest jobs computing (of
  equals, the one served longest ago), as the runner's lanes hand out slots. One tenant's runs
  queued here delay another tenant's run by a job, not by all of them.
* **With it**: the runs waiting after it that compile to the same model (one workbook, the same
  input and output cells, the same backend), whichever tenant's, up to TOGETHER_TRIALS trials
  in all: a worker computes them sharing the model's passes (``engines.together``).
* **Heavy models**: a run that passed the pool's budget marks its model heavy at its number of
  trials. A run of that model of at least as many trials is answered at once as over budget,
  and goes to the large lane without spending a budget here to find out again; one of fewer
  trials is still tried here. The last HEAVY_KEPT models found heavy are remembered.
"""

from __future__ import annotations

import asyncio
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from engines.simulation import SimulationSpec

TOGETHER_TRIALS = 65_536
"""Most trials of the runs one job computes together: a pass of the model at most
(``engines.passes.PASS_TRIALS``), so that the first run of a job waits for little more than
one pass beyond its own."""

HEAVY_KEPT = 1024
OVER_BUDGET = {"over_budget": True}
"""A pooled run's answer when it is too heavy for the pool: the runner computes it again in its
large lane."""

ModelKey = tuple[Any, tuple[str, ...], tuple[str, ...], str]


@dataclass
class Waiting:
    """A run waiting for a worker. ``workbook`` names the workbook's content (its digest):
    runs naming the same one have the same bytes; None: the bytes are compared by their hash."""

    data: bytes
    spec: SimulationSpec
    tenant: str
    answer: asyncio.Future[dict[str, Any]]
    workbook: str | None = None
    key: ModelKey = field(init=False)

    def __post_init__(self) -> None:
        content = self.workbook if self.workbook is not None else (hash(self.data), len(self.data))
        self.key = (content, tuple(self.spec.inputs), tuple(self.spec.outputs), self.spec.backend)


class PoolQueue:
    """The runs waiting, in the order they came, and the jobs computing per tenant."""

    def __init__(self) -> None:
        self._waiting: list[Waiting] = []
        self._computing: Counter[str] = Counter()
        self._served: dict[str, int] = {}  # when each tenant here last started a job
        self._jobs = 0
        self._heavy: OrderedDict[ModelKey, int] = OrderedDict()  # model → fewest trials found heavy

    def add(self, waiting: Waiting) -> None:
        if self._known_heavy(waiting):
            waiting.answer.set_result(dict(OVER_BUDGET))
        else:
            self._waiting.append(waiting)

    def next_job(self) -> list[Waiting]:
        """The next job (see the module), counted as computing for its first run's tenant; []
        when nothing waits. Runs whose callers stopped waiting are dropped."""
        self._waiting = [w for w in self._waiting if not w.answer.done()]
        if not self._waiting:
            return []
        tenants = dict.fromkeys(w.tenant for w in self._waiting)  # of equals, the run waiting first
        tenant = min(tenants, key=lambda t: (self._computing[t], self._served.get(t, -1)))
        first = next(w for w in self._waiting if w.tenant == tenant)
        job, trials = [first], first.spec.iterations
        for waiting in self._waiting:
            if (waiting is not first and waiting.key == first.key
                    and trials + waiting.spec.iterations <= TOGETHER_TRIALS):
                job.append(waiting)
                trials += waiting.spec.iterations
        chosen = {id(waiting) for waiting in job}
        self._waiting = [w for w in self._waiting if id(w) not in chosen]
        self._computing[tenant] += 1
        self._served[tenant] = self._jobs
        self._jobs += 1
        return job

    def ended(self, job: Sequence[Waiting], answers: Sequence[tuple[bool, Any]]) -> None:
        """A job's answers came back: its tenant computes one job fewer, and the model of a run
        over budget is known heavy from its trials on; runs waiting that it makes heavy are
        answered."""
        tenant = job[0].tenant
        self._computing[tenant] -= 1
        if self._computing[tenant] <= 0:
            del self._computing[tenant]
        for waiting, (ok, answer) in zip(job, answers, strict=True):
            if ok and isinstance(answer, dict) and answer.get("over_budget"):
                self._mark_heavy(waiting)
        for waiting in self._waiting:
            if not waiting.answer.done() and self._known_heavy(waiting):
                waiting.answer.set_result(dict(OVER_BUDGET))
        present = {w.tenant for w in self._waiting} | set(self._computing)
        self._served = {t: at for t, at in self._served.items() if t in present}

    def cancel(self) -> None:
        for waiting in self._waiting:
            waiting.answer.cancel()
        self._waiting.clear()

    def _mark_heavy(self, waiting: Waiting) -> None:
        trials = min(self._heavy.pop(waiting.key, waiting.spec.iterations),
                     waiting.spec.iterations)
        self._heavy[waiting.key] = trials
        while len(self._heavy) > HEAVY_KEPT:
            self._heavy.popitem(last=False)

    def _known_heavy(self, waiting: Waiting) -> bool:
        trials = self._heavy.get(waiting.key)
        return trials is not None and waiting.spec.iterations >= trials
