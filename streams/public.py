"""What subscribers (event feed, stream, webhooks, audit) see of an event: the envelope at its
current version with credentials blanked out."""

from __future__ import annotations

from typing import Any

from streams.envelope import Envelope

# credentials in event bodies never leave through the subscriber or audit APIs: secrets, and
# the hashes of keys, passwords, tokens and recovery codes (tests/unit/events checks that every
# such field of every event model is named here)
REDACTED = frozenset({"secret", "key_hash", "password_hash", "token_hash", "totp_secret",
                      "recovery_code_hashes", "code_hash"})


def public_envelope(event: Envelope) -> dict[str, Any]:
    """The envelope as a JSON object, credentials in its body replaced by ``"[redacted]"``."""
    return {
        "id": event.id, "type": event.type, "version": event.version,
        "tenant_id": event.tenant_id, "key": event.key,
        "occurred_at": event.occurred_at.isoformat(), "correlation_id": event.correlation_id,
        "causation_id": event.causation_id,
        "data": {k: "[redacted]" if k in REDACTED else v for k, v in event.data.items()},
    }
