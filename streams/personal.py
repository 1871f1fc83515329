"""Personal data in events, sealed per data subject so that it can be erased from an
append-only log.

The subject is the person an e-mail address names: ``subject_id(email)`` is the sha256 of the
lower-cased address, the one identifier present in every event that carries personal data
(invitations, users, sign-ins, including failed ones for unknown addresses). When an event is
written, its personal fields are encrypted together with the subject's key (AES-256-GCM, the
event id as associated data) and replaced by ``"[sealed]"``; the body gains
``personal: {subject, key_id, fields, ciphertext}``. Readers reveal the fields with the key;
once the key is destroyed (``subject.erased``) they read ``"[erased]"``. A subject erased and
seen again gets a new key, so ``key_id`` tells which of its events an erasure made unreadable.
The stored bytes never change, so the log's hash chains still verify.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from streams.envelope import Envelope
from streams.events import (
    AuthLoggedOut,
    AuthLoginFailed,
    AuthLoginSucceeded,
    AuthMfaDisabled,
    AuthMfaEnabled,
    AuthMfaEnrolled,
    AuthRateLimited,
    AuthRecoveryCodeUsed,
    AuthRefreshIssued,
    AuthRefreshReused,
    UserCreated,
    UserInvited,
)

SEALED, ERASED = "[sealed]", "[erased]"
# Fields holding the subject's own data, by event type ("audit.ip": the ip in the audit object;
# in sign-in events the audit describes the person signing in).
_SIGN_IN = ("email", "audit.ip", "audit.user_agent")
PERSONAL_FIELDS: dict[str, tuple[str, ...]] = {
    UserInvited.type: ("email",),
    UserCreated.type: ("email", "name"),
    AuthLoginSucceeded.type: _SIGN_IN,
    AuthLoginFailed.type: _SIGN_IN,
    AuthRateLimited.type: _SIGN_IN,
    AuthRefreshIssued.type: _SIGN_IN,
    AuthRefreshReused.type: _SIGN_IN,
    AuthLoggedOut.type: _SIGN_IN,
    AuthRecoveryCodeUsed.type: _SIGN_IN,
    AuthMfaEnabled.type: _SIGN_IN,
    AuthMfaDisabled.type: _SIGN_IN,
    # the TOTP secret is sealed with the person's data: erasing them makes it unreadable
    AuthMfaEnrolled.type: (*_SIGN_IN, "totp_secret"),
}


class Sealer(Protocol):
    """Seals the personal data of events about to be written (the subjects' keys are its)."""

    async def seal(self, events: list[Envelope]) -> list[Envelope]: ...


class Opener(Protocol):
    """Reveals an event's personal data with its subject's current key (see ``reveal``)."""

    async def open(self, event: Envelope) -> Envelope: ...


def new_key() -> bytes:
    key: bytes = AESGCM.generate_key(bit_length=256)
    return key


def key_id(key: bytes) -> str:
    """A key's public fingerprint."""
    return hashlib.sha256(key).hexdigest()[:16]


def subject_id(email: str) -> str:
    """The data subject an e-mail address names."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def subject_of(event: Envelope) -> str | None:
    """The subject whose data ``event`` carries in the clear, if any (None once sealed)."""
    email = event.data.get("email")
    if event.type in PERSONAL_FIELDS and "personal" not in event.data \
            and isinstance(email, str) and email:
        return subject_id(email)
    return None


def _get(data: dict[str, Any], path: str) -> Any:
    head, _, rest = path.partition(".")
    value = data.get(head)
    return _get(value, rest) if rest and isinstance(value, dict) else (None if rest else value)


def _with(data: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``data`` with each dotted path set to its value."""
    out = dict(data)
    for path, value in values.items():
        head, _, rest = path.partition(".")
        out[head] = _with(out[head], {rest: value}) if rest else value
    return out


def seal(event: Envelope, key: bytes) -> Envelope:
    """``event`` with its personal fields encrypted under its subject's ``key``."""
    subject = subject_of(event)
    if subject is None:
        return event
    fields = [f for f in PERSONAL_FIELDS[event.type] if _get(event.data, f) is not None]
    plain = json.dumps({f: _get(event.data, f) for f in fields}, sort_keys=True).encode()
    nonce = os.urandom(12)
    sealed = nonce + AESGCM(key).encrypt(nonce, plain, event.id.encode())
    data = _with(event.data, dict.fromkeys(fields, SEALED))
    data["personal"] = {"subject": subject, "key_id": key_id(key), "fields": fields,
                        "ciphertext": base64.b64encode(sealed).decode()}
    return event.with_data(data, event.version)


def sealed_subject(event: Envelope) -> str | None:
    """The subject of a sealed event (None for events without personal data)."""
    personal = event.data.get("personal")
    return str(personal["subject"]) if isinstance(personal, dict) else None


def reveal(event: Envelope, key: bytes | None) -> Envelope:
    """``event`` with its personal fields decrypted, or ``"[erased]"`` without a key that opens
    them; ``personal`` keeps the subject, key id and field names, not the ciphertext."""
    personal = event.data.get("personal")
    if not isinstance(personal, dict) or "ciphertext" not in personal:
        return event
    fields: list[str] = personal["fields"]
    values: dict[str, Any] = dict.fromkeys(fields, ERASED)
    if key is not None:
        sealed = base64.b64decode(personal["ciphertext"])
        # a key created after an erasure opens nothing sealed before it
        with contextlib.suppress(InvalidTag):
            values = json.loads(AESGCM(key).decrypt(sealed[:12], sealed[12:], event.id.encode()))
    data = _with(event.data, values)
    data["personal"] = {k: v for k, v in personal.items() if k != "ciphertext"}
    return event.with_data(data, event.version)


def erased(data: dict[str, Any]) -> dict[str, Any]:
    """A revealed body with its personal fields erased (what a replay after erasure reveals)."""
    return _with(data, dict.fromkeys(data["personal"]["fields"], ERASED))
