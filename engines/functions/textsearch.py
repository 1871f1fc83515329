"""TEXTBEFORE, TEXTAFTER and the REGEX functions (Python's ``re`` standing in for PCRE)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

from engines.blocks import where
from engines.coerce import text_value, to_text
from engines.errors import ExcelError
from engines.functions.registry import Call, Impl, Table, register
from engines.functions.text import apply_entries
from engines.values import EMPTY, Value, error, scalar

FUNCTIONS: Table = {}


def _occurrences(text: str, delimiters: list[str], fold: bool) -> list[tuple[int, int]]:
    """Non-overlapping (start, end) of any delimiter, left to right."""
    hay = text.lower() if fold else text
    needles = [d.lower() if fold else d for d in delimiters]
    found, position = [], 0
    while position <= len(hay):
        hits = [(hay.find(n, position), n) for n in needles]
        hits = [(at, n) for at, n in hits if at >= 0]
        if not hits:
            break
        at, needle = min(hits, key=lambda hit: (hit[0], -len(hit[1])))
        found.append((at, at + len(needle)))
        position = at + max(len(needle), 1)
    return found


def _split_at(before: bool) -> Impl:
    def impl(call: Call, args: Sequence[Value]) -> Value:
        xp = call.xp
        delimiters = [str(d) for d in to_text(xp, args[1]).reshape(-1)]
        if_not_found = args[5] if len(args) > 5 else None

        def split(text: str, instance: float = 1.0, mode: float = 0.0, end: float = 0.0) -> object:
            nth = int(instance)
            if nth == 0 or abs(nth) > len(text) + 1 or mode not in (0, 1) or end not in (0, 1):
                return ExcelError.VALUE
            if any(d == "" for d in delimiters):
                marks = [(0, 0)] if nth > 0 else [(len(text), len(text))]
            else:
                marks = _occurrences(text, delimiters, fold=mode == 1)
                if end:
                    marks = marks + [(len(text), len(text))] if nth > 0 else [(0, 0)] + marks
            if abs(nth) > len(marks):
                return ExcelError.NA
            start, stop = marks[nth - 1] if nth > 0 else marks[nth]
            return text[:start] if before else text[stop:]

        options = [
            scalar(xp, default) if _omitted(arg) else arg
            for arg, default in zip(args[2:5], (1.0, 0.0, 0.0), strict=False)
        ]
        result = apply_entries(call, [args[0], *options], "tnnn", split)
        if if_not_found is None or result.err is None:
            return result
        return where(xp, result.err == int(ExcelError.NA), if_not_found.plain(), result)

    return impl


def _omitted(value: Value) -> bool:
    return isinstance(value.kind, int) and value.kind == EMPTY and value.area is None


register(FUNCTIONS, "TEXTBEFORE", 2, 6, frozenset({1}))(_split_at(True))
register(FUNCTIONS, "TEXTAFTER", 2, 6, frozenset({1}))(_split_at(False))


def _compiled(pattern: str, case: float) -> re.Pattern[str]:
    if int(case) not in (0, 1):
        raise re.error("case_sensitivity must be 0 or 1")
    return re.compile(pattern, re.IGNORECASE if int(case) == 1 else 0)


def _regextest(text: str, pattern: str, case: float = 0.0) -> bool:
    return _compiled(pattern, case).search(text) is not None


def _regexreplace(
    text: str, pattern: str, replacement: str, occurrence: float = 0.0, case: float = 0.0
) -> str:
    compiled = _compiled(pattern, case)
    template = re.sub(r"\$(\d+)", r"\\g<\1>", replacement)
    nth = int(occurrence)
    if nth == 0:
        return compiled.sub(template, text)
    matches = list(compiled.finditer(text))
    if abs(nth) > len(matches):
        return text
    chosen = matches[nth - 1] if nth > 0 else matches[nth]
    return text[: chosen.start()] + chosen.expand(template) + text[chosen.end() :]


@register(FUNCTIONS, "REGEXTEST", 2, 3)
def regextest(call: Call, args: Sequence[Value]) -> Value:
    return apply_entries(call, args, "ttn", _checked(_regextest))


@register(FUNCTIONS, "REGEXREPLACE", 3, 5)
def regexreplace(call: Call, args: Sequence[Value]) -> Value:
    return apply_entries(call, args, "tttnn", _checked(_regexreplace))


@register(FUNCTIONS, "REGEXEXTRACT", 2, 4)
def regexextract(call: Call, args: Sequence[Value]) -> Value:
    """The first match (return_mode 0); all matches or the groups (1, 2) as an array."""
    xp = call.xp
    failed = next((a for a in args if a.err is not None and bool((a.err != 0).any())), None)
    if failed is not None:
        return failed.plain()
    text = str(to_text(xp, args[0]).reshape(-1)[0])
    pattern = str(to_text(xp, args[1]).reshape(-1)[0])
    mode = int(float(np.asarray(args[2].num).reshape(-1)[0])) if len(args) > 2 else 0
    case = float(np.asarray(args[3].num).reshape(-1)[0]) if len(args) > 3 else 0.0
    if int(case) not in (0, 1):
        return error(xp, ExcelError.VALUE)
    try:
        compiled = _compiled(pattern, case)
    except re.error:
        return error(xp, ExcelError.VALUE)
    if mode == 0:
        found = compiled.search(text)
        items = [found.group(0)] if found else []
    elif mode == 1:
        items = [m.group(0) for m in compiled.finditer(text)]
    elif mode == 2:
        if not compiled.groups:
            return error(xp, ExcelError.VALUE)
        found = compiled.search(text)
        items = [g or "" for g in found.groups()] if found else []
    else:
        return error(xp, ExcelError.VALUE)
    if not items:
        return error(xp, ExcelError.NA)
    return text_value(xp, np.array(items, dtype=object).reshape(1, 1, -1), None)


def _checked(fn: Callable[..., object]) -> Callable[..., object]:
    """``fn`` with an invalid pattern reported as #VALUE!."""

    def run(*args: object) -> object:
        try:
            return fn(*args)
        except re.error:
            return ExcelError.VALUE

    return run
