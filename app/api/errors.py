"""Every error the API sends, whoever raised it, as one problem shape (:mod:`app.api.problems`).

Routes raise ``HTTPException`` with a message, or with a list of ``{loc, msg}`` naming the
invalid fields; FastAPI raises ``RequestValidationError``; anything else is a fault of ours,
answered with a reference to the log line that holds its traceback and nothing of its insides.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from app.api.openapi import document_problems
from app.api.outages import outage_problem
from app.api.problems import problem
from app.api.schemas import Located
from app.api.validation import EdgeValidation
from infra.faults import BY_VALUE, is_outage

log = logging.getLogger(__name__)


def _field_errors(detail: Any) -> list[dict[str, Any]] | None:
    """``detail`` as field errors when it is a list of them; None when it is a message."""
    if isinstance(detail, list) and all(isinstance(e, dict) and "loc" in e for e in detail):
        return [{"loc": list(e["loc"]), "msg": str(e.get("msg", ""))} for e in detail]
    return None


async def http_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    errors = _field_errors(exc.detail)
    detail = None if errors is not None else str(exc.detail)
    headers = dict(exc.headers) if exc.headers else None
    return problem(exc.status_code, detail, errors=errors, headers=headers)


async def validation_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = []
    for error in exc.errors():
        msg, loc = error["msg"], list(error["loc"])
        if error["type"] == "json_invalid":  # pydantic's message alone does not say where
            msg = f"{msg}: {error.get('ctx', {}).get('error', 'not JSON')}"
        cause = error.get("ctx", {}).get("error")
        if isinstance(cause, Located):  # an entry of the field: named, without "Value error, "
            loc, msg = [*loc, *cause.location], cause.reason
        errors.append({"loc": loc, "msg": msg, "type": error["type"]})
    return problem(422, errors=errors)


async def internal_problem(request: Request, exc: Exception) -> JSONResponse:
    if is_outage(exc):  # one the by-type handlers cannot name (a state code, a group, an errno)
        return await outage_problem(request, exc)
    reference = uuid.uuid4().hex
    log.error("unhandled error %s in %s %s", reference, request.method, request.url.path,
              exc_info=exc)
    return problem(500, f"an internal error occurred; it is logged under reference {reference}")


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every exception and every hostile request ``app`` meets as a problem, and
    document those answers in its OpenAPI document."""
    app.add_exception_handler(HTTPException, http_problem)
    app.add_exception_handler(RequestValidationError, validation_problem)
    app.add_exception_handler(Exception, internal_problem)
    # the kinds is_outage tells by their value, not their type, answered where the by-type
    # handlers are: a handler for Exception itself runs in Starlette's outermost middleware,
    # which answers and then raises the error again, and the server then closes the
    # connection (a client saw a reset, not its 503, when PostgreSQL was killed mid-request)
    for kind in BY_VALUE:
        app.add_exception_handler(kind, internal_problem)
    app.add_middleware(EdgeValidation)
    document_problems(app)
