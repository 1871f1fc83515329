"""The pure parts of sign-in: which scope a route needs, TOTP steps and recovery codes, and an
ID token's checks (signed here with a fresh RSA key; no provider needed)."""

from __future__ import annotations

import time

import jwt
import pyotp
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from app.api.oidc import OidcError, Provider, verify
from app.api.scopes import required_scope
from app.api.totp import matching_step, new_recovery_codes, recovery_code_hash


@pytest.mark.parametrize(("method", "path", "scope"), [
    ("GET", "/v1/simulations", "read"),
    ("GET", "/v1/users/u1", "read"),
    ("POST", "/v1/simulations", "simulate"),
    ("POST", "/v1/workbooks", "simulate"),
    ("POST", "/v1/simulations/s1/cancel", "simulate"),
    ("GET", "/v1/api-keys", "admin"),
    ("POST", "/v1/users", "admin"),
    ("GET", "/v1/audit/security", "admin"),
    ("GET", "/v1/tenants", "admin"),
    ("GET", "/v1/tenants/t1", "read"),
    ("PUT", "/v1/auth/oidc/provider", "admin"),
    ("GET", "/v1/billing", "billing"),
    ("GET", "/v1/usage", "billing"),
    ("PUT", "/v1/tenants/t1/plan", "billing"),
])
def test_each_route_needs_one_scope(method: str, path: str, scope: str) -> None:
    assert required_scope(method, path) == scope


def test_a_totp_code_matches_its_step_and_the_ones_either_side_only() -> None:
    secret, now = pyotp.random_base32(), 1_800_000_000.0
    totp = pyotp.TOTP(secret)
    step = totp.timecode(now)
    assert matching_step(secret, totp.at(now), now) == step
    assert matching_step(secret, totp.at(now - 30), now) == step - 1
    assert matching_step(secret, totp.at(now + 30), now) == step + 1
    assert matching_step(secret, totp.at(now + 90), now) is None


def test_recovery_codes_are_distinct_and_hashed_as_typed_loosely() -> None:
    codes = new_recovery_codes()
    assert len(set(codes)) == len(codes) == 10
    assert recovery_code_hash(f" {codes[0].upper()} ") == recovery_code_hash(codes[0])


def _token(key: rsa.RSAPrivateKey, **claims: object) -> str:
    now = int(time.time())
    body = {"iss": "https://id.example", "aud": "rs", "sub": "s", "iat": now, "exp": now + 60,
            "nonce": "n1", **claims}
    return jwt.encode(body, key, algorithm="RS256", headers={"kid": "k1"})


def test_an_id_token_is_checked_for_signature_audience_issuer_and_nonce() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = {**RSAAlgorithm.to_jwk(key.public_key(), as_dict=True), "kid": "k1", "alg": "RS256"}
    keys = jwt.PyJWKSet.from_dict({"keys": [jwk]})
    provider = Provider("https://id.example", "rs")
    assert verify(_token(key), keys, provider, "n1")["sub"] == "s"
    for token, nonce, why in ((_token(other), "n1", "signature"),
                              (_token(key, aud="else"), "n1", "audience"),
                              (_token(key, iss="https://evil.example"), "n1", "issuer"),
                              (_token(key), "n2", "nonce")):
        with pytest.raises(OidcError, match=f"(?i){why}"):
            verify(token, keys, provider, nonce)
