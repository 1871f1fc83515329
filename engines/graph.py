"""The dependency graph between formula cells: precedents, topological order and cycles."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from engines.env import CircularReference
from engines.formula.refs import CellKey
from engines.values import Area, held_in


class DependencyGraph:
    """Edges from each formula cell to the formula cells it reads.

    ``reads`` maps a formula cell to the areas its formula references; only formula cells
    become nodes (constant cells are leaves and need no ordering).
    """

    def __init__(
        self,
        reads: Mapping[CellKey, Sequence[Area]],
        picked_from: Mapping[CellKey, Sequence[Area]] | None = None,
    ) -> None:
        by_sheet: dict[str, list[CellKey]] = defaultdict(list)
        for key in reads:
            by_sheet[key[0]].append(key)

        def cells(areas: Iterable[Area]) -> list[CellKey]:
            found: list[CellKey] = []
            for area in areas:
                found.extend(held_in(area, reads, by_sheet.get(area.sheet, [])))
            return found

        self.precedents: dict[CellKey, list[CellKey]] = {
            key: cells(areas) for key, areas in reads.items()
        }
        self.plain: dict[CellKey, list[CellKey]] = {}
        """For cells that pick (see CellFacts.picked_from), the precedents read other than by a
        pick: the only ones that order cells and close cycles."""
        for key, areas in (picked_from or {}).items():
            plain = list(reads[key])
            for area in areas:
                plain.remove(area)
            self.plain[key] = cells(plain)

    def _ordering(self, key: CellKey) -> list[CellKey]:
        """The precedents that must be computed before ``key``."""
        plain = self.plain.get(key)
        return self.precedents[key] if plain is None else plain

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

        With ``strict`` False a cycle is not an error: its closing edge is ignored. Picks
        (INDEX) do not order cells: where INDEX lands is known when it runs, which computes the
        cell it picks first if need be (and meets a cycle only if the pick makes one).
        """
        wanted = set(cells)
        done: set[CellKey] = set()
        order: list[CellKey] = []
        for root in sorted(wanted):
            if root in done:
                continue
            path: list[CellKey] = [root]
            on_path = {root}
            iters = [iter(self._ordering(root))]
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
                iters.append(iter(self._ordering(nxt)))
        return order

    def cycles(self, cells: Iterable[CellKey]) -> list[list[CellKey]]:
        """The circular references among ``cells``: each set of cells that reach one another
        (a cell reading itself included) other than through picks, sorted; Tarjan's algorithm,
        without recursion."""
        wanted = set(cells)
        index: dict[CellKey, int] = {}
        low: dict[CellKey, int] = {}
        stack: list[CellKey] = []
        on_stack: set[CellKey] = set()
        found: list[list[CellKey]] = []
        for root in sorted(wanted):
            if root in index:
                continue
            index[root] = low[root] = len(index)
            stack.append(root)
            on_stack.add(root)
            work = [(root, iter(self._ordering(root)))]
            while work:
                key, edges = work[-1]
                nxt = next(edges, None)
                if nxt is not None:
                    if nxt not in wanted:
                        continue
                    if nxt not in index:
                        index[nxt] = low[nxt] = len(index)
                        stack.append(nxt)
                        on_stack.add(nxt)
                        work.append((nxt, iter(self._ordering(nxt))))
                    elif nxt in on_stack:
                        low[key] = min(low[key], index[nxt])
                    continue
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[key])
                if low[key] != index[key]:
                    continue
                component: list[CellKey] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == key:
                        break
                if len(component) > 1 or key in self._ordering(key):
                    found.append(sorted(component))
        return found

    def reach(self, sources: set[CellKey], cells: Iterable[CellKey]) -> set[CellKey]:
        """The cells among ``cells`` (in precedent-first order) that read any of ``sources``,
        picks included (passes repeat until none is added, since picks do not order cells)."""
        reached = set(sources)
        cells = list(cells)
        while True:
            count = len(reached)
            for key in cells:
                if key in reached or any(p in reached for p in self.precedents[key]):
                    reached.add(key)
            if not self.plain or len(reached) == count:
                return reached

