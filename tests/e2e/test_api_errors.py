"""User mistakes get a clear 4xx naming what is wrong, and never a 500; a broker outage is a
503 with Retry-After and leaves nothing behind."""

from __future__ import annotations

import io
import zipfile

import httpx

from app.api.main import create_app
from tests.e2e.conftest import MAX_UPLOAD, Service
from tests.e2e.flow import start, upload_example


async def test_uploads_that_are_not_workbooks_or_too_large_are_refused(
        enterprise: httpx.AsyncClient) -> None:
    text = await enterprise.post("/v1/workbooks", files={"file": ("notes.txt", b"hello")})
    assert text.status_code == 415 and "not a workbook" in text.json()["detail"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as package:
        package.writestr("xl/workbook.xml", b"x" * (MAX_UPLOAD + 10))
    big = await enterprise.post("/v1/workbooks", files={"file": ("big.xlsx", buffer.getvalue())})
    assert big.status_code == 413 and str(MAX_UPLOAD) in big.json()["detail"]
    no_file = await enterprise.post("/v1/workbooks", data={"name": "x"},
                                    files={"other": ("a.xlsx", b"x")})
    assert no_file.status_code == 422 and "'file'" in no_file.text


async def test_a_corrupt_workbook_is_rejected_with_a_reason(
        enterprise: httpx.AsyncClient) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("xl/workbook.xml", b"<not really a workbook")
    response = await enterprise.post("/v1/workbooks", files={"file": ("bad.xlsx",
                                                                       buffer.getvalue())})
    assert response.status_code == 202
    from tests.e2e.flow import poll

    workbook = await poll(enterprise, f"/v1/workbooks/{response.json()['workbook_id']}",
                          {"rejected", "parsed"})
    assert workbook["status"] == "rejected" and workbook["reason"]
    refused = await start(enterprise, {"workbook_id": workbook["workbook_id"],
                                       "outputs": ["Model!B1"]})
    assert refused.status_code == 422 and "rejected" in refused.text


async def test_bad_requests_name_the_field_and_unknown_ids_are_404(
        enterprise: httpx.AsyncClient) -> None:
    workbook = await upload_example(enterprise)
    wid = workbook["workbook_id"]
    cases = [
        ({"workbook_id": wid, "outputs": ["Model!B17"], "iterations": -5}, "iterations"),
        ({"workbook_id": wid, "outputs": ["Nope!B17"]}, "no sheet 'Nope'"),
        ({"workbook_id": wid, "inputs": {"Model!B2": "normal(1, -1)"}, "outputs": ["Model!B17"]},
         "sd must be > 0"),
        ({"workbook_id": wid, "outputs": ["B17"]}, "not a cell reference"),
        ({"outputs": ["Model!B17"]}, "workbook_id"),
        ({"workbook_id": wid, "outputs": ["Model!B17"], "backend": "tpu"}, "backend"),
    ]
    for body, needle in cases:
        response = await start(enterprise, body)
        assert response.status_code == 422, (body, response.text)
        assert needle in response.text, (needle, response.text)
    # a distribution's error names its input's cell in ``loc``, with the reason alone
    bad_input = (await start(enterprise, cases[2][0])).json()["errors"][0]
    assert bad_input["loc"] == ["body", "inputs", "Model!B2"], bad_input
    assert bad_input["msg"].startswith("input Model!B2: RiskNormal: sd must be > 0"), bad_input
    bad_json = await enterprise.post("/v1/simulations", content=b"{not json",
                                     headers={"Content-Type": "application/json"})
    assert bad_json.status_code == 422
    assert (await start(enterprise, {"workbook_id": "nope", "outputs": ["Model!B1"]})
            ).status_code == 404
    for path in ("/v1/simulations/nope", "/v1/workbooks/nope", "/v1/simulations/nope/events"):
        assert (await enterprise.get(path)).status_code == 404
    assert (await enterprise.post("/v1/simulations/nope/cancel")).status_code == 404
    assert (await enterprise.get("/v1/simulations", params={"status": "weird"})
            ).status_code == 422


async def test_requests_without_a_valid_key_are_refused(service: Service) -> None:
    async with httpx.AsyncClient(base_url=service.url) as anonymous:
        assert (await anonymous.get("/v1/simulations")).status_code == 401
        forged = await anonymous.get("/v1/simulations",
                                     headers={"Authorization": "Bearer rsk_forged"})
        assert forged.status_code == 401


async def test_other_tenants_ids_read_as_absent(enterprise: httpx.AsyncClient,
                                                free: httpx.AsyncClient) -> None:
    workbook = await upload_example(enterprise)
    assert (await free.get(f"/v1/workbooks/{workbook['workbook_id']}")).status_code == 404


async def test_when_kafka_is_down_commands_get_503_and_nothing_is_written(
        service: Service, enterprise: httpx.AsyncClient) -> None:
    workbook = await upload_example(enterprise)
    settings = service.settings.model_copy(update={"kafka_bootstrap": "127.0.0.1:1",
                                                   "kafka_timeout_s": 2.0})
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api",
                                     headers=dict(enterprise.headers)) as down:
            body = {"workbook_id": workbook["workbook_id"], "outputs": ["Model!B17"],
                    "iterations": 100}
            response = await down.post("/v1/simulations", json=body,
                                       headers={"Idempotency-Key": "outage-1"})
            assert response.status_code == 503
            assert response.headers["retry-after"] == "5"
            # the key was released: once Kafka is back, the same key goes through
            again = await start(enterprise, body, {"Idempotency-Key": "outage-1"})
            assert again.status_code == 202 and "idempotent-replayed" not in again.headers
