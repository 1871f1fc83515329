"""Parse distribution strings from the REST API: ``normal(100, 10)``, ``discrete({1,2},{1,3})``."""

from __future__ import annotations

import re

from engines.sampling.distributions import ParamValue, canonical_name
from engines.sampling.errors import DistributionError

_CALL = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_]*)\s*\((.*)\)\s*$", re.DOTALL)
_TOKEN = re.compile(r"\s*(\{|\}|\[|\]|,|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*",
                    re.ASCII)  # digits 0-9 only: float() would read other scripts' digits too
_OPEN, _CLOSE = "{[", "}]"


def parse_distribution(text: str) -> tuple[str, list[ParamValue]]:
    """``"triang(1,2,5)"`` → ``("RiskTriang", [1.0, 2.0, 5.0])``; tables in ``{}`` or ``[]``."""
    match = _CALL.match(text)
    if match is None:
        raise DistributionError(
            f"expected a distribution call such as normal(100, 10), got {text!r}"
        )
    name = canonical_name(match.group(1))
    tokens = _tokens(name, match.group(2))
    params: list[ParamValue] = []
    pos = 0
    while pos < len(tokens):
        if tokens[pos] in _OPEN:
            close = next((i for i in range(pos, len(tokens)) if tokens[i] in _CLOSE), None)
            if close is None:
                raise DistributionError(f"{name}: unclosed table in {text!r}")
            params.append(_numbers(name, tokens[pos + 1 : close], text))
            pos = close + 1
        else:
            params.append(_numbers(name, tokens[pos : pos + 1], text)[0])
            pos += 1
        if pos < len(tokens):
            if tokens[pos] != "," or pos == len(tokens) - 1:
                raise DistributionError(f"{name}: expected ',' between arguments in {text!r}")
            pos += 1
    return name, params


def _tokens(name: str, body: str) -> list[str]:
    tokens, pos = [], 0
    while pos < len(body.rstrip()):
        token = _TOKEN.match(body, pos)
        if token is None:
            raise DistributionError(f"{name}: cannot read an argument at {body[pos:]!r}")
        tokens.append(token.group(1))
        pos = token.end()
    return tokens


def _numbers(name: str, tokens: list[str], text: str) -> list[float]:
    """Numbers separated by commas (a table's body, or a single argument)."""
    values = tokens[0::2]
    ok = (
        bool(values)
        and all(sep == "," for sep in tokens[1::2])
        and len(tokens) % 2 == 1
        and all(v not in ",{}[]" for v in values)
    )
    if not ok:
        raise DistributionError(f"{name}: arguments must be numbers or {{...}} tables in {text!r}")
    return [float(v) for v in values]
