"""Error answers as RFC 9457 problem details (``application/problem+json``), in one shape.

Every 4xx and 5xx RiskStream sends has ``type``, ``title``, ``status`` and ``detail``; a 422
adds ``errors`` (each with ``loc`` and ``msg``, naming the field or cell and what would be
accepted); a 503 adds ``Retry-After``.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://riskstream.dev/problems/"


class ProblemError(BaseModel):
    """One invalid field: where it is and what was wrong with it."""

    loc: list[str | int]
    msg: str
    type: str | None = None


class Problem(BaseModel):
    """An error answer (RFC 9457)."""

    type: str = Field(examples=[TYPE_BASE + "not-found"])
    title: str = Field(examples=["Not Found"])
    status: int = Field(examples=[404])
    detail: str | None = Field(None, examples=["no workbook 9cb3…"])
    errors: list[ProblemError] | None = None


class ProblemResponse(JSONResponse):
    """``application/problem+json``, ASCII-escaped: an error naming a field is sent even when
    what it quotes back is not valid Unicode."""

    media_type = MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        return json.dumps(content, separators=(",", ":")).encode("ascii")


def summary(errors: list[dict[str, Any]], shown: int = 3) -> str:
    """One line naming the invalid fields: the ``detail`` of a problem that lists ``errors``."""
    named = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors[:shown]]
    more = f" (and {len(errors) - shown} more)" if len(errors) > shown else ""
    return "; ".join(named) + more


def problem_type(status: int) -> str:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "error"
    return TYPE_BASE + phrase.lower().replace(" ", "-").replace("'", "")


def problem(status: int, detail: str | None = None, *, errors: list[dict[str, Any]] | None = None,
            headers: dict[str, str] | None = None, title: str | None = None,
            **extra: Any) -> JSONResponse:
    """The problem-details answer for ``status``; without ``detail``, one summing ``errors``."""
    try:
        default_title = HTTPStatus(status).phrase
    except ValueError:
        default_title = "Error"
    body: dict[str, Any] = {"type": problem_type(status), "title": title or default_title,
                            "status": status}
    if detail is None and errors:
        detail = summary(errors)
    if detail is not None:
        body["detail"] = detail
    if errors is not None:
        body["errors"] = errors
    body.update(extra)
    return ProblemResponse(body, status_code=status, headers=headers)


def unavailable(detail: str, retry_after_s: int = 5) -> JSONResponse:
    """503 with Retry-After: a dependency is down and the client should try again."""
    return problem(503, detail, headers={"Retry-After": str(retry_after_s)})
