"""Every error of a small app with the problem handlers installed has one shape, and its OpenAPI
document says so for every status an operation can answer."""

from __future__ import annotations

from typing import Annotated

import httpx
from fastapi import FastAPI, Header, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from app.api.errors import install_problem_handlers
from app.api.problems import MEDIA_TYPE


class Thing(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=10)


def tiny_app() -> FastAPI:
    app = FastAPI()

    @app.get("/things/{thing_id}")
    async def get_thing(thing_id: str) -> dict[str, str]:
        if thing_id == "gone":
            raise HTTPException(404, f"no thing {thing_id}")
        if thing_id == "fields":
            raise HTTPException(409, [{"loc": ["path", "thing_id"], "msg": "taken"}])
        raise RuntimeError("secret internals")

    @app.post("/things", status_code=201, responses={415: {"description": "not a thing"}})
    async def add(thing: Thing, idempotency_key: Annotated[str | None, Header()] = None
                  ) -> dict[str, str]:
        return {"name": thing.name}

    install_problem_handlers(app)
    return app


def client(app: FastAPI) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://api")


async def test_route_framework_and_unexpected_errors_are_all_problems() -> None:
    async with client(tiny_app()) as api:
        gone = await api.get("/things/gone")
        assert gone.headers["content-type"] == MEDIA_TYPE
        assert gone.json() == {"type": "https://riskstream.dev/problems/not-found",
                               "title": "Not Found", "status": 404, "detail": "no thing gone"}
        fields = (await api.get("/things/fields")).json()
        assert fields["errors"] == [{"loc": ["path", "thing_id"], "msg": "taken"}]
        assert fields["detail"] == "path.thing_id: taken"
        invalid = (await api.post("/things", json={"name": "x" * 11, "extra": 1})).json()
        assert invalid["status"] == 422 and isinstance(invalid["detail"], str)
        assert {tuple(e["loc"]) for e in invalid["errors"]} == {("body", "name"),
                                                               ("body", "extra")}
        assert all(e["type"] and e["msg"] for e in invalid["errors"])
        not_json = (await api.post("/things", content=b"{nope",
                                   headers={"Content-Type": "application/json"})).json()
        assert not_json["status"] == 422 and "JSON decode error" in not_json["detail"]
        unknown = await api.get("/nowhere")
        assert unknown.status_code == 404 and unknown.headers["content-type"] == MEDIA_TYPE
        fault = await api.get("/things/other")
        assert fault.status_code == 500 and fault.headers["content-type"] == MEDIA_TYPE
        assert "secret" not in fault.text and "reference" in fault.json()["detail"]


async def test_a_hostile_path_id_is_refused_naming_the_parameter() -> None:
    async with client(tiny_app()) as api:
        response = await api.get("/things/a%00b")
        assert response.status_code == 422
        assert response.json()["errors"][0]["loc"] == ["path", "thing_id"]


def test_the_document_answers_every_error_status_with_the_problem_schema() -> None:
    document = tiny_app().openapi()
    schemas = document["components"]["schemas"]
    assert "Problem" in schemas and "HTTPValidationError" not in schemas
    expected = {"get": {"404", "422", "500", "503"},
                "post": {"400", "409", "413", "415", "422", "500", "503"}}
    for path in ("/things/{thing_id}", "/things"):
        for method, operation in document["paths"][path].items():
            errors = {s for s in operation["responses"] if int(s) >= 400}
            assert errors == expected[method], (method, errors)
            for status in errors:
                content = operation["responses"][status]["content"]
                assert content == {MEDIA_TYPE: {"schema": {
                    "$ref": "#/components/schemas/Problem"}}}
    assert document["paths"]["/things"]["post"]["responses"]["415"]["description"] == \
        "not a thing"
