"""A fresh API worker builds its routes before its first request: the first requests a worker
serves match their route without building any route's parameters (FastAPI builds an included
router's routes at the first request matched against them)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import fastapi.routing
import pytest
from pydantic import SecretStr

from app.api.main import create_app, route_all
from infra.settings import Settings


async def _status(app: Any, path: str) -> int:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
             "headers": [(b"host", b"riskstream")], "client": ("127.0.0.1", 1),
             "server": ("riskstream", 80), "root_path": "", "state": {}}
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return int(sent[0]["status"])


def _built(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    calls: list[object] = []
    real = fastapi.routing.get_dependant

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs.get("call"))
        return real(*args, **kwargs)

    monkeypatch.setattr(fastapi.routing, "get_dependant", counted)
    return calls


@pytest.mark.parametrize("warmed", [True, False])
def test_first_requests_build_no_route(warmed: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    app = create_app(Settings(jwt_secret=SecretStr("j" * 32)))
    app.state.ctx = SimpleNamespace()  # a request without credentials is refused before its use
    built = _built(monkeypatch)

    async def first_requests() -> list[int]:
        if warmed:
            await route_all(app)
            built.clear()
        # no credentials: each is answered 401 after its route was matched
        return [await _status(app, path) for path in ("/v1/simulations/s1", "/v1/workbooks/w1",
                                                      "/v1/users/u1")]

    statuses = asyncio.run(first_requests())
    assert statuses == [401, 401, 401]
    assert (built == []) is warmed
