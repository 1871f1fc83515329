"""The edge check as plain ASGI: a tiny app behind it records what reaches it."""

from __future__ import annotations

import json
from typing import Any

import httpx
from starlette.types import Receive, Scope, Send

from app.api.validation import EdgeValidation


class Recorder:
    """An ASGI app that keeps the body it was given and answers 200."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.bodies.append(body)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def client(recorder: Recorder, max_json_body: int = 100_000) -> httpx.AsyncClient:
    app = EdgeValidation(recorder, max_json_body=max_json_body)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api")


def refused(response: httpx.Response, status: int = 422) -> list[dict[str, Any]]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status and problem["type"] and problem["title"]
    assert isinstance(problem["detail"], str)
    return list(problem.get("errors", []))


def raw(text: str) -> dict[str, Any]:
    """Keyword arguments sending ``text`` as a JSON body byte for byte (escapes kept)."""
    return {"content": text.encode(), "headers": {"Content-Type": "application/json"}}


async def test_strings_keys_and_numbers_a_projection_cannot_store_are_named() -> None:
    recorder = Recorder()
    async with client(recorder) as api:
        cases = [
            ('{"name": "a\\u0000b"}', ["body", "name"], "NUL"),
            ('{"correlation": {"cells": ["A!B1"], "x\\u0000": 1}}',
             ["body", "correlation", "x\\u0000"], "NUL"),
            ('{"inputs": ["ok", "\\ud800"]}', ["body", "inputs", 1], "surrogate"),
            ('{"targets": [1, NaN]}', ["body", "targets", 1], "finite"),
            ('{"targets": [1e999]}', ["body", "targets", 0], "finite"),
            (json.dumps({"name": "x" * 10_001}), ["body", "name"], "at most 10000"),
        ]
        for text, loc, words in cases:
            errors = refused(await api.post("/v1/things", **raw(text)))
            assert errors[0]["loc"] == loc and words in errors[0]["msg"], (text, errors)
        nested = refused(await api.post("/v1/things", **raw("[" * 5000 + "]" * 5000)))
        assert nested[0]["loc"] == ["body"]
    assert recorder.bodies == []


async def test_a_good_body_reaches_the_app_unchanged_and_a_bad_one_is_left_to_it() -> None:
    recorder = Recorder()
    async with client(recorder) as api:
        good = '{"name": "Ada", "note": "caf\\u00e9 \\ud83d\\ude00"}'
        assert (await api.post("/v1/things", **raw(good))).status_code == 200
        assert (await api.post("/v1/things", **raw("{not json"))).status_code == 200
        assert (await api.post("/v1/things", content=b'{"a": 1}')).status_code == 200
        multipart = await api.post("/v1/things", files={"file": ("a\x00b.xlsx", b"\x00" * 10)})
        assert multipart.status_code == 200  # uploads are streamed: the route checks them
    assert recorder.bodies[:3] == [good.encode(), b"{not json", b'{"a": 1}']


async def test_a_json_body_over_the_limit_is_refused_declared_or_not() -> None:
    recorder = Recorder()
    async with client(recorder, max_json_body=100) as api:
        assert refused(await api.post("/v1/things", **raw(json.dumps({"a": "x" * 200}))),
                       413) == []

        async def chunks() -> Any:
            for _ in range(10):
                yield b'"xxxxxxxxxxxxxxxxxxxx"'

        streamed = await api.post("/v1/things", content=chunks(),
                                  headers={"Content-Type": "application/json"})
        refused(streamed, 413)
    assert recorder.bodies == []


async def test_path_query_and_idempotency_key_are_checked_on_every_method() -> None:
    recorder = Recorder()
    async with client(recorder) as api:
        path = refused(await api.get("/v1/workbooks/a%00b"))
        assert path[0]["loc"] == ["path"] and "NUL" in path[0]["msg"]
        assert refused(await api.delete("/v1/keys/" + "k" * 257))[0]["loc"] == ["path"]
        query = refused(await api.get("/v1/events", params={"cursor": "a\x00"}))
        assert query[0]["loc"] == ["query", "cursor"]
        name = refused(await api.get("/v1/events?a%00=1"))
        assert name[0]["loc"] == ["query", "a\\u0000"]  # escaped: a bad name is not echoed
        for key in ("k" * 256, "clé".encode("latin-1"), ""):
            errors = refused(await api.post("/v1/things", json={},
                                            headers={"Idempotency-Key": key}))
            assert errors[0]["loc"] == ["header", "Idempotency-Key"]
        assert (await api.post("/v1/things", json={}, headers={
            "Idempotency-Key": "3f0c2b9e-7a51-4c1e-9e2d-0b6a1f8c5d47"})).status_code == 200
    assert recorder.bodies == [b"{}"]
