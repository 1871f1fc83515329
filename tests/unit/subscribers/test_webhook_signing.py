"""Standard Webhooks signatures: the specification's reference vector, rotation with two
signatures, and the receiver's check refusing tampering and stale timestamps."""

from __future__ import annotations

import pytest

from streams.webhooks.signing import WebhookVerificationError, headers, new_secret, sign, verify

SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID, SPEC_TS, SPEC_BODY = "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}'


def test_signature_matches_the_specification_vector() -> None:
    assert sign(SPEC_SECRET, SPEC_ID, SPEC_TS, SPEC_BODY) == (
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")


def test_receiver_accepts_any_current_secret_during_rotation() -> None:
    old, new = new_secret(), new_secret()
    assert old.startswith("whsec_") and old != new
    sent = headers([new, old], "msg_1", 1_700_000_000, b"{}")
    assert len(sent["webhook-signature"].split()) == 2
    for secret in (old, new):
        verify(secret, sent, b"{}", now=1_700_000_010)
    with pytest.raises(WebhookVerificationError, match="no webhook signature"):
        verify(new_secret(), sent, b"{}", now=1_700_000_010)


def test_receiver_refuses_altered_bodies_stale_timestamps_and_missing_headers() -> None:
    secret = new_secret()
    sent = headers([secret], "msg_1", 1_700_000_000, b'{"a":1}')
    with pytest.raises(WebhookVerificationError, match="no webhook signature"):
        verify(secret, sent, b'{"a":2}', now=1_700_000_000)
    with pytest.raises(WebhookVerificationError, match="tolerance"):
        verify(secret, sent, b'{"a":1}', now=1_700_000_000 + 301)
    with pytest.raises(WebhookVerificationError, match="missing"):
        verify(secret, {"webhook-id": "msg_1"}, b'{"a":1}')
    upper = {k.upper(): v for k, v in sent.items()}
    verify(secret, upper, b'{"a":1}', now=1_700_000_000)
