"""The correlation a run imposes: the request's matrix and every RiskCorrmat group in the
workbook, assembled into one block-diagonal rank-correlation target over the random inputs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy

from engines.sampling.correlation import RankCorrelation, checked_correlation
from engines.sampling.errors import CorrelationError
from engines.sampling.feed import RandomInput


@dataclass(frozen=True)
class CorrelationSpec:
    """Target rank (Spearman) correlation ``matrix`` among input ``cells``, in that order."""

    cells: tuple[str, ...]
    matrix: Sequence[Sequence[float]]


def rank_correlation(
    request: CorrelationSpec | None, items: Sequence[RandomInput]
) -> tuple[RankCorrelation | None, list[str]]:
    """One rank correlation over the request's matrix and every RiskCorrmat group: the groups
    form the blocks of a block-diagonal target, uncorrelated with one another."""
    blocks: list[tuple[list[int], numpy.ndarray[Any, Any]]] = []
    warnings: list[str] = []
    if request is not None:
        rows = []
        for cell in request.cells:
            row = next((i for i, it in enumerate(items) if cell in (it.label, it.cell)), None)
            if row is None:
                raise ValueError(
                    f"correlated input {cell!r} is not a random input of this simulation"
                )
            rows.append(row)
        matrix, warning = checked_correlation(request.matrix, request.cells)
        blocks.append((rows, matrix))
        warnings += [] if warning is None else [warning]
    groups: dict[str, list[int]] = {}
    for i, item in enumerate(items):
        if item.corrmat is not None:
            groups.setdefault(item.corrmat.group, []).append(i)
    for group, members in groups.items():
        rows, matrix, warning = _corrmat_block(group, [items[i] for i in members], members)
        blocks.append((rows, matrix))
        warnings += [] if warning is None else [f"RiskCorrmat {group}: {warning}"]
    if not blocks:
        return None, warnings
    rows = [row for block_rows, _ in blocks for row in block_rows]
    if len(set(rows)) != len(rows):
        twice = sorted({items[row].label for row in rows if rows.count(row) > 1})
        raise ValueError(f"inputs {twice} are given more than one correlation matrix")
    target = numpy.zeros((len(rows), len(rows)))
    start = 0
    for block_rows, matrix in blocks:
        end = start + len(block_rows)
        target[start:end, start:end] = matrix
        start = end
    return RankCorrelation(tuple(rows), target), warnings


def _corrmat_block(
    group: str, members: Sequence[RandomInput], rows: Sequence[int]
) -> tuple[list[int], numpy.ndarray[Any, Any], str | None]:
    """A RiskCorrmat group's rows and its checked matrix restricted to the positions in use."""
    by_position: dict[int, int] = {}
    matrix = members[0].corrmat.matrix if members[0].corrmat is not None else ()
    try:
        if not matrix:
            raise CorrelationError("the matrix must be a range of constant cells")
        size = len(matrix)
        if any(len(row) != size for row in matrix):
            raise CorrelationError(f"the matrix must be square, got {size}x{len(matrix[0])}")
        for item, row in zip(members, rows, strict=True):
            assert item.corrmat is not None
            position = item.corrmat.position
            if position > size:
                raise CorrelationError(f"{item.cell}: position {position} is beyond the matrix")
            if position in by_position:
                other = members[rows.index(by_position[position])].cell
                raise CorrelationError(f"{other} and {item.cell} both take position {position}")
            by_position[position] = row
        names = [
            members[rows.index(by_position[p])].label if p in by_position else f"position {p}"
            for p in range(1, size + 1)
        ]
        checked, warning = checked_correlation(matrix, names)
    except CorrelationError as exc:
        raise CorrelationError(f"RiskCorrmat {group}: {exc}") from exc
    used = sorted(by_position)
    index = [p - 1 for p in used]
    return [by_position[p] for p in used], checked[numpy.ix_(index, index)], warning
