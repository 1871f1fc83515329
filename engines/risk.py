"""@RISK-style functions in formulas: distribution calls become random input nodes.

``RiskNormal(100, 10, RiskName("Sales"))`` is a distribution call; its trailing property calls
(RiskName, RiskStatic, RiskTruncate, RiskTruncate2, RiskTruncateP, RiskShift, RiskCorrmat,
RiskDepC, RiskIndepC, RiskLock, RiskSeed, and those that only label it for @RISK's windows:
RiskUnits, RiskCategory, RiskCollect, RiskIsDate, RiskIsDiscrete, RiskSixSigma,
RiskConvergence, RiskFit, RiskLibrary) are recorded, not evaluated. A locked call
(``RiskLock()``) is not sampled: every trial reads its static value. ``RiskOutput(...)`` marks
its cell as a simulation output and evaluates to 0; ``RiskMakeInput(formula)`` is its
formula's value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engines.coerce import to_number
from engines.env import Env, Plan
from engines.errors import ExcelError
from engines.formula import ast
from engines.formula.refs import CellKey, format_key
from engines.values import Area, Value, error, flag_errors, merge_errors, number, scalar
from engines.xp import Array

if TYPE_CHECKING:
    from engines.plan import CellCompiler

PROPERTIES = frozenset(
    {
        "RISKNAME",
        "RISKSTATIC",
        "RISKTRUNCATE",
        "RISKTRUNCATE2",
        "RISKTRUNCATEP",
        "RISKSHIFT",
        "RISKCORRMAT",
        "RISKDEPC",
        "RISKINDEPC",
        "RISKLOCK",
        "RISKSEED",
        # what @RISK's windows and reports show, which change no sample
        "RISKUNITS",
        "RISKCATEGORY",
        "RISKCOLLECT",
        "RISKISDATE",
        "RISKISDISCRETE",
        "RISKSIXSIGMA",
        "RISKCONVERGENCE",
        "RISKFIT",
        "RISKLIBRARY",
    }
)
OUTPUT = "RISKOUTPUT"
MAKE_INPUT = "RISKMAKEINPUT"
SIMTABLE, CURRENT_SIM = "RISKSIMTABLE", "RISKCURRENTSIM"
COMPOUND = "RISKCOMPOUND"
THEORY = "RISKTHEO"


def is_risk_function(name: str) -> bool:
    """Every ``Risk…`` name is handled here, not by the function registry."""
    return name.startswith("RISK")


@dataclass(frozen=True, slots=True, order=True)
class RiskInputId:
    """A distribution call: its cell (``"Sheet!A1"``) and its position among that cell's calls."""

    cell: str
    index: int


@dataclass
class RiskInput:
    """One random input node of the compiled model.

    ``distribution`` is the function name as written in Excel case-folded to ``RiskNormal``
    style; ``args`` are the argument trees; ``properties`` maps a property function name
    (``RiskName``…) to its argument trees. ``static_args`` holds the argument values when
    none of them depends on a random cell or a request input (scalar arguments as floats,
    range or array arguments as tuples of floats), else None; ``nested`` says an argument holds
    a distribution call of its own (``RiskNormal(RiskUniform(90, 110), 10)``), drawn per trial
    before this one as @RISK does, so the arguments are never static. ``corrmat_area`` is the
    range a RiskCorrmat property names; ``corrmat`` is that range's text and the matrix read
    from it (empty when the range is not all constant cells), set once the model is compiled.
    """

    id: RiskInputId
    distribution: str
    args: tuple[ast.Node, ...]
    properties: dict[str, tuple[ast.Node, ...]]
    static_args: tuple[float | tuple[float, ...], ...] | None = None
    arg_plans: list[Plan] = field(default_factory=list, repr=False)
    arg_reads: list[Area] = field(default_factory=list, repr=False)
    static_plan: Plan | None = field(default=None, repr=False)
    corrmat_area: Area | None = field(default=None, repr=False)
    corrmat: tuple[str, tuple[tuple[float, ...], ...]] | None = None
    nested: bool = False
    compound: Any = None  # RiskCompound's layout (engines.sampling.compound.Compound)
    alt: Any = None  # an …Alt call's types (engines.sampling.alt.Alt); args are its values

    @property
    def locked(self) -> bool:
        """RiskLock(): not sampled, every trial reads the static value."""
        return "RiskLock" in self.properties

    @property
    def name(self) -> str | None:
        """The RiskName given to the input, if any (constant text only)."""
        nodes = self.properties.get("RiskName")
        if nodes and isinstance(nodes[0], ast.Text):
            return nodes[0].value
        return None


RiskSupplier = Array | Callable[[list[Array]], Array]
RiskValues = Mapping[RiskInputId, RiskSupplier]


def _display(name: str) -> str:
    return "Risk" + name[4:5] + name[5:].lower()


def arg_arrays(env: Env, plans: list[Plan]) -> tuple[list[Array], Array | None]:
    """Distribution arguments: scalars as (t,) arrays, ranges/arrays as (t, k); first error."""
    xp = env.xp
    arrays: list[Array] = []
    errors: list[Array | None] = []
    for plan in plans:
        value = plan(env)
        num, err = to_number(xp, value)
        rows, cols = value.grid
        num = xp.broadcast_to(num, (num.shape[0], rows, cols))
        arrays.append(num[:, 0, 0] if rows * cols == 1 else num.reshape(num.shape[0], -1))
        if err is not None:
            err = xp.broadcast_to(err, (err.shape[0], rows, cols)).reshape(err.shape[0], -1)
            errors.append(xp.max(err, axis=1))
    return arrays, merge_errors(xp, *errors)


def static_args(env: Env, risk_input: RiskInput) -> tuple[float | tuple[float, ...], ...] | None:
    """The call's arguments where they are constant (``env``: the model's constants), as its
    family's parameters (an …Alt call's solved); None where they are not, or where no law
    meets an …Alt call's (it is then drawn in the model, where the failure names the cell)."""
    from engines.sampling.errors import DistributionError

    arrays, err = arg_arrays(env, risk_input.arg_plans)
    if err is not None and bool((err != 0).any()):
        return None
    values = tuple(float(a[0]) if a.ndim == 1 else tuple(float(x) for x in a[0]) for a in arrays)
    if risk_input.alt is None:
        return values
    try:
        return tuple(risk_input.alt.solve(values))
    except (DistributionError, TypeError):
        return None


class RiskCompiler:
    """Collects the risk inputs and outputs of a workbook while its cells compile."""

    def __init__(self) -> None:
        self.inputs: list[RiskInput] = []
        self.outputs: dict[CellKey, str | None] = {}
        self._per_cell: dict[CellKey, int] = {}

    def compile(self, compiler: CellCompiler, node: ast.Call) -> Plan:
        from engines import riskforms as forms  # it builds on this module's calls

        xp = compiler.xp
        if node.name == OUTPUT:
            first = node.args[0] if node.args else None
            self.outputs[compiler.cell] = first.value if isinstance(first, ast.Text) else None
            return compiler.constant(scalar(xp, 0.0))
        if node.name in PROPERTIES:
            return compiler.constant(error(xp, ExcelError.VALUE))
        if node.name in (SIMTABLE, CURRENT_SIM):
            return forms.by_simulation(compiler, node)
        if node.name.startswith(THEORY) and forms.theory_known(node.name):
            from engines.risktheory import theoretical

            return theoretical(self.inputs, compiler, node)
        if node.name == MAKE_INPUT:  # the formula's value; its properties label it for @RISK
            if not node.args or isinstance(node.args[0], ast.Missing):
                return compiler.constant(error(xp, ExcelError.VALUE))
            return compiler.compile(node.args[0])
        alt = forms.alt_layout(node) if node.name.endswith(("ALT", "ALTD")) else None
        if alt == "unsupported":
            descending = node.name.endswith("ALTD")
            base = forms.family_name(node.name[: -4 if descending else -3])
            compiler.facts.unsupported.add(f"{base}{'AltD' if descending else 'Alt'} (types)")
            return compiler.failed(ExcelError.NAME)
        if node.name != COMPOUND and alt is None and not _is_distribution(node.name):
            # RiskMean(B9), RiskPercentile(…): statistics of
            # a simulation's results, which the results carry; no input, listed unsupported
            compiler.facts.unsupported.add(_display(node.name))
            return compiler.failed(ExcelError.NAME)
        compiler.facts.random = True
        position = self._per_cell.get(compiler.cell, 0)
        self._per_cell[compiler.cell] = position + 1
        args = tuple(a for a in node.args if not _is_property(a))
        properties = {
            _display(a.name): a.args
            for a in node.args
            if isinstance(a, ast.Call) and _is_property(a)
        }
        node_id = RiskInputId(format_key(compiler.cell), position)
        risk_input = RiskInput(node_id, _display(node.name), args, properties)
        if alt is not None:  # the base family, its parameters solved from the pairs' values
            risk_input.alt, risk_input.distribution, args = alt, alt.base, args[1::2]
        if node.name == COMPOUND:
            laid_out = forms.compound_layout(args)
            if laid_out is None or forms.drawn_elsewhere(compiler, laid_out):
                compiler.facts.unsupported.add("RiskCompound (severity in another cell)"
                                               if laid_out else "RiskCompound (arguments)")
                return compiler.failed(ExcelError.NAME)
            risk_input.compound, args = laid_out
        first_read, first_input = len(compiler.facts.reads), len(self.inputs)
        was_volatile, compiler.facts.random, compiler.facts.volatile = (
            compiler.facts.volatile, False, False)  # what the arguments themselves set
        risk_input.arg_plans = [compiler.compile(a) for a in args]
        changing = compiler.facts.random or compiler.facts.volatile  # RAND(), TODAY()…
        compiler.facts.random = True
        compiler.facts.volatile = compiler.facts.volatile or was_volatile
        risk_input.arg_reads = compiler.facts.reads[first_read:]
        # drawn in the model, where its arguments are known in every pass: a call with a
        # distribution, a random or a volatile function among its arguments, and a compound
        risk_input.nested = (len(self.inputs) > first_input or changing
                             or risk_input.compound is not None)
        static = properties.get("RiskStatic")
        if static:
            risk_input.static_plan = compiler.scalar(static[0])
        corrmat = properties.get("RiskCorrmat")
        if corrmat:
            risk_input.corrmat_area = compiler.static_area(corrmat[0])
        self.inputs.append(risk_input)
        return lambda env: _evaluate(env, risk_input)


def _is_distribution(name: str) -> bool:
    from engines.sampling.distributions import family
    from engines.sampling.errors import DistributionError

    try:
        family(name)
    except DistributionError:
        return False
    return True


def _is_property(node: ast.Node) -> bool:
    return isinstance(node, ast.Call) and node.name in PROPERTIES


def _evaluate(env: Env, risk_input: RiskInput) -> Value:
    xp = env.xp
    if env.static or risk_input.locked:
        if risk_input.static_plan is not None:
            return risk_input.static_plan(env).plain()
        return _static_value(env, risk_input)
    arrays, err = arg_arrays(env, risk_input.arg_plans)
    err = None if err is None else err.reshape(-1, 1, 1)
    if err is not None and bool((err != 0).all()):  # an argument's error in every trial
        return number(xp, xp.full(err.shape, xp.nan), err)
    supplied: Any = env.risk_values.get(risk_input.id)
    if supplied is None:
        raise KeyError(f"no values supplied for risk input {risk_input.id}")
    drawn = supplied(arrays) if callable(supplied) else supplied
    drawn = xp.asarray(drawn, dtype=xp.float64).reshape(-1, 1, 1)
    # a sampler marks trials whose arguments are invalid with NaN
    return number(xp, drawn, flag_errors(xp, err, ~xp.isfinite(drawn), ExcelError.NUM))


def _locked_per_trial(env: Env, risk_input: RiskInput, arrays: list[Array],
                      err: Array | None) -> Value:
    """A locked call whose arguments change by trial: each trial's mean, from that trial's
    arguments (#VALUE! where a truncation or a compound would need its law integrated for
    every trial)."""
    from engines.sampling.distributions import mean_per_trial
    from engines.sampling.feed import shaped_by

    xp = env.xp
    truncate, shift = shaped_by(risk_input)
    if truncate is not None or risk_input.compound is not None or risk_input.alt is not None:
        return error(xp, ExcelError.VALUE)
    means = xp.asarray(mean_per_trial(xp, risk_input.distribution, arrays, shift))
    means = means.reshape(-1, 1, 1)
    errors = None if err is None else err.reshape(-1, 1, 1)
    return number(xp, means, flag_errors(xp, errors, ~xp.isfinite(means), ExcelError.NUM))


def _static_value(env: Env, risk_input: RiskInput) -> Value:
    xp = env.xp
    try:
        from engines.sampling.distributions import static_value
    except ImportError:
        return error(xp, ExcelError.NAME)
    arrays, err = arg_arrays(env, risk_input.arg_plans)
    if not env.static and any(a.shape[0] > 1 and not bool((a == a[:1]).all()) for a in arrays):
        return _locked_per_trial(env, risk_input, arrays, err)
    if err is not None and int(err.max()) != 0:
        return number(xp, xp.full((1, 1, 1), xp.nan), err.reshape(-1, 1, 1)[:1])
    params: list[Any] = [float(a[0]) if a.ndim == 1 else [float(x) for x in a[0]] for a in arrays]
    try:
        from engines.sampling.feed import shaped_by

        if risk_input.compound is not None:
            from engines.sampling.compound import static_value as compound_static

            return scalar(xp, compound_static(risk_input.compound, params))
        if risk_input.alt is not None:
            params = list(risk_input.alt.solve(params))

        truncate, shift = shaped_by(risk_input)  # RiskTruncate and RiskShift, as drawn
        return scalar(xp, static_value(risk_input.distribution, params, truncate, shift))
    except (ValueError, TypeError, KeyError):
        return error(xp, ExcelError.VALUE)
