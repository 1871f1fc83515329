"""Code names an event type by its model (``SimulationCompleted.type``), never by a string:
a type renamed or removed in :mod:`streams.events` then fails where it is used, not later in
a consumer that silently matches nothing."""

from __future__ import annotations

import re
import tokenize
from pathlib import Path

from streams.events import EVENTS

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = ("app", "streams", "projections", "engines")
MODELS_HOME = ROOT / "streams" / "events"
# a type name between quotes: a literal of its own, or quoted inside one (SQL, f-strings)
QUOTED = re.compile("[\"']({})[\"']".format("|".join(re.escape(t) for t in EVENTS)))


def type_literals(path: Path) -> list[str]:
    found = []
    with path.open("rb") as source:
        for token in tokenize.tokenize(source.readline):
            if token.type == tokenize.STRING:
                found += [f"{path.relative_to(ROOT)}:{token.start[0]}: {m.group(1)}"
                          for m in QUOTED.finditer(token.string)]
    return found


def test_no_event_type_is_named_by_a_string_outside_the_models() -> None:
    sources = [p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))
               if MODELS_HOME not in p.parents]
    found = [hit for path in sources for hit in type_literals(path)]
    assert not found, "name these types by their model's .type:\n" + "\n".join(found)


def test_the_check_finds_a_quoted_type_and_only_that() -> None:
    sample = ROOT / "streams" / "catalogue.py"
    assert type_literals(sample) == []
    assert QUOTED.search("""conn.execute("... type='simulation.completed'")""")
    assert not QUOTED.search("``simulation.completed`` or simulation.completedness")
