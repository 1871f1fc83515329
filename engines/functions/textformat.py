"""Excel number formats for TEXT, FIXED and DOLLAR: digits, grouping, percent, exponent, dates.

Supported: sections (``pos;neg;zero;text``) with simple conditions (``[<=1]``), ``0 # ?``
placeholders, ``.`` ``,`` (grouping, and scaling when trailing), ``%``, ``E+``/``E-``, quoted and
escaped literals, and date/time codes (y m d h s, AM/PM). Fractions and colours are not.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal

from openpyxl.utils.datetime import from_excel

from engines.coerce import number_text

_SECTION = re.compile(r'((?:"[^"]*"|\\.|[^;])*)')
_CONDITION = re.compile(r"^\[(<=|>=|<>|<|>|=)(-?[\d.]+)\]")
_DATE_CODES = re.compile(
    r'"[^"]*"|\\.|\[[^\]]*\]|(yyyy|yy|y|mmmmm|mmmm|mmm|mm|m|dddd|ddd|dd|d|hh|h|ss|s|am/pm|a/p)',
    re.IGNORECASE,
)


def _sections(fmt: str) -> list[str]:
    return [
        m.group(1) for m in _SECTION.finditer(fmt) if m.start() == 0 or fmt[m.start() - 1] == ";"
    ]


def _is_date(section: str) -> bool:
    bare = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", section).lower()
    return any(code in bare for code in "ymdhs") and not re.search(r"[0#?]", bare)


def format_value(value: float, fmt: str) -> str | None:
    """``value`` shown with Excel format ``fmt``; None when the format is not understood."""
    if fmt.lower() in ("general", ""):
        return number_text(value)
    sections = _sections(fmt)
    section, value = _pick(sections, value)
    if section is None:
        return None
    if _is_date(section):
        return _date(value, section)
    return _number(value, section)


def _pick(sections: list[str], value: float) -> tuple[str | None, float]:
    conditional = [(_CONDITION.match(s), s) for s in sections]
    if any(m for m, _ in conditional):
        for match, section in conditional:
            if match is None:
                return section, value
            op, limit = match.group(1), float(match.group(2))
            if _holds(op, value, limit):
                return section[match.end() :], value
        return None, value
    if value < 0 and len(sections) > 1:
        return sections[1], -value
    if value == 0 and len(sections) > 2:
        return sections[2], value
    return sections[0], value


def _holds(op: str, a: float, b: float) -> bool:
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "=": a == b, "<>": a != b}[op]


def _tokens(section: str) -> list[tuple[str, str]]:
    """(kind, text) pairs: 'lit' literal text, or a single format character."""
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(section):
        char = section[i]
        if char == '"':
            end = section.index('"', i + 1) if '"' in section[i + 1 :] else len(section)
            out.append(("lit", section[i + 1 : end]))
            i = end + 1
        elif char == "\\" and i + 1 < len(section):
            out.append(("lit", section[i + 1]))
            i += 2
        elif char in "0#?.,%":
            out.append((char, char))
            i += 1
        elif char in "Ee" and i + 1 < len(section) and section[i + 1] in "+-":
            out.append(("exp", section[i + 1]))
            i += 2
        elif char == "_" and i + 1 < len(section):
            out.append(("lit", " "))
            i += 2
        elif char == "[":
            i = section.index("]", i) + 1 if "]" in section[i:] else len(section)
        else:
            out.append(("lit", char))
            i += 1
    return out


def _number(value: float, section: str) -> str:
    tokens = _tokens(section)
    kinds = [k for k, _ in tokens]
    value *= 100 ** kinds.count("%")
    tokens = [("lit", "%") if kind == "%" else (kind, text) for kind, text in tokens]
    kinds = [k for k, _ in tokens]
    exp_at = kinds.index("exp") if "exp" in kinds else None
    body = tokens if exp_at is None else tokens[:exp_at]
    point = next((i for i, (k, _) in enumerate(body) if k == "."), len(body))
    digits_at = [i for i, (k, _) in enumerate(body) if k in "0#?"]
    last_digit = max(digits_at, default=-1)
    scale_commas = 0
    for kind, _ in body[last_digit + 1 : point] if point > last_digit else ():
        if kind == ",":
            scale_commas += 1
    value /= 1000**scale_commas
    int_slots = [i for i in digits_at if i < point]
    dec_slots = [i for i in digits_at if i > point]
    grouping = any(
        k == "," and int_slots and int_slots[0] < i < int_slots[-1] for i, (k, _) in enumerate(body)
    )
    exponent = 0
    if exp_at is not None and value != 0:
        exponent = math.floor(math.log10(abs(value))) - max(len(int_slots) - 1, 0)
        value /= 10.0**exponent
    rounded = _round_half_up(abs(value), len(dec_slots))
    if exp_at is not None and rounded >= 10 ** max(len(int_slots), 1):
        exponent += 1
        rounded = _round_half_up(abs(value) / 10, len(dec_slots))
    # Excel shows at most 15 significant digits; the rest of a long number are zeros
    exact = Decimal(f"{rounded:.15g}")
    whole, _, frac = f"{exact:.{len(dec_slots)}f}".partition(".")
    whole = whole.lstrip("0")
    out = _fill_integer(body, int_slots, whole, grouping)
    out += _fill_decimals(body, dec_slots, frac, point)
    if exp_at is not None:
        out += _exponent(tokens[exp_at:], exponent)
    negative = value < 0 and rounded != 0
    return ("-" if negative else "") + out


def _round_half_up(value: float, places: int) -> float:
    scaled = float(f"{value * 10**places:.15g}")
    return float(math.floor(scaled + 0.5)) / 10.0**places


def _fill_integer(body: list[tuple[str, str]], slots: list[int], whole: str, grouping: bool) -> str:
    point = next((i for i, (k, _) in enumerate(body) if k == "."), len(body))
    if not slots:
        return "".join(t for k, t in body[:point] if k == "lit")
    text = [""] * len(body)
    remaining = whole
    for position in reversed(slots):
        kind = body[position][0]
        if remaining:
            text[position] = remaining[-1]
            remaining = remaining[:-1]
        else:
            text[position] = "0" if kind == "0" else " " if kind == "?" else ""
    text[slots[0]] = remaining + text[slots[0]]
    for i, (kind, literal) in enumerate(body[:point]):
        if kind == "lit":
            text[i] = literal
    digits = "".join(text[i] for i in range(point) if body[i][0] in "0#?")
    if grouping:
        return _group(body, text, point, digits)
    return "".join(text[:point])


def _group(body: list[tuple[str, str]], text: list[str], point: int, digits: str) -> str:
    stripped = digits.replace(" ", "")
    grouped = f"{int(stripped):,}" if stripped.isdigit() else stripped
    if stripped.startswith("0") and stripped.isdigit():
        grouped = ",".join(_chunks(stripped))
    prefix = "".join(
        text[i]
        for i in range(point)
        if body[i][0] == "lit"
        and i < min((j for j in range(point) if body[j][0] in "0#?"), default=point)
    )
    suffix = "".join(
        text[i]
        for i in range(point)
        if body[i][0] == "lit"
        and i > max((j for j in range(point) if body[j][0] in "0#?"), default=-1)
    )
    return prefix + grouped + suffix


def _chunks(digits: str) -> list[str]:
    head = len(digits) % 3 or 3
    return [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]


def _fill_decimals(body: list[tuple[str, str]], slots: list[int], frac: str, point: int) -> str:
    if point >= len(body):
        return ""
    kept = list(frac)
    for position, slot in reversed(list(enumerate(slots))):
        if body[slot][0] == "#" and kept[position] == "0" and position == len(kept) - 1:
            kept.pop()
        elif body[slot][0] == "?" and kept[position] == "0" and position == len(kept) - 1:
            kept[position] = " "
        else:
            break
    out, index = ".", 0
    for kind, literal in body[point + 1 :]:
        if kind in "0#?":
            out += kept[index] if index < len(kept) else ""
            index += 1
        elif kind == "lit":
            out += literal
        elif kind == ".":
            out += "."
    return out


def _exponent(tokens: list[tuple[str, str]], exponent: int) -> str:
    sign = "-" if exponent < 0 else ("+" if tokens[0][1] == "+" else "")
    width = sum(1 for k, _ in tokens[1:] if k == "0")
    digits = str(abs(exponent)).rjust(width, "0")
    rest = "".join(t for k, t in tokens[1:] if k == "lit")
    return "E" + sign + digits + rest


def _date(value: float, section: str) -> str:
    moment = (
        from_excel(value) if value >= 1 else dt.datetime(1899, 12, 30) + dt.timedelta(days=value)
    )
    if not isinstance(moment, dt.datetime):
        moment = dt.datetime.combine(dt.date(1900, 1, 1), moment)
    moment = (moment + dt.timedelta(microseconds=500_000)).replace(microsecond=0)
    twelve = bool(re.search(r"am/pm|a/p", section, re.IGNORECASE))
    out: list[str] = []
    last_hour = False
    for match in _DATE_CODES.finditer(section):
        code = (match.group(1) or "").lower()
        text = match.group(0)
        if not code:
            out.append(text.strip('"').lstrip("\\") if not text.startswith("[") else "")
            continue
        minute = code in ("m", "mm") and (last_hour or _seconds_follow(section, match.end()))
        out.append(_date_part(moment, code, minute, twelve))
        if code[0] in "hs":
            last_hour = code[0] == "h"
        elif code[0] != "m":
            last_hour = False
    return _with_literals(section, out)


def _seconds_follow(section: str, end: int) -> bool:
    return bool(re.match(r"[^a-zA-Z]*s", section[end:]))


def _with_literals(section: str, parts: list[str]) -> str:
    pieces = []
    position = 0
    for match, part in zip(_DATE_CODES.finditer(section), parts, strict=True):
        pieces.append(section[position : match.start()])
        pieces.append(part)
        position = match.end()
    pieces.append(section[position:])
    return "".join(pieces)


def _date_part(moment: dt.datetime, code: str, minute: bool, twelve: bool) -> str:
    hour = moment.hour % 12 or 12 if twelve else moment.hour
    table = {
        "yyyy": f"{moment.year:04d}",
        "yyy": f"{moment.year:04d}",
        "yy": f"{moment.year % 100:02d}",
        "y": f"{moment.year % 100:02d}",
        "mmmmm": moment.strftime("%B")[0],
        "mmmm": moment.strftime("%B"),
        "mmm": moment.strftime("%b"),
        "mm": f"{moment.minute:02d}" if minute else f"{moment.month:02d}",
        "m": str(moment.minute) if minute else str(moment.month),
        "dddd": moment.strftime("%A"),
        "ddd": moment.strftime("%a"),
        "dd": f"{moment.day:02d}",
        "d": str(moment.day),
        "hh": f"{hour:02d}",
        "h": str(hour),
        "ss": f"{moment.second:02d}",
        "s": str(moment.second),
        "am/pm": "AM" if moment.hour < 12 else "PM",
        "a/p": "A" if moment.hour < 12 else "P",
    }
    return table.get(code, code)
