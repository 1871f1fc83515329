"""Requests generated from the published OpenAPI document, valid and invalid, by schemathesis:
none gets a server error, and every answer matches what the document says of its status,
media type and body.

``GET /v1/events/stream`` is left out: for a valid caller it streams until the client leaves,
so a generated request never ends. ``GET /v1/simulations/{id}/events`` streams too, but only
for a simulation that exists, which a generated id never names, so it is fuzzed like the rest;
so is the Stripe webhook, whose generated requests are all unsigned or wrongly signed: they
prove its refusals.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.e2e.conftest import Service

EXAMPLES = 20  # per operation and generation mode: the whole run takes about 40 s
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


def fuzz(url: str, headers: dict[str, str]) -> list[str]:
    """What went wrong, one line per operation that failed a check."""
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json").exclude(
        path="/v1/events/stream")
    failures = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            failures.append(f"the document describes an operation wrongly: {result.err()}")
            continue
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES, deadline=None, database=None,
                      phases=[Phase.generate], suppress_health_check=list(HealthCheck))
            def call(case: schemathesis.Case[Any]) -> None:
                case.call_and_validate(base_url=url, headers=headers, checks=CHECKS, timeout=20)

            try:
                call()
            except Unsatisfiable:  # no parameter or body to make invalid
                continue
            except (Exception, BaseExceptionGroup) as exc:  # each failing operation is reported
                failures.append(f"{operation.label} ({mode}): {exc}"[:2000])
    return failures


async def test_generated_requests_get_no_server_error_and_match_the_document(
        service: Service, own_tenant: httpx.AsyncClient) -> None:
    headers = {"Authorization": own_tenant.headers["Authorization"]}
    failures = await asyncio.wait_for(asyncio.to_thread(fuzz, service.url, headers), 120)
    assert failures == [], "\n\n".join(failures)
