"""The varying cells in evaluation order with runs of one formula grouped into row blocks, and
what each step reads (for :mod:`engines.liveness`)."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from types import ModuleType

from engines.env import Env
from engines.formula.refs import CellKey
from engines.graph import DependencyGraph
from engines.rowblocks import RowBlock, ScanBlock, Step
from engines.rowcompile import row_block
from engines.rowruns import CellIndex, runs_of
from engines.values import Area
from engines.workbook import Workbook


def _ordered(
    graph: DependencyGraph, order: Sequence[CellKey], groups: dict[CellKey, int],
    scans: set[int],
) -> tuple[list[CellKey | int], set[int]]:
    """``order`` with each group's cells as one step, precedents first; and the groups that
    cannot be one step: their cells read one another (but for ``scans``, where each reads
    the one before), directly or through other cells."""
    position = {key: i for i, key in enumerate(order)}
    node_of: dict[CellKey, CellKey | int] = {key: groups.get(key, key) for key in order}
    first: dict[CellKey | int, int] = {}
    after: dict[CellKey | int, set[CellKey | int]] = {}
    waiting: dict[CellKey | int, int] = {}
    broken: set[int] = set()
    for key in order:
        node = node_of[key]
        first.setdefault(node, position[key])
        waiting.setdefault(node, 0)
        for precedent in graph.precedents[key]:
            source = node_of.get(precedent)
            if source is None:
                continue
            if source == node:
                if isinstance(node, int) and node not in scans:
                    broken.add(node)
                continue
            if node not in after.setdefault(source, set()):
                after[source].add(node)
                waiting[node] = waiting.get(node, 0) + 1
    ready = [(first[node], i, node) for i, node in enumerate(first) if waiting[node] == 0]
    heapq.heapify(ready)
    steps: list[CellKey | int] = []
    counter = len(first)
    while ready:
        _, _, node = heapq.heappop(ready)
        steps.append(node)
        for nxt in after.get(node, ()):
            waiting[nxt] -= 1
            if waiting[nxt] == 0:
                counter += 1
                heapq.heappush(ready, (first[nxt], counter, nxt))
    done = set(steps)
    broken |= {node for node in first if node not in done and isinstance(node, int)}
    return steps, broken


Read = CellKey | Area
"""What a step reads from an evaluation pass: a cell's value, or a block by its area."""


def row_steps(
    workbook: Workbook,
    xp: ModuleType,
    graph: DependencyGraph,
    order: Sequence[CellKey],
    candidates: set[CellKey],
    reads: Mapping[CellKey, Sequence[Area]],
    read_singly: Iterable[CellKey],
    constants: Env,
    inputs: Iterable[CellKey],
) -> tuple[list[Step], list[set[Read]]]:
    """``order`` (precedents first) with runs of ``candidates`` grouped into row blocks, and
    what each step reads.

    ``reads`` are the areas each cell of ``order`` reads; ``read_singly`` cells read one by one
    after the last step (the outputs). ``constants`` holds every other cell's value; with
    ``inputs``, ``order`` names the cells that vary."""
    runs = runs_of(workbook, (k for k in order if k in candidates))
    varying = CellIndex([*order, *inputs])
    found = {i: row_block(workbook, xp, run, constants, varying) for i, run in enumerate(runs)}
    blocks = {i: made for i, made in found.items() if made is not None}
    groups = {key: i for i in blocks for key in runs[i].cells}
    scans = {i for i, (block, _) in blocks.items() if isinstance(block, ScanBlock)}
    while True:
        ordered, broken = _ordered(graph, order, groups, scans)
        if not broken:
            break
        groups = {key: i for key, i in groups.items() if i not in broken}
    areas = {block.area for i, (block, _) in blocks.items() if i in groups.values()}
    areas |= {block.wide for i, (block, _) in blocks.items()
              if i in groups.values() and isinstance(block, ScanBlock)}
    cells = CellIndex(order)

    def read_by(areas_read: Iterable[Area]) -> set[Read]:
        found: set[Read] = set()
        for area in areas_read:
            if area in areas:
                found.add(area)
            else:
                found.update(cells.within(area))
        return found

    steps: list[Step] = []
    step_reads: list[set[Read]] = []
    for step in ordered:
        if isinstance(step, int):
            block, facts = blocks[step]
            steps.append(block)
            step_reads.append(read_by(facts.reads))
            if isinstance(block, ScanBlock):
                step_reads[-1].add(block.start)
        else:
            steps.append(step)
            step_reads.append(read_by(reads[step]))
    exposed = set(read_singly).union(*step_reads)
    for made in steps:
        if isinstance(made, RowBlock):
            made.exposed = [(j, key) for j, key in enumerate(made.members) if key in exposed]
    return steps, step_reads
