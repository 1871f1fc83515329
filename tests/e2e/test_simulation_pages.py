"""The simulations list pages by cursor, newest request first: a tenant with more runs than a
page reaches its oldest, each once, and a damaged cursor is refused naming it."""

from __future__ import annotations

import httpx

from tests.e2e.flow import ENDED, poll, start, upload_example


async def test_paging_sees_every_simulation_once_newest_first(own_tenant: httpx.AsyncClient
                                                              ) -> None:
    workbook = await upload_example(own_tenant)
    started = []
    for seed in range(5):
        response = await start(own_tenant, {"workbook_id": workbook["workbook_id"],
                                            "iterations": 100, "seed": seed,
                                            "inputs": {"Model!B2": "normal(10000, 1500)"},
                                            "outputs": ["Model!B18"]})
        assert response.status_code == 202, response.text
        started.append(response.json()["simulation_id"])
    for sim in started:
        await poll(own_tenant, f"/v1/simulations/{sim}", ENDED)
    seen, cursor, pages = [], None, 0
    while True:
        page = (await own_tenant.get("/v1/simulations", params={
            "limit": 2, **({"cursor": cursor} if cursor else {})})).json()
        seen += [row["simulation_id"] for row in page["simulations"]]
        pages += 1
        cursor = page["next_cursor"]
        assert page["has_more"] is (cursor is not None)
        if cursor is None:
            break
    assert seen == started[::-1] and pages == 3
    for bad in ("w1.abc", "s1.!!!", "garbage"):
        refused = await own_tenant.get("/v1/simulations", params={"cursor": bad})
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["loc"] == ["query", "cursor"]
