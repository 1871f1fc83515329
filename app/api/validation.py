"""Hostile text is refused at the edge, once, for every route: before a route runs, each path
parameter, query parameter, the Idempotency-Key and every string, key and number of a JSON body
is held to the rules of :mod:`streams.text`. A route never sees a NUL, a lone surrogate or an
unbounded string, so none can reach the log, a query or an idempotency record."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.problems import problem
from streams.text import UnsafeText, check_document, shown, text_problem

MAX_JSON_BODY = 1024 * 1024  # bytes; commands are small, workbooks come as multipart
MAX_PATH_PARAM = 256  # characters: ids, and e-mail addresses naming a data subject
MAX_QUERY_NAME = 100
MAX_QUERY_VALUE = 4096  # cursors are the longest
IDEMPOTENCY_KEY = re.compile(r"[\x20-\x7e]{1,255}")
BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _path_params(scope: Scope) -> dict[str, str]:
    """The path parameters by name, found by matching the path against the paths of the app's
    OpenAPI document (only a refused request pays for it)."""
    openapi = getattr(scope.get("app"), "openapi", None)
    for template in (openapi() if openapi else {}).get("paths", {}):
        pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
        if found := re.fullmatch(pattern, scope["path"]):
            return found.groupdict()
    return {}


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


def request_line_errors(scope: Scope) -> list[dict[str, Any]]:
    """What is wrong with the path, query and Idempotency-Key of a request, as field errors."""
    errors = []
    wrong = [why for part in scope["path"].split("/")
             if (why := text_problem(part, MAX_PATH_PARAM))]
    if wrong:
        for name, value in _path_params(scope).items():
            if why := text_problem(value, MAX_PATH_PARAM):
                errors.append({"loc": ["path", name], "msg": why})
        if not errors:  # no route has this path: say what is wrong with it all the same
            errors.append({"loc": ["path"], "msg": f"a part of the path {wrong[0]}"})
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True):
        if why := text_problem(name, MAX_QUERY_NAME):
            errors.append({"loc": ["query", shown(name)], "msg": f"the parameter name {why}"})
        elif why := text_problem(value, MAX_QUERY_VALUE):
            errors.append({"loc": ["query", name], "msg": why})
    key = _header(scope, b"idempotency-key")
    if key is not None and not IDEMPOTENCY_KEY.fullmatch(key):
        errors.append({"loc": ["header", "Idempotency-Key"], "msg": "send 1 to 255 printable"
                       " ASCII characters (a UUID is a good key)"})
    return errors


def _is_json(scope: Scope) -> bool:
    """Whether the body is one FastAPI would read as JSON (or might, lacking a content type)."""
    if scope["method"] not in BODY_METHODS:
        return False
    content_type = _header(scope, b"content-type")
    if content_type is None:
        return True
    kind = content_type.split(";", 1)[0].strip().lower()
    return kind == "application/json" or (kind.startswith("application/")
                                          and kind.endswith("+json"))


def json_body_errors(body: bytes) -> list[dict[str, Any]]:
    """What is wrong with the strings, keys and numbers of a JSON body; a body that is not JSON
    is left to the route, which answers it as usual."""
    try:
        document = json.loads(body)
    except RecursionError:
        return [{"loc": ["body"], "msg": "is nested too deeply"}]
    except ValueError:
        return []
    try:
        check_document(document, ("body",))
    except UnsafeText as exc:
        return [{"loc": list(exc.location), "msg": exc.reason}]
    return []


class _ClientGone(Exception):
    """The client disconnected before its body was read: there is no one to answer."""


async def _read(receive: Receive, limit: int) -> bytes | None:
    """The whole body; None as soon as it passes ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise _ClientGone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


class EdgeValidation:
    """ASGI middleware refusing, with a 422 problem naming each field, any request whose text
    breaks the rules; a JSON body is read once (up to ``MAX_JSON_BODY``, else 413), checked,
    and handed on to the app unchanged."""

    def __init__(self, app: ASGIApp, max_json_body: int = MAX_JSON_BODY) -> None:
        self.app = app
        self.max_json_body = max_json_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        errors = request_line_errors(scope)
        if errors:
            await problem(422, errors=errors)(scope, receive, send)
            return
        if not _is_json(scope):
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length") or ""
        body = None
        if not (declared.isdigit() and int(declared) > self.max_json_body):
            try:
                body = await _read(receive, self.max_json_body)
            except _ClientGone:
                return
        if body is None:
            too_large = f"a JSON body may hold at most {self.max_json_body} bytes"
            await problem(413, too_large)(scope, receive, send)
            return
        errors = json_body_errors(body)
        if errors:
            await problem(422, errors=errors)(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)
