"""Secrets the service must read back, sealed where they rest: webhook signing secrets in the
log, TOTP secrets in the log and in the sign-in views.

The log and the views are copied (replicas, backups, exports, the replay of a new projection)
and read by more people than the service's settings are. A secret written to them is sealed
with AES-256-GCM under a key derived (HKDF-SHA256) from ``sealing_key``, or from
``jwt_secret`` where no sealing key is set, and bound to what it belongs to (the endpoint, the
user) as associated data, so a sealed value copied onto another record does not open. The
stored form names its key: ``sealed:v1:<key id>:<base64 nonce + ciphertext>``. Values written
before sealing (clear text) read as they are.

Rotation: a new ``sealing_key`` seals from then on; the keys it replaced stay readable while
they are listed in ``sealing_retired_keys``, and what the JWT secret's key sealed before any
sealing key was set stays readable while the JWT secret is the same.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from infra.settings import Settings

PREFIX = "sealed:v1:"
_INFO = b"riskstream sealed secrets v1"


class SealedSecretError(ValueError):
    """A sealed value this process cannot open: its key is not held, or it was altered."""


def _derive(secret: str) -> bytes:
    key: bytes = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        secret.encode())
    return key


def _key_id(key: bytes) -> str:
    return hashlib.sha256(b"key id:" + key).hexdigest()[:12]


def is_sealed(value: str) -> bool:
    return value.startswith(PREFIX)


class SecretBox:
    """Seals with the current key; opens with any key it holds."""

    def __init__(self, current: str, retired: tuple[str, ...] = ()) -> None:
        self._current = _derive(current)
        self.key_id = _key_id(self._current)
        self._keys = {_key_id(k): k for k in (self._current, *map(_derive, retired))}

    def seal(self, secret: str, belongs_to: str) -> str:
        """``secret`` sealed for the record ``belongs_to`` (e.g. ``"webhook:ep_…"``)."""
        nonce = os.urandom(12)
        box = AESGCM(self._current).encrypt(nonce, secret.encode(), belongs_to.encode())
        return f"{PREFIX}{self.key_id}:{base64.b64encode(nonce + box).decode()}"

    def open(self, stored: str, belongs_to: str) -> str:
        """The secret ``stored`` holds (a value written in the clear is returned as it is)."""
        if not is_sealed(stored):
            return stored
        key_id, _, body = stored[len(PREFIX):].partition(":")
        key = self._keys.get(key_id)
        if key is None:
            raise SealedSecretError(
                f"a secret of {belongs_to} is sealed under key {key_id}, which this process"
                " does not hold: set RISKSTREAM_SEALING_KEY to it, or list it in"
                " RISKSTREAM_SEALING_RETIRED_KEYS")
        try:
            raw = base64.b64decode(body, validate=True)
            return AESGCM(key).decrypt(raw[:12], raw[12:], belongs_to.encode()).decode()
        except (InvalidTag, binascii.Error, ValueError) as exc:
            raise SealedSecretError(f"the sealed secret of {belongs_to} does not open under"
                                    f" key {key_id}: altered, or sealed for another record"
                                    ) from exc


@lru_cache(maxsize=8)
def _box(current: str, retired: tuple[str, ...]) -> SecretBox:
    return SecretBox(current, retired)


def secret_box(settings: Settings) -> SecretBox:
    """The box for ``settings``' keys (one per key set, shared)."""
    current = settings.sealing_key or settings.jwt_secret
    retired = [k.get_secret_value() for k in settings.sealing_retired_keys]
    # what was sealed before a sealing key was set opens while the JWT secret is the same
    return _box(current.get_secret_value(), (*retired, settings.jwt_secret.get_secret_value()))
