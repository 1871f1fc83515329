"""The random inputs of a run and how their samples reach the model.

Two kinds feed a model: request inputs (a cell given a distribution through the API, passed
to ``evaluate`` as an array) and distribution calls written in cells (the compiler's
``risk_inputs``, passed through its ``risk_values`` hook). A call whose arguments are known
up front is sampled here; one whose arguments depend on other cells is sampled by a callable
the model invokes with the evaluated arguments, so arguments may differ per trial.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from engines.formula import ast
from engines.sampling.compound import NAME as COMPOUND
from engines.sampling.compound import Compound, sums
from engines.sampling.distributions import Distribution, Truncation, draw_per_trial, family
from engines.sampling.errors import DistributionError
from engines.xp import Array


@dataclass(frozen=True)
class Corrmat:
    """A RiskCorrmat property: the correlated group it joins (the matrix range, with the
    instance when given), the call's 1-based row in the matrix, and the matrix itself (empty
    when the range is not all constant cells)."""

    group: str
    position: int
    matrix: tuple[tuple[float, ...], ...]


@dataclass(frozen=True)
class RandomInput:
    """One random quantity per trial; ``label`` names it in sensitivity and correlation.

    ``risk_id`` is the compiler's id for a distribution call in a cell (None for a request
    input). ``distribution`` is None when the call's arguments vary and are drawn in the model.
    """

    label: str
    cell: str
    name: str
    distribution: Distribution | None
    risk_id: Any = None
    truncate: Truncation | None = None
    shift: float = 0.0
    corrmat: Corrmat | None = None
    depends: tuple[str, float] | None = None  # RiskDepC(id, coefficient)
    leads: str | None = None  # RiskIndepC(id)
    compound: Compound | None = None  # a RiskCompound call's layout
    alt: Any = None  # an …Alt call's types: its arguments are solved into the base family's


_TRUNCATIONS: dict[str, tuple[str, Any]] = {
    "risktruncate": ("RiskTruncate", "value"),
    "risktruncate2": ("RiskTruncate2", "shifted"),
    "risktruncatep": ("RiskTruncateP", "percentile"),
}


def _constant(prop: str, node: Any) -> float | None:
    """A property argument, which must be a number written in the formula (or omitted)."""
    if isinstance(node, ast.Missing):
        return None
    if isinstance(node, ast.Number):
        return float(node.value)
    if isinstance(node, ast.Unary) and node.op in ("+", "-", "%"):
        inner = _constant(prop, node.operand)
        if inner is not None:
            return {"+": inner, "-": -inner, "%": inner / 100}[node.op]
    raise DistributionError(f"{prop} arguments must be numbers written in the formula")


def number_written(node: Any) -> float:
    """A number written in the formula (5, -2, 5%); DistributionError for anything else."""
    value = _constant("this", node)
    if value is None:
        raise DistributionError("a number must be written here")
    return value


def shaped_by(risk_input: Any) -> tuple[Truncation | None, float]:
    """A compiler ``RiskInput``'s RiskTruncate (or RiskTruncate2, RiskTruncateP) and its
    RiskShift (0 without one)."""
    props = {function.lower(): args for function, args in risk_input.properties.items()}
    shift_nodes = props.get("riskshift", ())
    shift = _constant("RiskShift", shift_nodes[0]) if shift_nodes else None
    truncate = None
    for key, (function, mode) in _TRUNCATIONS.items():
        if key in props:
            limits = [_constant(function, n) for n in props[key]] + [None, None]
            truncate = Truncation(limits[0], limits[1], mode)
    return truncate, shift or 0.0


def from_risk_input(risk_input: Any) -> RandomInput:
    """A compiler ``RiskInput`` (id, distribution, properties, static_args, name), resolved."""
    cell = risk_input.id.cell
    props = {function.lower(): args for function, args in risk_input.properties.items()}
    position = f"[{risk_input.id.index + 1}]" if risk_input.id.index else ""
    label = risk_input.name or f"{cell}{position}"
    compound = getattr(risk_input, "compound", None)  # a RiskCompound call's layout
    if compound is not None:
        if any(key in props for key in ("riskcorrmat", "riskdepc", "riskindepc")):
            raise DistributionError(f"{cell}: RiskCompound itself cannot be correlated (its"
                                    " frequency distribution can)")
        return RandomInput(label, cell, COMPOUND, None, risk_input.id, compound=compound)
    try:
        truncate, shift = shaped_by(risk_input)
        dist = None
        if risk_input.static_args is not None:
            dist = Distribution(
                risk_input.distribution,
                tuple(risk_input.static_args),
                truncate,
                shift,
                risk_input.name,
            )
        name = family(risk_input.distribution).name
        corrmat = _corrmat(risk_input, props.get("riskcorrmat", ()))
        leads, depends = _dependency(props)
        if corrmat is not None and (leads or depends):
            raise DistributionError("RiskCorrmat and RiskDepC/RiskIndepC cannot both"
                                    " correlate one distribution")
    except DistributionError as exc:
        raise DistributionError(f"{cell}: {exc}") from exc
    return RandomInput(label, cell, name, dist, risk_input.id, truncate, shift, corrmat,
                       depends, leads, alt=getattr(risk_input, "alt", None))


def _dependency(props: dict[str, Any]) -> tuple[str | None, tuple[str, float] | None]:
    """RiskIndepC(id) and RiskDepC(id, coefficient): the id, written as text in the formula,
    and the rank correlation with the independent distribution of that id, in [-1, 1]."""
    leads = depends = None
    if "riskindepc" in props:
        nodes = props["riskindepc"]
        if len(nodes) != 1 or not isinstance(nodes[0], ast.Text):
            raise DistributionError("RiskIndepC takes one id, text written in the formula")
        leads = nodes[0].value
    if "riskdepc" in props:
        nodes = props["riskdepc"]
        if len(nodes) != 2 or not isinstance(nodes[0], ast.Text):
            raise DistributionError("RiskDepC takes an id (text written in the formula) and a"
                                    " correlation coefficient")
        coefficient = _constant("RiskDepC", nodes[1])
        if coefficient is None or not -1 <= coefficient <= 1:
            raise DistributionError(f"RiskDepC coefficient must be between -1 and 1, got"
                                    f" {coefficient}")
        depends = (nodes[0].value, coefficient)
    if leads is not None and depends is not None:
        raise DistributionError("a distribution is either independent (RiskIndepC) or"
                                " dependent (RiskDepC), not both")
    return leads, depends


def with_dependencies(items: list[RandomInput]) -> list[RandomInput]:
    """``items`` with each RiskIndepC id's distributions joined as one correlated group: the
    independent one first, each dependent one correlated with it by its RiskDepC coefficient
    and with the other dependents as that one-factor structure implies (the product of their
    coefficients), so the target is always a valid correlation matrix."""
    leaders = {item.leads: i for i, item in enumerate(items) if item.leads is not None}
    twice = [item for i, item in enumerate(items)
             if item.leads is not None and leaders[item.leads] != i]
    if twice:
        cells = sorted({it.cell for it in items if it.leads == twice[0].leads})
        raise DistributionError(f"RiskIndepC id {twice[0].leads!r} is given to more than one"
                                f" distribution ({', '.join(cells)})")
    followers: dict[str, list[int]] = {}
    for i, item in enumerate(items):
        if item.depends is not None:
            if item.depends[0] not in leaders:
                raise DistributionError(f"{item.cell}: RiskDepC names id {item.depends[0]!r},"
                                        " which no sampled RiskIndepC distribution has (a"
                                        " locked one is not sampled)")
            followers.setdefault(item.depends[0], []).append(i)
    out = list(items)
    for id_, rows in followers.items():
        weights = (1.0, *(items[i].depends[1] for i in rows))  # type: ignore[index]
        matrix = tuple(tuple(1.0 if a == b else weights[a] * weights[b]
                             for b in range(len(weights))) for a in range(len(weights)))
        group = f'RiskIndepC("{id_}")'
        for position, i in enumerate((leaders[id_], *rows), 1):
            out[i] = replace(items[i], corrmat=Corrmat(group, position, matrix))
    return out


def _corrmat(risk_input: Any, nodes: Sequence[Any]) -> Corrmat | None:
    """RiskCorrmat(matrix range, position[, instance]) as resolved by the compiler."""
    if not nodes:
        return None
    if risk_input.corrmat is None or len(nodes) not in (2, 3):
        raise DistributionError(
            "RiskCorrmat takes a range of constant cells, a position and optionally an instance"
        )
    matrix_range, matrix = risk_input.corrmat
    position = _constant("RiskCorrmat", nodes[1])
    if position is None or position != int(position) or position < 1:
        raise DistributionError(f"RiskCorrmat position must be a whole number >= 1, got {position}")
    instance = _constant("RiskCorrmat", nodes[2]) if len(nodes) == 3 else None
    group = matrix_range if instance is None else f"{matrix_range} (instance {instance:g})"
    return Corrmat(group, int(position), matrix)


def hook(xp: Any, item: RandomInput, u: Array, record: Callable[[Array], None]) -> Any:
    """The ``risk_values`` callable for a call whose arguments are evaluated per trial.

    Trials with invalid arguments get NaN, which the model reports as an error in those trials;
    arguments invalid in every trial fail the run with a message naming the cell.
    """
    if item.compound is not None:
        compound = item.compound

        def compound_sums(args: Sequence[Array]) -> Array:
            try:
                values = sums(xp, compound, u, args)
            except DistributionError as exc:
                raise DistributionError(f"{item.cell}: {exc}") from exc
            record(values)
            return values

        return compound_sums
    tables = family(item.name).tables

    def sample(args: Sequence[Array]) -> Array:
        if item.alt is not None:
            args = _solved(xp, item, args)
        params = [_table(item, a) if i in tables else a for i, a in enumerate(args)]
        try:
            values = draw_per_trial(xp, item.name, u, params, item.truncate, item.shift)
        except DistributionError as exc:
            raise DistributionError(f"{item.cell}: {exc}") from exc
        record(values)
        return values

    return sample


def _solved(xp: Any, item: RandomInput, args: Sequence[Array]) -> list[Array]:
    """An …Alt call's values as its base family's parameters; the values must be the same in
    every trial (solving each trial's would take a search per trial)."""
    row = []
    for arg in args:
        flat = arg.reshape(arg.shape[0], -1)[:, 0]
        if flat.shape[0] > 1 and not bool((flat == flat[:1]).all()):
            raise DistributionError(f"{item.cell}: the values of {item.name}'s alternate"
                                    " parameters must be the same in every trial")
        row.append(float(flat[0]))
    try:
        return [xp.asarray(p) for p in item.alt.solve(row)]
    except DistributionError as exc:
        raise DistributionError(f"{item.cell}: {exc}") from exc


def _table(item: RandomInput, arg: Array) -> Array:
    """A (1, k) or (n, k) table argument as one row: tables must not vary by trial."""
    if arg.ndim < 2 or arg.shape[0] == 1:
        return arg.reshape(-1)
    if not bool((arg == arg[:1]).all()):
        raise DistributionError(
            f"{item.cell}: {item.name} table arguments must be the same in every trial"
        )
    return arg[0]
