"""Text no projection can store (NUL, lone surrogates, overlong strings) is refused at the edge
in every place a client can put it: each string field and key of every command body, each path
id, each query parameter, a multipart file name, with or without an Idempotency-Key. The
places are read from the published OpenAPI document, so a new field is covered without a word.
Nothing reaches the log, no blob is kept, and the Idempotency-Key stays free."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from infra.blobstore import BlobMissing, open_blob_store
from tests.conftest import EXAMPLE
from tests.e2e.accounts import new_tenant
from tests.e2e.conftest import Service
from tests.e2e.flow import upload_example
from tests.integration.helpers import wait_for

VALUES = ["a\x00b", "\ud800", "x" * 10_001]
KEYS = ["k\x00", "\udfff", "k" * 513]
PATH_VALUES = ["a%00b", "x" * 257]
SOME_KEY = "Model!B2"  # stands for any key of a free-form object
Where = tuple[str | int, ...]


def _resolve(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def string_places(schema: dict[str, Any], document: dict[str, Any], where: Where = ()
                  ) -> Iterator[tuple[Where, bool]]:
    """Where a body of ``schema`` holds text: each path, and whether it is a key there."""
    schema = _resolve(schema, document)
    for choice in schema.get("anyOf", []) + schema.get("oneOf", []) + schema.get("allOf", []):
        yield from string_places(choice, document, where)
    if schema.get("type") == "string":
        yield where, False
    for name, field in schema.get("properties", {}).items():
        yield from string_places(field, document, (*where, name))
    if isinstance(schema.get("additionalProperties"), dict):
        yield (*where, SOME_KEY), True
        yield from string_places(schema["additionalProperties"], document, (*where, SOME_KEY))
    if isinstance(schema.get("items"), dict):
        yield from string_places(schema["items"], document, (*where, 0))


def nest(where: Where, value: Any) -> Any:
    for step in reversed(where):
        value = [value] if isinstance(step, int) else {step: value}
    return value


def fill(path: str, value: str = "nope") -> str:
    while "{" in path:
        start = path.index("{")
        path = path[:start] + value + path[path.index("}", start) + 1:]
    return path


def body_cases(document: dict[str, Any]) -> Iterator[tuple[str, str, Any, list[Any], bool]]:
    """(method, path, body, the location the refusal must name, and whether exactly: a bad
    key is named after its object) for each text place of each JSON command body, and each
    unstorable value or key."""
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" not in content:
                continue
            places = dict.fromkeys(string_places(content["application/json"]["schema"],
                                                 document))
            for where, is_key in places:
                if is_key:
                    for key in KEYS:
                        body = nest(where[:-1], {key: "x"})
                        yield method, fill(path), body, ["body", *where[:-1]], False
                else:
                    for value in VALUES:
                        yield method, fill(path), nest(where, value), ["body", *where], True


def named_file(filename: str, data: bytes) -> dict[str, Any]:
    """A multipart upload whose file name is sent as it is (httpx would escape a NUL)."""
    boundary = uuid.uuid4().hex
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"'
            f"\r\nContent-Type: application/octet-stream\r\n\r\n").encode() + data + \
        f"\r\n--{boundary}--\r\n".encode()
    return {"content": body,
            "headers": {"Content-Type": f"multipart/form-data; boundary={boundary}"}}


def assert_refused(response: httpx.Response, loc: list[Any], exact: bool = True) -> None:
    assert response.status_code == 422, (loc, response.text)
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] and problem["title"] and isinstance(problem["detail"], str)
    found = problem["errors"][0]["loc"]
    assert (found == loc) if exact else (found[:len(loc)] == loc), (loc, problem)


async def feed(client: httpx.AsyncClient, cursor: str | None = None
               ) -> tuple[list[dict[str, Any]], str]:
    """The tenant's events after ``cursor``, and the cursor after them."""
    events: list[dict[str, Any]] = []
    while True:
        page = (await client.get("/v1/events", params={"cursor": cursor} if cursor else {}
                                 )).json()
        events += page["events"]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return events, cursor


async def test_text_a_projection_cannot_store_is_refused_everywhere_and_nothing_is_recorded(
        service: Service, own_tenant: httpx.AsyncClient) -> None:
    api = own_tenant
    document = (await api.get("/openapi.json")).json()
    workbook = await upload_example(api)
    _, before = await feed(api)

    cases = list(body_cases(document))
    named = {(method, path, tuple(loc)) for method, path, _, loc, _ in cases}
    assert {("post", "/v1/auth/token", ("body", "email")),
            ("post", "/v1/simulations", ("body", "correlation", "cells", 0)),
            ("post", "/v1/simulations", ("body", "inputs")),
            ("post", "/v1/api-keys", ("body", "name"))} <= named
    for index, (method, path, body, loc, exact) in enumerate(cases):
        for headers in ({}, {"Idempotency-Key": f"hostile-{index}"}):
            response = await api.request(method, path, content=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json",
                                                  **headers})
            assert_refused(response, loc, exact)

    for path, operations in document["paths"].items():
        names = [p["name"] for op in operations.values() for p in op.get("parameters", [])
                 if p["in"] == "path"]
        for method in operations:
            for name in dict.fromkeys(names):
                for value in PATH_VALUES:
                    target = fill(path.replace("{" + name + "}", value))
                    assert_refused(await api.request(method, target), ["path", name])
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query":
                    response = await api.request(method, fill(path),
                                                 params={parameter["name"]: "a\x00b"})
                    assert_refused(response, ["query", parameter["name"]])

    # the fault probe's own cases: a key in the correlation object, and a file name
    correlated = {"workbook_id": workbook["workbook_id"], "outputs": ["Model!B17"],
                  "inputs": {"Model!B2": "normal(100, 10)", "Model!B4": "normal(1, 1)"},
                  "correlation": {"cells": ["Model!B2", "Model!B4"],
                                  "matrix": [[1, 0.5], [0.5, 1]], "note\x00": 1}}
    refused = await api.post("/v1/simulations", json=correlated,
                             headers={"Idempotency-Key": "probe-simulation"})
    assert_refused(refused, ["body", "correlation", "note\\u0000"])
    for name in ("a\x00b.xlsx", "x" * 256 + ".xlsx"):
        upload = named_file(name, EXAMPLE.read_bytes())
        upload["headers"]["Idempotency-Key"] = "probe-upload"
        assert_refused(await api.post("/v1/workbooks", **upload), ["body", "file", "filename"])
    login = await api.post("/v1/auth/token", json={"email": "a\x00@example.com",
                                                   "password": "x"})
    assert_refused(login, ["body", "email"])
    named_key = await api.post("/v1/api-keys", json={"name": "ci\x00"},
                               headers={"Idempotency-Key": "probe-key"})
    assert_refused(named_key, ["body", "name"])

    # the same keys are free for the valid commands, and those are all the log gained
    del correlated["correlation"]["note\x00"]
    accepted = await api.post("/v1/simulations", json={**correlated, "iterations": 100},
                              headers={"Idempotency-Key": "probe-simulation"})
    assert accepted.status_code == 202, accepted.text
    uploaded = await api.post("/v1/workbooks", headers={"Idempotency-Key": "probe-upload"},
                              files={"file": (EXAMPLE.name, EXAMPLE.read_bytes())})
    assert uploaded.status_code == 202, uploaded.text
    issued = await api.post("/v1/api-keys", json={"name": "after"},
                            headers={"Idempotency-Key": "probe-key"})
    assert issued.status_code == 201, issued.text
    commands = ["api_key.issued", "simulation.requested", "workbook.uploaded"]

    async def recorded() -> list[str] | None:
        events, _ = await feed(api, before)
        found = sorted(e["type"] for e in events if not e["causation_id"])
        return found if len(found) >= len(commands) else None

    assert await wait_for(recorded) == commands


async def test_refused_uploads_leave_no_blob_and_the_limit_names_its_source(
        service: Service, operator: httpx.AsyncClient) -> None:
    blobs = open_blob_store(service.settings)
    small = await new_tenant(operator, "free", {"file_size_bytes": 2000})
    not_a_workbook = f"notes {uuid.uuid4()}".encode()
    response = await small.post("/v1/workbooks", files={"file": ("notes.txt", not_a_workbook)})
    assert response.status_code == 415
    with pytest.raises(BlobMissing):
        blobs.get(hashlib.sha256(not_a_workbook).hexdigest())
    named = await small.post("/v1/workbooks", **named_file("a\x00.xlsx", not_a_workbook))
    assert_refused(named, ["body", "file", "filename"])
    too_big = await small.post("/v1/workbooks", files={"file": ("big.xlsx", b"x" * 3000)})
    assert too_big.status_code == 413
    assert too_big.json()["detail"] == ("the workbook is larger than 2000 bytes, the file size"
                                        " limit of this tenant's free plan")
    await small.aclose()
