"""Request and response bodies of the REST API."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictFloat,
    ValidationInfo,
    field_validator,
    model_validator,
)

from engines.chunks import chunk_size_for
from engines.formula.refs import MAX_COL, MAX_ROW, CellKey, parse_cell, split_address
from engines.sampling.distributions import validate
from engines.sampling.errors import DistributionError
from engines.sampling.parse import parse_distribution
from streams.events import SimulationRequested
from streams.events.simulations import Correlation as RequestedCorrelation
from streams.events.simulations import InputSpec

# a sheet name quoted as Excel writes it ('Cash Flow'!B9, 'It''s'!B9: an apostrophe doubled) or
# not (Cash Flow!B9, It's!B9, as the parser lists cells); a name holding "!" must be quoted
CELL = re.compile(
    r"^(?:'(?:[^']|'')+'|[^!'\s](?:[^!]*[^!'\s])?)!\$?[A-Za-z]{1,3}\$?[0-9]{1,7}$")
CellRef = Annotated[str, Field(max_length=300, examples=["Model!B2"],
                               description="Sheet!A1; a name with spaces quoted or not:"
                               " 'Cash Flow'!B9 or Cash Flow!B9; names and letters in any"
                               " case; an apostrophe in a quoted name doubled: 'It''s'!B9")]
MAX_CELLS = 10_000  # inputs or outputs of one simulation
MAX_VALUES = 10_000  # parameters of one distribution, percentiles, targets
SYMMETRY_TOLERANCE = 1e-9  # as the runner's own check (engines.sampling.correlation)


class Located(ValueError):
    """A refusal of an entry inside a field (an input's cell): the 422 names the entry in its
    ``loc``, below the field's, and gives the reason alone."""

    def __init__(self, location: tuple[str, ...], reason: str) -> None:
        super().__init__(reason)
        self.location, self.reason = location, reason


def cell_key(cell: str) -> CellKey:
    """The cell ``cell`` names as Excel matches it: its sheet name in any case (folded here),
    its column letters in any case; ValueError when it names no cell."""
    sheet, address = split_address(cell)
    row, column = parse_cell(address)
    return sheet.casefold(), row, column


def repeated(cells: Iterable[str]) -> tuple[str, str] | None:
    """The first cell named twice, as (its first spelling, the later one), each name checked
    as a cell reference (:func:`check_cell`); None when each cell is named once. Model!B2 and
    'model'!$b$2 are one cell."""
    seen: dict[CellKey, str] = {}
    for cell in cells:
        key = cell_key(check_cell(cell))
        if key in seen:
            return seen[key], cell
        seen[key] = cell
    return None


def key_or_none(cell: str) -> CellKey | None:
    """:func:`cell_key`, or None for a text that names no cell."""
    try:
        return cell_key(cell)
    except ValueError:
        return None


def check_cell(cell: str) -> str:
    """``cell`` itself when it is a reference to one cell of Excel's grid."""
    if not CELL.match(cell):
        raise ValueError(f"{cell!r} is not a cell reference; expected Sheet!A1, a sheet name"
                         " holding ! quoted ('A!B'!A1) and an apostrophe in a quoted name"
                         " doubled ('It''s'!A1)")
    _, row, column = cell_key(cell)
    if not (1 <= row <= MAX_ROW and column <= MAX_COL):
        raise ValueError(f"{cell!r} lies beyond Excel's grid: columns run A to XFD and rows"
                         f" 1 to {MAX_ROW}")
    return cell


class DistributionInput(BaseModel):
    """A distribution for one input cell, as an object."""

    model_config = ConfigDict(extra="forbid")
    distribution: str = Field(max_length=100, examples=["normal"])
    params: list[StrictFloat | Annotated[list[StrictFloat], Field(max_length=MAX_VALUES)]] = \
        Field(max_length=MAX_VALUES, examples=[[100, 10]])
    truncate: tuple[StrictFloat | None, StrictFloat | None] | None = None
    shift: StrictFloat | None = None


class Correlation(BaseModel):
    """Rank correlation between input cells: ``matrix[i][j]`` correlates ``cells[i]`` and
    ``cells[j]``."""

    model_config = ConfigDict(extra="forbid")
    cells: list[CellRef] = Field(max_length=300, examples=[["Model!B2", "Model!B4"]])
    matrix: list[Annotated[list[StrictFloat], Field(max_length=300)]] = Field(
        max_length=300, examples=[[[1, 0.5], [0.5, 1]]])

    @field_validator("cells")
    @classmethod
    def _cells(cls, cells: list[str]) -> list[str]:
        """Each cell once: a cell listed twice would take two rows of one matrix."""
        twice = repeated(cells)
        if twice is not None:
            first, later = twice
            also = "" if later == first else f" (also as {later})"
            raise ValueError(f"{first} is listed twice{also}; list each correlated input once")
        return cells

    @field_validator("matrix")
    @classmethod
    def _matrix(cls, matrix: list[list[float]], info: ValidationInfo) -> list[list[float]]:
        """A correlation matrix, checked here rather than in the runner after a 202: square
        over ``cells``, entries in [-1, 1], a diagonal of 1, symmetric. One merely not positive
        semi-definite is accepted: the runner uses the nearest valid one, with a warning."""
        cells = info.data.get("cells")
        if cells is None:  # refused already
            return matrix
        size = len(cells)
        if len(matrix) != size or any(len(row) != size for row in matrix):
            raise ValueError(f"correlation matrix must be {size}×{size}: a row and a column"
                             " for each of cells, in their order")

        def entry(i: int, j: int) -> str:
            return f"correlation matrix row {i + 1}, column {j + 1} ({cells[i]} with" \
                f" {cells[j]}) is {matrix[i][j]}"

        for i, row in enumerate(matrix):
            for j, value in enumerate(row):
                if not (math.isfinite(value) and -1 <= value <= 1):
                    raise ValueError(f"{entry(i, j)}; entries are numbers from -1 to 1")
            if abs(row[i] - 1) > SYMMETRY_TOLERANCE:
                raise ValueError(f"{entry(i, i)}; the diagonal is 1 (each input with itself)")
        for i in range(size):
            for j in range(i + 1, size):
                if abs(matrix[i][j] - matrix[j][i]) > SYMMETRY_TOLERANCE:
                    raise ValueError(f"{entry(i, j)} but row {j + 1}, column {i + 1} is"
                                     f" {matrix[j][i]}; the matrix must be symmetric")
        return matrix


def _text_only(value: object) -> object:
    """A date-time is given as ISO 8601 text: a number would be read as seconds since 1970."""
    if value is not None and not isinstance(value, str):
        raise ValueError("must be an ISO 8601 date-time text with its offset, such as"
                         " 2026-12-31T17:00:00-05:00")
    return value


class SimulationRequest(BaseModel):
    """A simulation to run on a parsed workbook."""

    model_config = ConfigDict(extra="forbid")
    workbook_id: str = Field(min_length=1, max_length=200)
    inputs: dict[CellRef, Annotated[str, Field(max_length=1000)] | DistributionInput] = Field(
        default_factory=dict, max_length=MAX_CELLS,
        examples=[{"Model!B2": "normal(100, 10)", "Model!B4": "pert(26, 30, 38)"}],
        description="cell (one holding a constant) → distribution; the workbook's own @RISK"
                    " functions are used too")
    outputs: list[CellRef] = Field(default_factory=list, max_length=MAX_CELLS,
                                   examples=[["Model!B10"]],
                                   description="output cells; empty means the RiskOutput() cells")
    # numbers are strict: true would be 1 trial, "100" a string taken for a number
    iterations: int = Field(10_000, ge=1, le=100_000_000, strict=True)
    seed: int | None = Field(None, ge=0, le=2**63 - 1, strict=True)
    sampling: Literal["lhs", "mc"] = "lhs"
    backend: Literal["numpy", "cupy"] = "numpy"
    percentiles: list[StrictFloat] = Field(default_factory=list, max_length=MAX_VALUES,
                                           description="extra percentiles, 0–100")
    targets: list[StrictFloat] = Field(default_factory=list, max_length=MAX_VALUES,
                                       description="P(output < target) for each")
    var_level: float = Field(0.95, gt=0, lt=1, strict=True)
    correlation: Correlation | None = None
    as_of: Annotated[AwareDatetime | None, BeforeValidator(_text_only)] = Field(
        None, examples=["2026-12-31T17:00:00-05:00"],
        description="the moment TODAY() and NOW() read in every trial, as wall-clock time"
                    " where it was given (with its offset); default: when the request is made,"
                    " in UTC. Years 1900 to 9999")

    simulation_number: int = Field(
        1, ge=1, le=10_000, strict=True,
        description="which value of each RiskSimtable({…}) the formulas read, as @RISK's"
                    " simulation number: a set of runs 1, 2, … compares its scenarios")

    @field_validator("as_of")
    @classmethod
    def _as_of(cls, moment: datetime | None) -> datetime | None:
        if moment is not None and not 1900 <= moment.year <= 9999:
            raise ValueError("as_of must fall in the years 1900 to 9999, which Excel's dates"
                             f" cover; got {moment.year}")
        return moment

    @field_validator("outputs")
    @classmethod
    def _outputs(cls, cells: list[str]) -> list[str]:
        """Each output cell once, however it is spelt: results are kept per cell."""
        twice = repeated(cells)
        if twice is not None:
            first, later = twice
            raise Located((later,), f"output {later} is listed twice; list each output once"
                          if later == first else f"outputs {first} and {later} are one cell;"
                          " list each output once")
        return cells

    @field_validator("var_level")
    @classmethod
    def _var_level(cls, level: float) -> float:
        if not 0 < 1 - level < 1:  # VaR is reported at the level and at 1 - level
            raise ValueError("var_level and 1 - var_level must both be between 0 and 1"
                             f" exclusive as doubles (from about 1.2e-16); got {level}")
        return level

    @field_validator("percentiles")
    @classmethod
    def _percentiles(cls, values: list[float]) -> list[float]:
        bad = [v for v in values if not 0 < v < 100]
        if bad:
            raise ValueError(f"percentiles must be between 0 and 100 exclusive, got {bad}")
        return values

    @field_validator("inputs")
    @classmethod
    def _inputs(cls, inputs: dict[str, str | DistributionInput]
                ) -> dict[str, str | DistributionInput]:
        seen: dict[CellKey, str] = {}
        for cell, spec in inputs.items():
            key = cell_key(check_cell(cell))
            if key in seen:  # Model!B2 and model!b2 are one cell
                raise Located((cell,), f"inputs {seen[key]} and {cell} are one cell; give it"
                              " one distribution")
            seen[key] = cell
            try:
                if isinstance(spec, str):
                    name, params = parse_distribution(spec)
                else:
                    name, params = spec.distribution, list(spec.params)
                validate(name, params, finite=True)
            except DistributionError as exc:
                raise Located((cell,), f"input {cell}: {exc}") from None
        return inputs

    @model_validator(mode="after")
    def _correlation(self) -> SimulationRequest:
        if self.correlation is None:
            return self
        # a correlation cell may be spelt as Excel matches it ('Model'!D1, model!d1): it is
        # the input of that cell, under the input's own spelling
        spelt: dict[CellKey | None, str] = {cell_key(cell): cell for cell in self.inputs}
        named = [spelt.get(key_or_none(cell)) for cell in self.correlation.cells]
        unknown = [c for c, found in zip(self.correlation.cells, named, strict=True)
                   if found is None]
        if unknown:
            raise ValueError(f"correlation cells {unknown} are not among the inputs")
        self.correlation.cells = [found for found in named if found is not None]
        return self

    def input_specs(self) -> dict[str, InputSpec]:
        """Inputs as the event carries them: a string parsed, an object without its nulls."""
        return {cell: InputSpec.model_validate(
            dict(zip(("distribution", "params"), parse_distribution(spec), strict=True))
            if isinstance(spec, str) else spec.model_dump(exclude_none=True))
            for cell, spec in self.inputs.items()}

    def requested(self, simulation_id: str, workbook_sha256: str) -> SimulationRequested:
        """The command this request is, for the workbook with ``workbook_sha256``."""
        correlation = self.correlation
        return SimulationRequested(
            simulation_id=simulation_id, workbook_id=self.workbook_id,
            workbook_sha256=workbook_sha256, inputs=self.input_specs(), outputs=self.outputs,
            iterations=self.iterations, seed=self.seed, sampling=self.sampling,
            backend=self.backend, percentiles=self.percentiles, targets=self.targets,
            var_level=self.var_level,
            correlation=None if correlation is None else RequestedCorrelation(
                cells=correlation.cells, matrix=correlation.matrix),
            as_of=(self.as_of or datetime.now(UTC)).isoformat(),
            simulation_number=self.simulation_number,
            chunk_size=chunk_size_for(self.iterations))
