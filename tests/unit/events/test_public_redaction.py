"""Credentials never leave through the subscriber and audit APIs: every event field that holds
a secret or the hash of one is blanked in what subscribers see."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

import streams.events  # noqa: F401 - declares every event model
from streams.envelope import Envelope
from streams.events.base import DECLARED
from streams.events.examples import EXAMPLES
from streams.public import REDACTED, public_envelope

CREDENTIAL = re.compile(r"secret|password|_hash(es)?$")


def _fields(model: type[BaseModel], path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    for name, field in model.model_fields.items():
        found.append((*path, name))
        for inner in getattr(field.annotation, "__args__", ()) + (field.annotation,):
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                found += _fields(inner, (*path, name))
    return found


def test_every_credential_field_of_every_event_is_redacted() -> None:
    credentials = [(model.type, path) for model in DECLARED.values()
                   for path in _fields(model) if CREDENTIAL.search(path[-1])]
    assert any(path == ("totp_secret",) for _, path in credentials)  # the rule sees them
    exposed = [(t, path) for t, path in credentials if path[0] not in REDACTED]
    assert not exposed, exposed


def test_a_subscriber_sees_no_totp_secret_or_recovery_code_hash() -> None:
    data: dict[str, Any] = EXAMPLES["auth.mfa_enrolled"] if "auth.mfa_enrolled" in EXAMPLES \
        else next(v for k, v in EXAMPLES.items() if "totp_secret" in v)
    seen = public_envelope(Envelope(type="auth.mfa_enrolled", tenant_id="t", key="t",
                                    data=data))["data"]
    assert seen["totp_secret"] == "[redacted]" and seen["recovery_code_hashes"] == "[redacted]"
    assert data["totp_secret"] not in str(seen)
