from datetime import UTC, datetime, timedelta

import pytest

from app.api.credentials import (
    InvalidToken,
    hash_key,
    hash_password,
    issue_token,
    new_api_key,
    password_matches,
    read_token,
)

SECRET = "s" * 40


def test_tokens_name_user_and_tenant_and_expire() -> None:
    token = issue_token(SECRET, "u1", "t1", 60)
    assert token.expires_in == 60 and read_token(SECRET, token.token) == ("u1", "t1")
    old = issue_token(SECRET, "u1", "t1", 60, now=datetime.now(UTC) - timedelta(minutes=2))
    with pytest.raises(InvalidToken, match="expired"):
        read_token(SECRET, old.token)


def test_forged_and_malformed_tokens_are_refused() -> None:
    forged = issue_token("f" * 40, "u1", "t1", 60).token
    for token in (forged, "abc", "a.b.c", forged[:-3]):
        with pytest.raises(InvalidToken):
            read_token(SECRET, token)


def test_passwords_are_argon2_and_an_unknown_user_never_matches() -> None:
    stored = hash_password("correct horse battery staple")
    assert stored.startswith("$argon2id$")
    assert password_matches(stored, "correct horse battery staple")
    assert not password_matches(stored, "wrong")
    assert not password_matches(None, "anything")
    assert not password_matches("not a hash", "anything")


def test_api_keys_are_random_and_stored_as_a_hash() -> None:
    key = new_api_key()
    assert key.startswith("rsk_") and key != new_api_key()
    assert hash_key(key) == hash_key(key) and key not in hash_key(key)
