"""Excel number formats for TEXT, FIXED and DOLLAR: digits, grouping, percent, exponent, dates.

Supported: sections (``pos;neg;zero;text``) with simple conditions (``[<=1]``), ``0 # ?``
placeholders, ``.`` ``,`` (grouping, and scaling when trailing), ``%``, ``E+``/``E-``, quoted and
escaped literals, fractions (:mod:`engines.functions.textfraction`), date/time codes (y m d h s,
AM/PM, fractional seconds), currency symbols tagged with a locale (``[$€-407]``) and colours,
which TEXT ignores.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

from engines.coerce import number_text
from engines.functions.textdate import date_text
from engines.functions.textfraction import fraction_text

_SECTION = re.compile(r'((?:"[^"]*"|\\.|[^;])*)')
_CONDITION = re.compile(r"^\[(<=|>=|<>|<|>|=)(-?[\d.]+)\]")
# [$symbol-locale]: the symbol is shown, the locale (after the first "-") is not
_LOCALE_TAG = re.compile(r'("[^"]*"|\\.)|\[\$([^\]-]*)(?:-[^\]]*)?\]')


def _sections(fmt: str) -> list[str]:
    """The format's sections, each locale-tagged currency symbol made a literal."""
    fmt = _LOCALE_TAG.sub(_symbol_literal, fmt)
    return [
        m.group(1) for m in _SECTION.finditer(fmt) if m.start() == 0 or fmt[m.start() - 1] == ";"
    ]


def _symbol_literal(tag: re.Match[str]) -> str:
    """A ``[$€-407]`` tag as its symbol, escaped so that no letter of it ("USD") reads as a
    date code; quoted and escaped text as it is. A tag of a locale alone (``[$-409]``) only
    picks the language of month and day names, shown in English here."""
    if tag.group(1) is not None:
        return tag.group(1)
    return "".join("\\" + char for char in tag.group(2))


def _is_date(section: str) -> bool:
    # brackets other than the elapsed counts [h] [m] [s] hold colours and conditions
    bare = re.sub(r'"[^"]*"|\\.|\[(?![hms]+\])[^\]]*\]', "", section, flags=re.I).lower()
    bare = re.sub(r"(?:(?<=s)|(?<=s\]))\.0+", "", bare)  # fractional seconds: ss.000
    return any(code in bare for code in "ymdhs") and not re.search(r"[0#?]", bare)


def _holds_text(section: str) -> bool:
    """Whether ``section`` is a text section: an ``@`` outside quotes and escapes."""
    return "@" in re.sub(r'"[^"]*"|\\.', "", section)


def _text_section(sections: list[str]) -> tuple[list[str], str | None] | None:
    """(number sections, text section): the text section is the last one holding ``@``;
    None for a format Excel rejects (``@`` in an earlier section, or beside digits)."""
    *numeric, last = sections
    if any(_holds_text(s) for s in numeric):
        return None
    if not _holds_text(last):
        return sections, None
    if re.search(r"[0#?]", re.sub(r'"[^"]*"|\\.', "", last)):
        return None
    return numeric, last


def format_value(value: float, fmt: str) -> str | None:
    """``value`` shown with Excel format ``fmt``; None when the format is not understood.

    An empty format shows nothing but a negative sign (TEXT(-1,"") is "-").
    """
    if fmt.lower() == "general":
        return number_text(value)
    split = _text_section(_sections(fmt))
    if split is None:
        return None
    sections = split[0]
    if not sections:
        return number_text(value)
    section, value = _pick(sections, value)
    if section is None:
        return None
    if _is_date(section):
        return date_text(value, section)
    if "/" in re.sub(r'"[^"]*"|\\.', "", section):  # a quoted or escaped slash is text
        fraction = fraction_text(value, _tokens(section), _group)
        if fraction is not None:
            return fraction
    return _number(value, section)


def format_text(text: str, fmt: str) -> str | None:
    """Text shown with ``fmt``: its text section with ``@`` replaced by the text, or the text
    unchanged when there is none; None when the format is not understood."""
    split = _text_section(_sections(fmt))
    if split is None:
        return None
    if split[1] is None:
        return text

    def piece(match: re.Match[str]) -> str:
        literal, escaped, token = match.group(1), match.group(2), match.group(0)
        if literal is not None:
            return literal
        if escaped is not None:
            return escaped
        return text if token == "@" else " "

    return re.sub(r'"([^"]*)"|\\(.)|@|_.', piece, split[1])


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
        elif char == "*" and i + 1 < len(section):
            i += 2  # a fill repeats its character to the column width: nothing in text
        elif char == "[":
            i = section.index("]", i) + 1 if "]" in section[i:] else len(section)
        else:
            out.append(("lit", char))
            i += 1
    return out


def _number(value: float, section: str) -> str | None:
    if re.search(r"[ymdhs]", re.sub(r'"[^"]*"|[\\*_].|\[[^\]]*\]', "", section), re.I):
        return None  # date codes cannot share a section with digit placeholders
    tokens = _tokens(section)
    kinds = [k for k, _ in tokens]
    exp_at = kinds.index("exp") if "exp" in kinds else None
    if ("lit", "") in tokens or (exp_at is not None and "." in kinds[exp_at:]):
        return None  # Excel rejects an empty literal, and a decimal point after the exponent
    value *= 100 ** kinds.count("%")
    tokens = [("lit", "%") if kind == "%" else (kind, text) for kind, text in tokens]
    kinds = [k for k, _ in tokens]
    exp_at = kinds.index("exp") if "exp" in kinds else None
    body = list(tokens if exp_at is None else tokens[:exp_at])
    digits_at = [i for i, (k, _) in enumerate(body) if k in "0#?"]
    last_digit = max(digits_at, default=-1)
    # commas right after the last digit placeholder, whole or decimal, scale by 1,000 each
    # (0.0,,"M" shows millions) and are not shown
    scale_commas = 0
    while last_digit + 1 + scale_commas < len(body) and body[
            last_digit + 1 + scale_commas][0] == ",":
        scale_commas += 1
    value /= 1000**scale_commas
    if scale_commas:
        del body[last_digit + 1 : last_digit + 1 + scale_commas]
        tokens = body + tokens[len(body) + scale_commas:]
        kinds = [k for k, _ in tokens]
        exp_at = kinds.index("exp") if "exp" in kinds else None
    point = next((i for i, (k, _) in enumerate(body) if k == "."), len(body))
    int_slots = [i for i in digits_at if i < point]
    dec_slots = [i for i in digits_at if i > point]
    # a comma between two digit placeholders turns on thousands separators
    grouping = any(
        k == "," and 0 < i < point - 1 and body[i - 1][0] in "0#?" and body[i + 1][0] in "0#?"
        for i, (k, _) in enumerate(body)
    )
    exponent = 0
    if exp_at is not None and value != 0:
        magnitude = math.floor(math.log10(abs(value)))
        if any(body[i][0] == "#" for i in int_slots):
            # with optional digits the exponent steps by their count: ##0.0E+0 is engineering
            exponent = magnitude // len(int_slots) * len(int_slots)
        else:
            exponent = magnitude - max(len(int_slots) - 1, 0)
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
    # a one-section format signs a negative value even where it rounds to zero: "-0"
    return ("-" if value < 0 else "") + out


def _round_half_up(value: float, places: int) -> float:
    scaled = float(f"{value * 10**places:.15g}")
    return float(math.floor(scaled + 0.5)) / 10.0**places


def _comma(body: list[tuple[str, str]], i: int) -> str:
    """A comma right after a digit placeholder marks grouping or scaling and shows nothing;
    anywhere else it is a literal."""
    return "" if i > 0 and body[i - 1][0] in "0#?" else ","


def _fill_integer(body: list[tuple[str, str]], slots: list[int], whole: str, grouping: bool) -> str:
    """The integer part: digits fill the placeholders from the right (the leftmost takes any
    excess), literals keep their place among them; with placeholders only after the point
    the digits sit just before it."""
    point = next((i for i, (k, _) in enumerate(body) if k == "."), len(body))
    text = [""] * point
    for i, (kind, literal) in enumerate(body[:point]):
        text[i] = literal if kind == "lit" else _comma(body, i) if kind == "," else ""
    if not slots:
        shown = any(kind in "0#?" for kind, _ in body)  # decimals only: ".##"
        return "".join(text) + (whole if shown else "")
    remaining = whole
    for position in reversed(slots):
        kind = body[position][0]
        if remaining:
            text[position] = remaining[-1]
            remaining = remaining[:-1]
        else:
            text[position] = "0" if kind == "0" else " " if kind == "?" else ""
    text[slots[0]] = remaining + text[slots[0]]
    if grouping:
        _group(text, slots)
    return "".join(text)


def _group(text: list[str], slots: list[int]) -> None:
    """Thousands separators across the integer placeholders (in place). Excel counts
    placeholder positions from the right, an unfilled ``#`` included, and puts a separator
    after the digit of every third one: 1234567 in ``#,##000########`` is "00,01,234,567"."""
    cells: list[tuple[int, str]] = []
    for position in reversed(slots):
        cells += [(position, char) for char in reversed(text[position])] or [(position, "")]
        text[position] = ""
    for count, (position, char) in enumerate(cells, start=1):
        separator = "," if count >= 4 and count % 3 == 1 and char.isdigit() else ""
        text[position] = char + separator + text[position]


def _fill_decimals(body: list[tuple[str, str]], slots: list[int], frac: str, point: int) -> str:
    """The decimals: zeros past the last significant digit vanish in ``#`` places and become
    spaces in ``?`` places."""
    if point >= len(body):
        return ""
    significant = len(frac.rstrip("0"))
    kept = [
        digit
        if position < significant or body[slot][0] == "0"
        else " "
        if body[slot][0] == "?"
        else ""
        for position, (slot, digit) in enumerate(zip(slots, frac, strict=False))
    ]
    out, index = ".", 0
    for i, (kind, literal) in enumerate(body[point + 1 :], start=point + 1):
        if kind in "0#?":
            out += kept[index] if index < len(kept) else ""
            index += 1
        elif kind == "lit":
            out += literal
        elif kind == ".":
            out += "."
        elif kind == ",":
            out += _comma(body, i)
    return out


def _exponent(tokens: list[tuple[str, str]], exponent: int) -> str:
    sign = "-" if exponent < 0 else ("+" if tokens[0][1] == "+" else "")
    width = sum(1 for k, _ in tokens[1:] if k == "0")
    digits = str(abs(exponent)).rjust(width, "0")
    rest = "".join(t for k, t in tokens[1:] if k == "lit")
    return "E" + sign + digits + rest
