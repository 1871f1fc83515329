"""What the API shows of a workbook or simulation it accepted before the views have it is the
views' own document: the same columns, the event's values in them."""

from __future__ import annotations

from app.api.accepted import key, simulation, webhook, workbook
from projections.queries import SIMULATION_COLUMNS, WORKBOOK
from projections.webhook_queries import ENDPOINT_COLUMNS
from streams.catalogue import new_event
from streams.events import SimulationRequested, WebhookEndpointRegistered, WorkbookUploaded
from tests.integration.helpers import body


def _columns(listed: str) -> set[str]:
    return {c.strip() for c in listed.split(",")}


def test_a_requested_simulation_has_the_views_columns() -> None:
    event = new_event(SimulationRequested.type, "t1", "t1", body(
        SimulationRequested, simulation_id="s1", workbook_id="w1", iterations=5000))
    shown = simulation(event)
    assert set(shown) == _columns(SIMULATION_COLUMNS)
    assert (shown["simulation_id"], shown["workbook_id"], shown["status"],
            shown["iterations"], shown["iterations_done"]) == ("s1", "w1", "requested", 5000, 0)
    assert shown["request"] == event.data
    assert shown["requested_at"] == event.occurred_at.isoformat()


def test_an_uploaded_workbook_has_the_views_columns() -> None:
    event = new_event(WorkbookUploaded.type, "t1", "w9", body(WorkbookUploaded, filename="a.xlsx",
                                                              size=123))
    shown = workbook(event)
    listed = WORKBOOK.removeprefix("SELECT ").split(" FROM ")[0]
    assert set(shown) == _columns(listed)
    assert (shown["workbook_id"], shown["filename"], shown["size_bytes"], shown["status"]) == (
        "w9", "a.xlsx", 123, "uploaded")


def test_a_registered_endpoint_has_the_views_columns_and_no_secret() -> None:
    event = new_event(WebhookEndpointRegistered.type, "t1", "ep_1", body(
        WebhookEndpointRegistered, endpoint_id="ep_1", url="https://hooks.example.com/x",
        event_types=["simulation."], secret="sealed:v1:abc:def"))
    shown = webhook(event)
    assert set(shown) == _columns(ENDPOINT_COLUMNS)
    assert (shown["endpoint_id"], shown["status"], shown["event_types"]) == (
        "ep_1", "enabled", ["simulation."])
    assert "sealed" not in str(shown)


def test_keys_keep_tenants_and_kinds_apart() -> None:
    assert key("p.", "t1", "workbook", "x") != key("p.", "t1", "simulation", "x")
    assert key("p.", "t1", "workbook", "x") != key("p.", "t2", "workbook", "x")
