"""Secrets sealed where they rest (infra.secretbox): they open only under a key the process
holds and only for the record they were sealed for; clear values written before sealing read
as they are; a retired key still opens what it sealed."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from infra.secretbox import SealedSecretError, SecretBox, is_sealed, secret_box
from infra.settings import Settings

KEY, OTHER = "k" * 40, "o" * 40


def test_a_sealed_secret_opens_for_its_record_only() -> None:
    box = SecretBox(KEY)
    sealed = box.seal("whsec_abc", "webhook:ep_1")
    assert is_sealed(sealed) and "whsec_abc" not in sealed
    assert sealed != box.seal("whsec_abc", "webhook:ep_1")  # a fresh nonce each time
    assert box.open(sealed, "webhook:ep_1") == "whsec_abc"
    with pytest.raises(SealedSecretError, match="sealed for another record"):
        box.open(sealed, "webhook:ep_2")  # copied onto another endpoint


def test_an_altered_value_or_an_unknown_key_is_refused_by_name() -> None:
    box = SecretBox(KEY)
    sealed = box.seal("JBSWY3DPEHPK3PXP", "totp:u1")
    prefix, _, body = sealed.rpartition(":")
    flipped = prefix + ":" + ("A" if body[0] != "A" else "B") + body[1:]
    with pytest.raises(SealedSecretError, match="altered"):
        box.open(flipped, "totp:u1")
    with pytest.raises(SealedSecretError, match="altered"):
        box.open(prefix + ":not base64!", "totp:u1")
    with pytest.raises(SealedSecretError, match=f"key {box.key_id}.*RISKSTREAM_SEALING_KEY"):
        SecretBox(OTHER).open(sealed, "totp:u1")


def test_clear_values_from_before_sealing_read_as_they_are() -> None:
    assert SecretBox(KEY).open("whsec_written_in_the_clear", "webhook:ep_1") == \
        "whsec_written_in_the_clear"


def test_rotation_keeps_what_the_retired_key_sealed_readable() -> None:
    old = SecretBox(KEY).seal("s1", "webhook:ep_1")
    rotated = SecretBox(OTHER, retired=(KEY,))
    assert rotated.open(old, "webhook:ep_1") == "s1"
    assert rotated.seal("s2", "x").split(":")[2] == rotated.key_id != SecretBox(KEY).key_id


def test_the_settings_choose_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("RISKSTREAM_SEALING_KEY", "RISKSTREAM_SEALING_RETIRED_KEYS"):
        monkeypatch.delenv(name, raising=False)
    plain = Settings(jwt_secret=SecretStr(KEY))
    own = Settings(jwt_secret=SecretStr(KEY), sealing_key=SecretStr(OTHER))
    moved = Settings(jwt_secret=SecretStr("j" * 40), sealing_key=SecretStr(OTHER),
                     sealing_retired_keys=[SecretStr(KEY)])
    assert secret_box(plain).key_id == SecretBox(KEY).key_id  # from the JWT secret, derived
    assert secret_box(own).key_id == SecretBox(OTHER).key_id
    assert secret_box(moved).open(secret_box(plain).seal("t", "r"), "r") == "t"
    assert secret_box(own).open(secret_box(plain).seal("u", "r"), "r") == "u"  # key set later
    with pytest.raises(SealedSecretError):  # neither listed nor the same JWT secret
        secret_box(moved).open(secret_box(own).seal("v", "r").replace(
            secret_box(own).key_id, "0" * 12), "r")
    with pytest.raises(ValueError, match="at least 32"):
        Settings(jwt_secret=SecretStr(KEY), sealing_key=SecretStr("short"))
