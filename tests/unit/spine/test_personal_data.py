"""Sealing personal data per subject (pure): the stored body holds no plaintext, the key reveals
it, and without the key (or with one created after an erasure) it reads "[erased]"."""

from __future__ import annotations

from streams.catalogue import new_event
from streams.personal import ERASED, SEALED, new_key, reveal, seal, subject_id, subject_of


def login() -> object:
    return new_event("auth.login_failed", "t1", "t1", {
        "email": "Ada@Example.com", "reason": "wrong password",
        "audit": {"actor": None, "ip": "203.0.113.7", "user_agent": "curl/8.5"}})


def test_sealed_fields_reveal_with_the_key_and_read_erased_without_it() -> None:
    event = login()
    key = new_key()
    sealed = seal(event, key)  # type: ignore[arg-type]
    raw = sealed.to_json()
    assert b"Example.com" not in raw and b"203.0.113.7" not in raw and b"curl" not in raw
    assert sealed.data["email"] == SEALED and sealed.data["audit"]["ip"] == SEALED
    assert sealed.data["reason"] == "wrong password" and subject_of(sealed) is None
    assert sealed.data["personal"]["subject"] == subject_id(" ada@example.COM")

    shown = reveal(sealed, key)
    assert shown.data["email"] == "Ada@Example.com"
    assert shown.data["audit"] == {"actor": None, "ip": "203.0.113.7", "user_agent": "curl/8.5"}
    assert "ciphertext" not in shown.data["personal"]
    for gone in (reveal(sealed, None), reveal(sealed, new_key())):
        assert gone.data["email"] == gone.data["audit"]["ip"] == ERASED
        assert gone.data["audit"]["actor"] is None


def test_events_without_personal_data_pass_unchanged() -> None:
    event = new_event("simulation.started", "t1", "s1", {"iterations": 5})
    assert seal(event, new_key()) == event and reveal(event, None) == event
