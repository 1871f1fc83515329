"""The dependency graph between formula cells: precedents, topological order and cycles."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from engines.env import CircularReference
from engines.formula.refs import CellKey
from engines.values import Area, held_in


class DependencyGraph:
    """Edges from each formula cell to the formula cells it reads.

    ``reads`` maps a formula cell to the areas its formula references; only formula cells
    become nodes (constant cells are leaves and need no ordering).
    """

    def __init__(self, reads: Mapping[CellKey, Iterable[Area]]) -> None:
        by_sheet: dict[str, list[CellKey]] = defaultdict(list)
        for key in reads:
            by_sheet[key[0]].append(key)
        self.precedents: dict[CellKey, list[CellKey]] = {}
        for key, areas in reads.items():
            found: list[CellKey] = []
            for area in areas:
                found.extend(held_in(area, reads, by_sheet.get(area.sheet, [])))
            self.precedents[key] = found

    def ancestors(self, roots: Iterable[CellKey]) -> set[CellKey]:
        """``roots`` and every formula cell they read, directly or not."""
        seen: set[CellKey] = set()
        stack = [key for key in roots if key in self.precedents]
        while stack:
            key = stack.pop()
            if key in seen:
                continue
            seen.add(key)
            stack.extend(p for p in self.precedents[key] if p not in seen)
        return seen

    def order(self, cells: Iterable[CellKey], strict: bool = True) -> list[CellKey]:
        """``cells`` with precedents first; raises CircularReference naming a cycle's cells.

        With ``strict`` False a cycle is not an error: its closing edge is ignored.
        """
        wanted = set(cells)
        done: set[CellKey] = set()
        order: list[CellKey] = []
        for root in sorted(wanted):
            if root in done:
                continue
            path: list[CellKey] = [root]
            on_path = {root}
            iters = [iter(self.precedents[root])]
            while iters:
                nxt = next(iters[-1], None)
                if nxt is None:
                    key = path.pop()
                    on_path.discard(key)
                    iters.pop()
                    done.add(key)
                    order.append(key)
                    continue
                if nxt in done or nxt not in wanted:
                    continue
                if nxt in on_path:
                    if not strict:
                        continue
                    raise CircularReference(path[path.index(nxt) :] + [nxt])
                path.append(nxt)
                on_path.add(nxt)
                iters.append(iter(self.precedents[nxt]))
        return order

    def reach(self, sources: set[CellKey], cells: Iterable[CellKey]) -> set[CellKey]:
        """The cells among ``cells`` (in precedent-first order) that read any of ``sources``."""
        reached = set(sources)
        for key in cells:
            if key in reached or any(p in reached for p in self.precedents[key]):
                reached.add(key)
        return reached

