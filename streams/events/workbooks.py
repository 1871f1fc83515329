"""Workbooks: an upload stored in the blob store, then what the parser found in it or why it
refused it."""

from __future__ import annotations

from pydantic import Field

from streams.events.base import Event, Part


class ParseLimits(Part):
    """The limits a workbook is parsed under (``Limits.workbook_limits``); None: unlimited."""

    file_bytes: int | None = None
    uncompressed_bytes: int | None = None
    cells: int | None = None
    formulas: int | None = None
    area_cells: int | None = None


class WorkbookUploaded(Event, type="workbook.uploaded", version=1, topic="workbooks",
                       key="workbook id"):
    """Workbook bytes stored; sha256, size, uri, and the limits it is parsed under."""

    filename: str | None = None
    sha256: str
    size: int
    uri: str
    limits: ParseLimits | None = None  # uploads before per-plan limits: the engine's defaults


class Sheet(Part):
    name: str
    rows: int | None = None
    columns: int | None = None
    formulas: int | None = None


class RiskInput(Part):
    """An @RISK distribution found in a cell."""

    cell: str
    distribution: str
    index: int | None = None
    name: str | None = None


class WorkbookParsed(Event, type="workbook.parsed", version=1, topic="workbooks",
                     key="workbook id"):
    """Sheets, formulas, candidate inputs/outputs."""

    sheets: list[Sheet]
    formula_count: int
    # every formula cell, as rectangles (Model!B11:E15), so that a request naming one as an
    # input is refused when made; None where the layout needs too many (engines.cellareas)
    # and in summaries from before the field
    formula_areas: list[str] | None = None
    candidate_inputs: list[str] = Field(default_factory=list)
    candidate_outputs: list[str] = Field(default_factory=list)
    risk_inputs: list[RiskInput] = Field(default_factory=list)
    risk_outputs: list[str] = Field(default_factory=list)
    # function name -> the cells using it
    unsupported_functions: dict[str, list[str]] = Field(default_factory=dict)


class RejectedLimit(Part):
    """The limit a workbook ran into: its name, value and what was observed (when known)."""

    name: str
    value: int | float | None
    observed: int | None = None


class WorkbookRejected(Event, type="workbook.rejected", version=1, topic="workbooks",
                       key="workbook id"):
    """The file could not be read as a workbook, or passed a limit (then named in limit)."""

    reason: str
    limit: RejectedLimit | None = None
