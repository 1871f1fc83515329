"""The OpenAPI document names every error status an operation can answer, each as a
``Problem`` in ``application/problem+json``.

Which statuses apply follows from what the document already says of the operation, so a new
route is documented without a word: any request can be refused at the edge (422), fail (500)
or meet an outage (503); a write can find its Idempotency-Key in use or the state changed (409)
or bring a body too large (413); a request body can be unreadable (400); a path id can be
unknown (404); an operation behind a security scheme can lack a credential (401) or the role
(403) or be over its rate limit (429). Statuses a route declares itself (``responses={415:
...}``) become problems as well, keeping their description.
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI

from app.api.problems import MEDIA_TYPE, Problem

EVERY_REQUEST = {422, 500, 503}
WRITES = {409, 413}
SECURED = {401, 403, 429}
REF = "#/components/schemas/{model}"


def error_statuses(method: str, path: str, operation: dict[str, Any]) -> set[int]:
    """The error statuses of one operation of the document."""
    statuses = set(EVERY_REQUEST)
    statuses |= {int(s) for s in operation.get("responses", {}) if s.isdigit() and int(s) >= 400}
    if method != "get":
        statuses |= WRITES
    if "requestBody" in operation:
        statuses.add(400)
    if "{" in path:
        statuses.add(404)
    if operation.get("security"):
        statuses |= SECURED
    return statuses


def with_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with every operation's error statuses answered by the Problem schema."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    problem_schema = Problem.model_json_schema(ref_template=REF)
    components.update(problem_schema.pop("$defs", {}))
    components["Problem"] = problem_schema
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    content = {MEDIA_TYPE: {"schema": {"$ref": REF.format(model="Problem")}}}
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status in sorted(error_statuses(method, path, operation)):
                description = responses.get(str(status), {}).get("description")
                responses[str(status)] = {
                    "description": description or HTTPStatus(status).phrase, "content": content}
    return schema


def document_problems(app: FastAPI) -> None:
    """Make ``app``'s OpenAPI document describe every error as a problem."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = with_problems(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
