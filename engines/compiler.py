"""Compile a workbook once into a vectorised model, then evaluate it for n trials at a time."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from types import ModuleType

import numpy

from engines.allocator import keep_freed_memory
from engines.blocks import element
from engines.chunking import by_slices, slice_inputs, trials_per_slice
from engines.coerce import as_output, to_number
from engines.env import CircularReference, Env, Plan
from engines.errors import ExcelError
from engines.formula import FormulaSyntaxError, parse
from engines.formula.refs import CellKey, format_key
from engines.graph import DependencyGraph
from engines.links import linked_value
from engines.literals import LiteralAreas
from engines.liveness import last_reads
from engines.plan import CellCompiler, CellFacts
from engines.references import clip
from engines.requestcells import ModelError as ModelError
from engines.requestcells import covering, key_of, resolved, resolved_outputs
from engines.result import PyValue, to_python
from engines.risk import RiskCompiler, RiskInput, RiskValues, static_args
from engines.rowblocks import RowBlock, Step
from engines.rowsteps import Read, row_steps
from engines.values import Area, Value, error, from_scalars, number
from engines.workbook import Workbook
from engines.xp import Array, to_numpy


class CompiledModel:
    """A workbook compiled for simulation.

    ``evaluate(n, inputs, risk_values)`` runs n trials at once. ``inputs`` overrides constant
    cells with arrays of shape (n,) (or scalars). ``risk_values`` supplies every distribution
    call in :attr:`risk_inputs` that the outputs depend on, keyed by
    :class:`~engines.risk.RiskInputId`, either as

    * an array of shape (n,): pre-sampled values, for arguments known at compile time
      (``RiskInput.static_args`` is then set); or
    * a callable ``f(args) -> array (n,)`` receiving the evaluated arguments, each a float64
      array of shape (1,) or (n,) for scalar arguments, (1, k) or (n, k) for range or array
      arguments: the hook for distributions whose arguments reference other, possibly
      random, cells. It is called once per evaluation with all n trials.

    Results are ``(values, errors)`` per output, float64 and int8 arrays of shape (n,);
    ``errors`` holds :class:`~engines.errors.ExcelError` codes (0 for none). A text or empty
    output is not a number: its values are NaN with #VALUE! (booleans count as 0/1).
    """

    def __init__(
        self,
        workbook: Workbook,
        xp: ModuleType,
        plans: dict[CellKey, Plan],
        facts: dict[CellKey, CellFacts],
        risk: RiskCompiler,
        inputs: list[CellKey],
        outputs: list[CellKey],
    ) -> None:
        self.workbook = workbook
        self.xp = xp
        self.plans = plans
        self.facts = facts
        self.graph = DependencyGraph(
            {key: f.reads for key, f in facts.items()},
            {key: f.picked_from for key, f in facts.items() if f.picked_from},
        )
        self._input_keys = inputs
        self.input_keys = frozenset(inputs)
        self._output_keys = outputs
        self.inputs = [format_key(k) for k in inputs]
        self.outputs = [format_key(k) for k in outputs]
        self.risk_outputs = [format_key(k) for k in risk.outputs]
        self.unsupported: dict[str, list[str]] = {}
        for key, fact in facts.items():
            for name in sorted(fact.unsupported):
                self.unsupported.setdefault(name, []).append(format_key(key))
        self._literals: dict[CellKey, Value] = {}
        self._literal_areas = LiteralAreas(xp, workbook, [*plans, *inputs])
        self.failures: dict[str, str] = {}
        """Cells whose evaluation raised inside the engine, with the reason (a bug to fix)."""
        self.circular: list[CircularReference] = []
        """Circular references met by :meth:`recalc` (iterative calculation off)."""
        self.cycles: dict[CellKey, list[CellKey]] = {}
        if workbook.iteration is not None:
            for cycle in self.graph.cycles(plans):
                self.cycles.update(dict.fromkeys(cycle, cycle))
        needed = self.graph.ancestors(outputs)
        self._order = self.graph.order(needed, strict=workbook.iteration is None)
        varying = self._varying(needed, set(inputs))
        self.risk_calls: list[RiskInput] = risk.inputs
        """Every distribution call in the workbook, needed by the outputs or not."""
        self.risk_inputs: list[RiskInput] = [r for r in risk.inputs if key_of(r.id.cell) in needed]
        self._varying_order = [k for k in self._order if k in varying]
        self._volatile = any(self.facts[key].volatile for key in self._varying_order)
        self._constants = Env(self, xp, 1, static=False)
        for key in self._order:
            if key not in varying:
                self._guarded(self._constants, key)
        for risk_input in self.risk_inputs:
            reads = risk_input.arg_reads
            if not (self.facts[key_of(risk_input.id.cell)].dynamic or risk_input.nested or any(
                _contains(area, k) for area in reads for k in varying | set(inputs)
            )):
                risk_input.static_args = static_args(self._constants, risk_input)
            if risk_input.corrmat_area is not None:
                risk_input.corrmat = _corrmat(self, risk_input.corrmat_area)
        self._steps, self._dropped = self._trial_steps()
        widths = [step.width for step in self._steps if isinstance(step, RowBlock)]
        self.trials_per_slice = trials_per_slice(max(widths, default=1))
        """Trials evaluated together (see :mod:`engines.chunking`)."""

    def _trial_steps(self) -> tuple[list[Step], list[list[Read]]]:
        """The varying cells in evaluation order, runs of one formula along a row as blocks,
        and per step the values it reads last (see :mod:`engines.liveness`). Neither with
        iterative calculation, whose cycles are computed cell by cell and again, nor where a
        cell reads cells it cannot name before it runs."""
        order = self._varying_order
        if self.workbook.iteration is not None or any(self.facts[k].dynamic for k in order):
            return list(order), [[] for _ in order]
        cells = self.workbook.cells
        candidates = {key for key in order if _entrywise_candidate(
            cells[key].array is None and cells[key].spill_anchor is None, self.facts[key])}
        steps, reads = row_steps(self.workbook, self.xp, self.graph, order, candidates,
                                 {key: self.facts[key].reads for key in order},
                                 self._output_keys, self._constants, self._input_keys)
        kept = {key for key in order if self.facts[key].random or self.facts[key].volatile}
        return steps, last_reads(reads, kept | set(self._output_keys))

    def _resolve(self, address: str) -> CellKey:
        """``"Sheet!A1"`` (any case, sheet quoted or not) as the workbook's cell key."""
        sheet, row, col = key_of(address)
        return self.workbook.sheet_named(sheet) or sheet, row, col

    def _random_cells(self) -> set[CellKey]:
        """Cells computed in every pass: random ones, those that read cells they cannot name
        before they run, and volatile ones (NOW), which a model kept between runs must not
        keep the value of."""
        return {k for k, f in self.facts.items() if f.random or f.dynamic or f.volatile}

    def _varying(self, needed: set[CellKey], inputs: set[CellKey]) -> set[CellKey]:
        seeds = self._random_cells() & needed
        for key in needed:
            if any(_contains(area, k) for area in self.facts[key].reads for k in inputs):
                seeds.add(key)
        reached = self.graph.reach(seeds, self._order)
        while True:  # a cycle varies as a whole, and so does what reads it
            grown = reached | {k for key in reached for k in self.cycles.get(key, ())}
            if grown == reached:
                return reached
            reached = self.graph.reach(grown, self._order)

    def literal(self, key: CellKey) -> Value:
        """A cell that holds no formula, as a constant value (empty cells included)."""
        value = self._literals.get(key)
        if value is None:  # runs in other threads may build it too: all read the one kept
            cells = self.workbook.cells
            if key[0] in self.workbook.linked:
                scalar = linked_value(cells, key)
            else:
                scalar = cells[key].value if key in cells else None
            value = from_scalars(self.xp, [[scalar]])
            value = self._literals.setdefault(key, value)
        return value

    @property
    def constants(self) -> Env:
        """The pass holding every needed cell that is the same in every trial."""
        return self._constants

    def literal_area(self, area: Area) -> Value | None:
        """The block of an area with no formula cells (cached), or None if it has some."""
        return self._literal_areas.block(area)

    def evaluate(
        self,
        n: int,
        inputs: Mapping[str, Array] | None = None,
        risk_values: RiskValues | None = None,
    ) -> dict[str, tuple[Array, Array]]:
        """Run n trials; see the class docstring for ``inputs``, ``risk_values`` and results."""
        keep_freed_memory()
        inputs, risk_values = inputs or {}, risk_values or {}
        size = self.trials_per_slice
        if n > size and self._sliceable(risk_values):
            xp = self.xp
            return by_slices(xp, n, lambda trials, part: self._evaluate(
                trials, slice_inputs(xp, inputs, n, part), slice_inputs(xp, risk_values, n, part)
            ), size)
        return self._evaluate(n, inputs, risk_values)

    def _sliceable(self, risk_values: RiskValues) -> bool:
        """Whether trials can be evaluated a slice at a time with the same results: not when a
        sampler hook expects all trials in one call, nor when a volatile cell (RAND, NOW)
        would draw or read the clock once per slice."""
        if any(callable(values) for values in risk_values.values()):
            return False
        return not self._volatile

    def _evaluate(
        self, n: int, inputs: Mapping[str, Array], risk_values: RiskValues
    ) -> dict[str, tuple[Array, Array]]:
        xp = self.xp
        env = Env(self, xp, n, static=False, risk_values=risk_values)
        env.values.update(self._constants.values)
        env.blocks.update(self._constants.blocks)
        given = {self._resolve(address): array for address, array in inputs.items()}
        unknown = set(given) - set(self._input_keys)
        if unknown:
            names = ", ".join(sorted(format_key(k) for k in unknown))
            raise ModelError(f"{names} not declared as model inputs; declared: {self.inputs}")
        for key, array in given.items():
            env.values[key] = number(xp, xp.asarray(array, dtype=xp.float64).reshape(-1, 1, 1))
        missing = [r.id for r in self.risk_inputs
                   if r.id not in env.risk_values and not r.locked]
        if missing:
            raise ModelError(f"risk_values lacks the risk inputs {missing}")
        for step, dropped in zip(self._steps, self._dropped, strict=True):
            if isinstance(step, RowBlock):
                step.evaluate(env)
            elif step not in env.values:
                env.compute(step)
            for done in dropped:
                if isinstance(done, Area):
                    env.rows.pop(done, None)
                else:
                    env.values.pop(done, None)
        results: dict[str, tuple[Array, Array]] = {}
        for key, address in zip(self._output_keys, self.outputs, strict=True):
            results[address] = as_output(xp, env.cell(key).plain(), n)
        return results

    def recalc(self) -> dict[str, PyValue]:
        """Every formula cell computed once, statically (Risk calls at their static value)."""
        env = Env(self, self.xp, 1, static=True)
        self.circular = []
        out: dict[str, PyValue] = {}
        for key in self.graph.order(self.plans, strict=False):
            out[format_key(key)] = to_python(self.xp, self._guarded(env, key))
        return out

    def _guarded(self, env: Env, key: CellKey) -> Value:
        """The cell's value in ``env``; a failure inside the engine becomes #VALUE! there and is
        recorded in :attr:`failures`, so that one broken cell does not sink a whole workbook."""
        value = env.values.get(key)
        if value is not None:
            return value
        try:
            return env.compute(key)
        except CircularReference as exc:
            self.circular.append(exc)
            value = error(self.xp, ExcelError.REF)
        except Exception as exc:  # noqa: BLE001 - see the docstring
            self.failures[format_key(key)] = f"{type(exc).__name__}: {exc}"
            value = error(self.xp, ExcelError.VALUE)
        env.values[key] = value
        return value

    def affected(self, cells: Iterable[str]) -> set[str]:
        """``cells`` and every formula cell that reads them, directly or not."""
        seeds = {key_of(address) for address in cells}
        order = self.graph.order(self.plans, strict=False)
        return {format_key(key) for key in self.graph.reach(seeds, order)}

    @property
    def draws_in_formulas(self) -> bool:
        """Whether the outputs read a volatile cell (RAND, NOW…): such a model is evaluated a
        chunk at a time, each chunk's RAND() from the chunk's own generator."""
        return self._volatile

    @property
    def volatile(self) -> list[str]:
        """Cells using NOW, TODAY, RAND and the like: they change at every recalculation."""
        return sorted(format_key(k) for k, f in self.facts.items() if f.volatile)


def _entrywise_candidate(plain: bool, facts: CellFacts) -> bool:
    """Whether a cell may join a row block: a plain formula (no array or spill) that neither
    draws nor reads the clock, and reaches cells only through the references it names."""
    return plain and not (facts.random or facts.volatile or facts.dynamic or facts.picked_from
                          or facts.unsupported)


def _contains(area: Area, key: CellKey) -> bool:
    return (
        area.sheet == key[0]
        and area.row1 <= key[1] <= area.row2
        and area.col1 <= key[2] <= area.col2
    )


def _corrmat(model: CompiledModel, area: Area) -> tuple[str, tuple[tuple[float, ...], ...]]:
    """A RiskCorrmat range as text and its matrix (NaN where a cell is no number); the matrix
    is empty when the range holds formulas or request inputs, which are not constant."""
    area = clip(model.workbook, area)
    first = format_key((area.sheet, area.row1, area.col1))
    last = format_key((area.sheet, area.row2, area.col2)).rsplit("!", 1)[1]
    block = model.literal_area(area)
    if block is None:
        return f"{first}:{last}", ()
    num, err = to_number(model.xp, block)
    shape = (1, *area.shape)
    values = numpy.broadcast_to(to_numpy(num).astype(numpy.float64), shape)[0]
    if err is not None:
        values = numpy.where(numpy.broadcast_to(to_numpy(err), shape)[0] != 0, numpy.nan, values)
    return f"{first}:{last}", tuple(tuple(float(x) for x in row) for row in values)


def compile_model(
    wb: Workbook,
    inputs: Sequence[str] = (),
    outputs: Sequence[str] | None = None,
    xp: ModuleType = numpy,
) -> CompiledModel:
    """Compile ``wb`` for simulation of ``outputs`` (default: the RiskOutput cells).

    Raises ModelError when an input cell holds a formula, a cell does not exist, or the
    outputs depend on a circular reference.
    """
    input_keys = [resolved(wb, address, "input") for address in inputs]
    wb = covering(wb, input_keys)
    risk = RiskCompiler()
    plans: dict[CellKey, Plan] = {}
    facts: dict[CellKey, CellFacts] = {}
    for key, cell in wb.cells.items():
        if cell.spill_anchor is not None:
            plans[key], facts[key] = _spill_plan(xp, key, cell.spill_anchor)
        elif cell.formula is not None:
            compiler = CellCompiler(wb, xp, key, cell.array is not None, risk)
            try:
                plans[key] = compiler.scalar(parse(cell.formula))
            except FormulaSyntaxError:
                plans[key] = compiler.failed(ExcelError.NAME)
                compiler.facts.unsupported.add("(syntax)")
            except RecursionError:  # deeper than engines/__init__.py allows for
                plans[key] = compiler.failed(ExcelError.NAME)
                compiler.facts.unsupported.add("(nesting)")
            facts[key] = compiler.facts
    for key, address in zip(input_keys, inputs, strict=True):
        if key in plans:
            raise ModelError(f"input {address} holds a formula; inputs must be constant cells")
    output_keys = list(risk.outputs) if outputs is None else resolved_outputs(wb, outputs)
    try:
        return CompiledModel(wb, xp, plans, facts, risk, input_keys, output_keys)
    except CircularReference as exc:
        raise ModelError(str(exc)) from exc


def _spill_plan(xp: ModuleType, key: CellKey, anchor: CellKey) -> tuple[Plan, CellFacts]:
    row, col = key[1] - anchor[1], key[2] - anchor[2]
    facts = CellFacts(reads=[Area(anchor[0], anchor[1], anchor[2], anchor[1], anchor[2])])
    return (lambda env: element(xp, env.block(anchor), row, col)), facts
