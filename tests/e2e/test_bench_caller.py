"""The benchmark's own HTTP caller (``bench.caller``) against the real API: what it reads from
an answer is what httpx reads, over one connection kept alive, and a refusal is an error."""

from __future__ import annotations

import httpx
import pytest

from bench.caller import Caller, CallError
from tests.e2e.conftest import Service
from tests.e2e.flow import ENDED, poll, upload_example
from tests.e2e.test_simulation_flow import REQUEST


async def test_a_caller_starts_runs_over_one_connection(service: Service,
                                                         own_tenant: httpx.AsyncClient) -> None:
    workbook = await upload_example(own_tenant)
    caller = Caller(service.url, {"Authorization": own_tenant.headers["Authorization"]})
    try:
        first = await caller.post_json("/v1/simulations", {
            "workbook_id": workbook["workbook_id"], **REQUEST, "iterations": 1000})
        connection = caller._streams
        second = await caller.post_json("/v1/simulations", {
            "workbook_id": workbook["workbook_id"], **REQUEST, "iterations": 1000})
        assert connection is not None and caller._streams is connection
    finally:
        await caller.close()
    assert first["simulation_id"] != second["simulation_id"]
    for answer in (first, second):
        done = await poll(own_tenant, f"/v1/simulations/{answer['simulation_id']}", ENDED)
        assert done["status"] == "completed"


async def test_a_refused_request_is_an_error_with_its_status(
        service: Service, own_tenant: httpx.AsyncClient) -> None:
    caller = Caller(service.url, {"Authorization": own_tenant.headers["Authorization"]})
    try:
        with pytest.raises(CallError, match="404|422"):
            await caller.post_json("/v1/simulations", {"workbook_id": "no-such-workbook",
                                                       **REQUEST})
        # the connection is still usable after a refusal: the answer was read whole
        with pytest.raises(CallError, match="422"):
            await caller.post_json("/v1/simulations", {"iterations": "many"})
    finally:
        await caller.close()
