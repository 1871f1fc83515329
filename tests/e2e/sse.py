"""Reading server-sent events in the end-to-end tests."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class Frame:
    """One SSE frame; ``event == "heartbeat"`` for a comment line."""

    event: str
    id: str | None = None
    data: Any = None


async def frames(response: httpx.Response) -> AsyncIterator[Frame]:
    fields: dict[str, str] = {}
    async for line in response.aiter_lines():
        if line.startswith(":"):
            yield Frame("heartbeat")
        elif line:
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")
        elif "data" in fields:
            yield Frame(fields.get("event", "message"), fields.get("id"),
                        json.loads(fields["data"]))
            fields = {}
        else:
            fields = {}


async def all_events(client: httpx.AsyncClient, **params: str) -> list[dict[str, Any]]:
    """Every event of the tenant through ``GET /v1/events``, page after page."""
    found: list[dict[str, Any]] = []
    cursor = ""
    while True:
        page = (await client.get("/v1/events", params={**params, "cursor": cursor,
                                                       "limit": "7"})).json()
        found += page["events"]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return found
