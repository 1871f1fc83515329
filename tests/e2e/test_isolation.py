"""Tenant isolation: every read route, given another tenant's ids, answers 404 (or, for lists,
leaves them out); the routes are taken from the OpenAPI document so a new route is covered.
Commands naming another tenant's ids are 404 too."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.e2e.accounts import new_tenant, new_user
from tests.e2e.flow import ENDED, poll, start, upload_example

# Endless event streams have their own tests; the health check, schema and OIDC sign-in
# (before any tenant is known; tested in test_sign_in) are public.
SKIPPED = re.compile(r"/stream$|^/health$|^/openapi|^/docs|^/redoc|^/v1/auth/oidc/")


async def _owned_ids(owner: httpx.AsyncClient) -> dict[str, str]:
    workbook = await upload_example(owner)
    started = await start(owner, {"workbook_id": workbook["workbook_id"],
                                  "outputs": ["Model!B17"], "iterations": 500})
    simulation = await poll(owner, f"/v1/simulations/{started.json()['simulation_id']}", ENDED)
    user = await new_user(owner)
    key = (await owner.post("/v1/api-keys", json={"name": "spare"})).json()
    return {"workbook": workbook["workbook_id"], "simulation": simulation["simulation_id"],
            "user": user["user_id"], "key": key["key_id"],
            "tenant": owner.tenant_id}  # type: ignore[attr-defined]


def _get_routes(spec: dict[str, Any]) -> list[tuple[str, list[str], list[str]]]:
    """(path, path parameters, required query parameters) of every GET route."""
    routes = []
    for path, operations in spec["paths"].items():
        if "get" not in operations or SKIPPED.search(path):
            continue
        params = operations["get"].get("parameters", [])
        routes.append((path, [p["name"] for p in params if p["in"] == "path"],
                       [p["name"] for p in params if p["in"] == "query" and p.get("required")]))
    return routes


async def test_every_read_route_hides_another_tenants_data(
        operator: httpx.AsyncClient) -> None:
    owner, intruder = await new_tenant(operator), await new_tenant(operator)
    ids = await _owned_ids(owner)
    spec = (await intruder.get("/openapi.json")).json()
    routes = _get_routes(spec)
    assert len(routes) >= 15
    checked = 0
    for path, path_params, query_params in routes:
        for name, owned in ids.items():
            url = path
            for param in path_params:
                url = url.replace("{" + param + "}", owned)
            response = await intruder.get(url, params={q: owned for q in query_params})
            where = f"GET {url} with {name} id"
            assert response.status_code < 500, (where, response.text)
            if path_params:
                assert response.status_code == 404, (where, response.text)
            elif response.status_code == 200:
                # a route may echo the id it was asked about; any other owned id is a leak
                echoed = owned if query_params else None
                leaked = [v for v in ids.values() if v in response.text and v != echoed]
                assert not leaked, (where, leaked)
            else:
                assert response.status_code == 403, (where, response.text)  # operators only
            checked += 1
    assert checked == len(routes) * len(ids)
    # commands on another tenant's ids are 404 as well, and change nothing
    for method, path, body in (
            ("POST", f"/v1/simulations/{ids['simulation']}/cancel", None),
            ("PUT", f"/v1/tenants/{ids['tenant']}/plan", {"plan": "free"}),
            ("PATCH", f"/v1/users/{ids['user']}", {"role": "admin"}),
            ("DELETE", f"/v1/api-keys/{ids['key']}", None)):
        response = await intruder.request(method, path, json=body)
        assert response.status_code == 404, (method, path, response.text)
    # the owner does see its own: the ids are real
    for path in (f"/v1/workbooks/{ids['workbook']}", f"/v1/simulations/{ids['simulation']}",
                 f"/v1/users/{ids['user']}", f"/v1/api-keys/{ids['key']}",
                 f"/v1/tenants/{ids['tenant']}"):
        assert (await owner.get(path)).status_code == 200, path
    await owner.aclose()
    await intruder.aclose()
