"""Text functions tied to a script: ASC (full-width to half-width) and BAHTTEXT (Thai words)."""

from __future__ import annotations

from engines.functions.registry import Table, register
from engines.functions.text import _simple

FUNCTIONS: Table = {}

_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_DIGITS = ["ศูนย์", "หนึ่ง", "สอง", "สาม", "สี่", "ห้า", "หก", "เจ็ด", "แปด", "เก้า"]
_PLACES = ["", "สิบ", "ร้อย", "พัน", "หมื่น", "แสน"]
_MILLION = "ล้าน"


def _asc(text: str) -> str:
    """Full-width Latin letters, digits, signs and the ideographic space as half-width."""
    return text.translate(_FULL_WIDTH)


def _below_million(value: int, after_higher: bool) -> str:
    """Thai words for 0 < value < 1,000,000 (``after_higher``: millions precede it)."""
    digits = str(value)
    words = []
    for i, char in enumerate(digits):
        digit = int(char)
        place = len(digits) - 1 - i
        if digit == 0:
            continue
        if place == 0 and digit == 1 and (len(digits) > 1 or after_higher):
            words.append("เอ็ด")
        elif place == 1 and digit == 1:
            words.append("สิบ")
        elif place == 1 and digit == 2:
            words.append("ยี่สิบ")
        else:
            words.append(_DIGITS[digit] + _PLACES[place])
    return "".join(words)


def _thai_number(value: int) -> str:
    """Thai words for a positive integer, in groups of six digits joined by ล้าน."""
    if value < 1_000_000:
        return _below_million(value, False)
    millions, rest = divmod(value, 1_000_000)
    return _thai_number(millions) + _MILLION + (_below_million(rest, True) if rest else "")


def _bahttext(value: float) -> str:
    """An amount in Thai words: baht, then satang or ถ้วน (exactly)."""
    satang_total = round(abs(value) * 100)
    baht, satang = divmod(satang_total, 100)
    sign = "ลบ" if value < 0 and satang_total else ""
    if satang_total == 0:
        return "ศูนย์บาทถ้วน"
    words = _thai_number(baht) + "บาท" if baht else ""
    words += _thai_number(satang) + "สตางค์" if satang else "ถ้วน"
    return sign + words


register(FUNCTIONS, "ASC", 1)(_simple("t", _asc))
register(FUNCTIONS, "BAHTTEXT", 1)(_simple("n", _bahttext))
