"""The event catalogue as subscribers read it: each type with its version, topic, an example
body and a JSON Schema of the body derived from that example (``describe``).

The examples live next to the code that emits the events and a unit test keeps one per type
of :data:`streams.catalogue.CATALOGUE`, so the published catalogue cannot lag the code.
"""

from __future__ import annotations

from typing import Any

from streams.catalogue import CATALOGUE

T, W, S, K, E = "9f1c0d4e2b7a4c35a1e0f3b2c4d5e6f7", "4be1", "e335", "k1", "ep_2Zc8"
_AUDIT = {"actor": "user:ada@example.com", "ip": "203.0.113.7", "user_agent": "curl/8.5",
          "method": "POST", "path": "/v1/api-keys"}
_RESULT = {"outputs": {"Model!B17": {"count": 10000, "mean": 152340.5, "std": 40211.2,
                                     "percentiles": [{"p": 5, "value": 86210.4}]}},
           "sensitivity": {"Model!B17": {"inputs": [{"input": "Model!B2", "spearman": 0.81}]}},
           "iterations_run": 10000, "compute_seconds": 0.42, "backend": "numpy"}

EXAMPLES: dict[str, dict[str, Any]] = {
    "tenant.created": {"name": "Acme Analytics", "plan": "pro"},
    "tenant.plan_changed": {"plan": "enterprise", "overrides": {"max_iterations": 50_000_000},
                            "previous_plan": "pro", "audit": _AUDIT},
    "user.invited": {"invitation_id": "inv1", "email": "ada@example.com", "role": "member",
                     "token_hash": "9b1e…", "expires_at": "2026-11-29T10:00:00+00:00",
                     "audit": _AUDIT},
    "user.created": {"user_id": "u1", "email": "ada@example.com", "name": "Ada",
                     "role": "admin", "password_hash": "$argon2id$…", "audit": _AUDIT},
    "user.role_changed": {"user_id": "u1", "role": "member", "previous_role": "admin",
                          "audit": _AUDIT},
    "api_key.issued": {"key_id": K, "key_hash": "5e88…", "name": "ci", "role": "admin"},
    "api_key.revoked": {"key_id": K},
    "workbook.uploaded": {"filename": "project-npv.xlsx", "sha256": "c9d9…", "size": 5464,
                          "uri": "file:///blobs/c9/c9d9…",
                          "limits": {"file_bytes": 10485760, "uncompressed_bytes": 104857600,
                                     "cells": 200000, "formulas": 1000,
                                     "area_cells": 2000000}},
    "workbook.parsed": {"sheets": [{"name": "Model", "formulas": 30}], "formula_count": 30,
                        "risk_inputs": [{"cell": "Model!B3", "distribution": "RiskTriang"}],
                        "risk_outputs": ["Model!B17"]},
    "workbook.rejected": {"reason": "not an xlsx workbook: missing xl/workbook.xml"},
    "simulation.requested": {"simulation_id": S, "workbook_id": W, "workbook_sha256": "c9d9…",
                             "inputs": {"Model!B2": {"distribution": "normal",
                                                     "params": [10000, 1500]}},
                             "outputs": ["Model!B17"], "iterations": 10000, "seed": 2026,
                             "sampling": "lhs", "backend": "numpy"},
    "simulation.released": {"simulation_id": S},
    "simulation.decided": {"simulation_id": S, "accepted": True},
    "billing.customer_created": {"customer_id": "cus_Q1w2E3"},
    "billing.subscription_created": {"subscription_id": "sub_1", "plan": "pro",
                                     "customer_id": "cus_Q1w2E3"},
    "billing.subscription_cancelled": {"subscription_id": "sub_1"},
    "billing.subscription_updated": {"subscription_id": "sub_1", "status": "active",
                                     "stripe_event_id": "evt_1"},
    "billing.invoice_paid": {"invoice_id": "in_1", "amount_cents": 4900, "currency": "usd",
                             "stripe_event_id": "evt_2"},
    "billing.payment_failed": {"invoice_id": "in_2", "amount_cents": 4900, "currency": "usd",
                               "stripe_event_id": "evt_3"},
    "auth.login_succeeded": {"email": "ada@example.com", "audit": _AUDIT},
    "auth.login_failed": {"email": "ada@example.com", "reason": "wrong password",
                          "audit": _AUDIT},
    "auth.permission_denied": {"required_role": "admin", "role": "member", "audit": _AUDIT},
    "auth.rate_limited": {"limit": 300, "route_class": "write", "audit": _AUDIT},
    "simulation.accepted": {"simulation_id": S, "workbook_id": W, "iterations": 10000,
                            "backend": "numpy"},
    "simulation.rejected": {"reason": "concurrent_simulations limit is 2; current use 2",
                            "refusal": {"limit": "concurrent_simulations", "value": 2,
                                        "current": 2, "resets_at": None}},
    "simulation.started": {"iterations": 10000, "backend": "numpy"},
    "simulation.progressed": {"iterations_done": 5000, "iterations_total": 10000,
                              "fraction": 0.5, "eta_seconds": 0.4},
    "simulation.completed": _RESULT,
    "simulation.failed": {"reason": "Model!B9: #DIV/0! in every trial", "iterations_run": 0,
                          "compute_seconds": 0.01, "backend": "numpy"},
    "simulation.cancel_requested": {},
    "simulation.cancelled": {"iterations_run": 3000, "compute_seconds": 0.1, "backend": "numpy"},
    "simulation.results_expired": {"retention_days": 30,
                                   "completed_at": "2026-10-01T09:30:00+00:00"},
    "subject.erased": {"subject": "3f0a…", "key_id": "9c41d0e2a7b35f18", "audit": _AUDIT},
    "usage.recorded": {"simulation_id": S, "iterations": 10000, "compute_seconds": 0.42,
                       "backend": "numpy"},
    "billing.usage_reported": {"usage_event_id": "u9", "simulation_id": S,
                               "customer_id": "cus_Q1w2E3",
                               "meters": {"riskstream_iterations": 10000},
                               "meter_event_ids": ["mev_1"]},
    "webhook.endpoint_registered": {"endpoint_id": E, "url": "https://hooks.example.com/rs",
                                    "event_types": ["simulation."], "description": "ops",
                                    "secret": "whsec_…"},
    "webhook.secret_rotated": {"endpoint_id": E, "secret": "whsec_…",
                               "previous_valid_until": "2026-11-23T10:00:00+00:00"},
    "webhook.endpoint_disabled": {"endpoint_id": E, "reason": "the endpoint answered 410 Gone"},
    "webhook.endpoint_enabled": {"endpoint_id": E},
    "webhook.endpoint_deleted": {"endpoint_id": E},
    "webhook.message_created": {"message_id": "msg_2Zc8", "endpoint_id": E, "event_id": "a1",
                                "event_type": "simulation.completed", "aggregate": S,
                                "payload": {"type": "simulation.completed",
                                            "timestamp": "2026-11-22T10:00:00+00:00",
                                            "data": {"simulation_id": S}}},
    "webhook.attempted": {"message_id": "msg_2Zc8", "endpoint_id": E, "attempt": 1,
                          "attempted_at": "2026-11-22T10:00:00+00:00", "status_code": 503,
                          "latency_ms": 41.2, "outcome": "retrying", "error": None,
                          "response_excerpt": "busy",
                          "next_attempt_at": "2026-11-22T10:00:05+00:00"},
    "webhook.redelivery_requested": {"endpoint_id": E, "messages": [
        {"message_id": "msg_2Zc8", "aggregate": S, "payload": {"type": "simulation.completed",
                                                              "timestamp": "…", "data": {}}}]},
    "chunks.planned": {"simulation_id": S, "seed": 2026, "chunks": 30,
                       "chunk_size": 100_000},
    "chunk.requested": {"simulation_id": S, "workbook_sha256": "c9d9…",
                        "request": {"iterations": 3_000_000, "seed": 2026, "inputs": {},
                                    "outputs": ["Model!B17"]},
                        "chunk": {"index": 4, "start": 400_000, "count": 100_000}},
    "chunk.completed": {"simulation_id": S, "chunk": {"index": 4, "start": 400_000,
                                                      "count": 100_000},
                        "partial": {"format": 1, "values_sha256": "5be0…",
                                    "compute_seconds": 0.09}},
    "chunk.failed": {"simulation_id": S, "chunk": {"index": 4, "start": 400_000,
                                                   "count": 100_000},
                     "reason": "#VALUE! in Model!B3 in every trial"},
    "processing.failed": {"processor": "postgres-projector", "topic": "riskstream.tenants",
                          "partition": 1, "offset": 4211, "event_id": "0c6f…",
                          "event_type": "user.created", "failed_tenant_id": T,
                          "event_key": T, "error": "DataError: invalid byte sequence",
                          "size": 612, "message_b64": "eyJpZCI6…"},
    "processing.retry_requested": {"failure_id": "77d2…", "processor": "postgres-projector",
                                   "topic": "riskstream.tenants", "partition": 1,
                                   "offset": 4211, "message_b64": "eyJpZCI6…",
                                   "requested_by": "platform_admin:k7"},
}

_JSON_TYPES = ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"),
               (list, "array"), (dict, "object"))


def schema_of(value: Any) -> dict[str, Any]:
    """A JSON Schema that ``value`` satisfies: its types, and for objects the keys it shows."""
    if value is None:
        return {}
    kind = next(name for t, name in _JSON_TYPES if isinstance(value, t))
    schema: dict[str, Any] = {"type": kind}
    if isinstance(value, dict):
        schema["properties"] = {k: schema_of(v) for k, v in value.items()}
        schema["required"] = sorted(value)
    elif isinstance(value, list) and value:
        schema["items"] = schema_of(value[0])
    return schema


def describe() -> list[dict[str, Any]]:
    """Every event type with its version, topic, summary, body schema and example envelope."""
    entries = []
    for event_type in CATALOGUE.values():
        body = EXAMPLES.get(event_type.name, {})
        entries.append({
            "type": event_type.name, "version": event_type.version, "topic": event_type.topic,
            "summary": event_type.summary, "schema": {
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "title": event_type.name, **schema_of(body)},
            "example": {"id": "b7e0…", "type": event_type.name, "version": event_type.version,
                        "tenant_id": T, "key": body.get("endpoint_id", body.get(
                            "simulation_id", T)), "occurred_at": "2026-11-22T10:00:00+00:00",
                        "correlation_id": "c0ff…", "causation_id": "b7df…", "data": body},
        })
    return entries
