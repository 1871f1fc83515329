"""Requests a fuzzing run found answered 500 or left hanging, each now a 4xx naming what is
wrong: malformed multipart bodies, cursors past the numbers they encode, an OIDC issuer whose
host no URL can hold, a redelivery range past the calendar; and workbooks that stayed
"uploaded" for ever (a formula nested thousands deep, a distribution taking distributions) now
parse, and run: the formula nested deeper than the parser takes is a syntax error in its cell
(#NAME?), listed as unsupported."""

from __future__ import annotations

import base64
import io

import httpx
import openpyxl

from tests.e2e.flow import ENDED, poll, start


def _cursor(prefix: str, text: str) -> str:
    return prefix + base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


async def test_malformed_multipart_bodies_are_422(enterprise: httpx.AsyncClient) -> None:
    bodies = {
        "BOUND": b"--BOUND\r\nfoo\r\n\r\nxx\r\n--BOUND--\r\n",  # a header line without a colon
        "OTHER": b"--BOUND\r\nContent-Disposition: form-data; name=file\r\n\r\nx\r\n--BOUND--",
        "B" * 300: b"x",  # a boundary longer than the parser takes
        "": b"--\r\n\r\n",
    }
    for boundary, body in bodies.items():
        response = await enterprise.post("/v1/workbooks", content=body, headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}"})
        assert response.status_code == 422, (boundary[:10], response.text)
        assert response.json()["errors"][0]["loc"] == ["body", "file"]
        assert "multipart" in response.json()["errors"][0]["msg"]


async def test_cursors_past_what_they_can_encode_are_422(enterprise: httpx.AsyncClient) -> None:
    for position in ("simulations:2147483648:0", "simulations:0:9223372036854775808"):
        cursor = _cursor("c1.", position)
        for path in ("/v1/events", "/v1/audit/events"):
            response = await enterprise.get(path, params={"cursor": cursor, "aggregate": "x"})
            assert response.status_code == 422, (path, position, response.text)
            assert response.json()["errors"][0]["loc"] == ["query", "cursor"]
        stream = await enterprise.get("/v1/events/stream", headers={"Last-Event-ID": cursor})
        assert stream.status_code == 422, stream.text
        assert stream.json()["errors"][0]["loc"] == ["header", "Last-Event-ID"]
    for moment in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"):
        response = await enterprise.get("/v1/workbooks",
                                        params={"cursor": _cursor("w1.", f"{moment}|abc")})
        assert response.status_code == 422, (moment, response.text)
        assert response.json()["errors"][0]["loc"] == ["query", "cursor"]


async def test_an_issuer_no_url_can_hold_is_422(enterprise: httpx.AsyncClient) -> None:
    for issuer in ("https://\u2100/", "https://[::1", "https://\u0005t", "https://5\u00b0"):
        response = await enterprise.put("/v1/auth/oidc/provider",
                                        json={"issuer": issuer, "client_id": "x"})
        assert response.status_code == 422, (issuer, response.text)
        assert response.json()["errors"][0]["loc"] == ["body", "issuer"]


async def test_a_redelivery_range_outside_the_calendar_or_backwards_is_422(
        enterprise: httpx.AsyncClient) -> None:
    for body in ({"since": "9999-12-31T23:59:59-14:00"}, {"since": "0001-01-01T00:00:00+14:00"},
                 {"since": "2026-01-01T00:00:00Z", "until": "9999-12-31T23:59:59.999999-14:00"},
                 {"since": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"}):
        response = await enterprise.post("/v1/webhooks/ep_any/redeliver", json=body)
        assert response.status_code == 422, (body, response.text)
        assert any(word in response.text for word in ("years 1 to 9999", "before until"))


def _book(formula: str) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Model"
    sheet["A1"], sheet["B1"] = formula, "=A1*2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def test_workbooks_that_stayed_uploaded_now_parse_and_run(
        enterprise: httpx.AsyncClient) -> None:
    formulas = {"deep": "=" + "(" * 3000 + "1" + ")" * 3000,
                "nested": "=RiskNormal(RiskNormal(10,1),RiskUniform(1,2))",
                "long": "=" + "+".join(["1"] * 3000)}
    for name, formula in formulas.items():
        response = await enterprise.post("/v1/workbooks", files={"file": (
            f"{name}.xlsx", _book(formula),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")})
        assert response.status_code == 202, response.text
        workbook = await poll(enterprise, response.json()["links"]["self"],
                              {"parsed", "rejected"})
        assert workbook["status"] == "parsed", workbook
        unsupported = workbook["summary"]["unsupported_functions"]
        assert unsupported == ({"(syntax)": ["Model!A1"]} if name == "deep" else {})
        run = await start(enterprise, {"workbook_id": workbook["workbook_id"],
                                       "outputs": ["Model!B1"], "iterations": 2000, "seed": 1})
        assert run.status_code == 202, run.text
        ended = await poll(enterprise, run.json()["links"]["self"], ENDED)
        assert ended["status"] == "completed", ended
        stats = ended["results"]["outputs"]["Model!B1"]
        if name == "deep":
            assert stats["errors"] == {"#NAME?": 2000}
        elif name == "long":
            assert (stats["error_count"], stats["mean"]) == (0, 6000.0)
        else:
            assert stats["error_count"] == 0 and abs(stats["mean"] - 20) < 1
