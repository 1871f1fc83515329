"""The OIDC provider cache: documents and key sets kept, a rotated key fetched anew, made-up
key ids not turned into a stream of downloads."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from app.api.oidc import ProviderCache

JWKS = "https://login.example.com/jwks"


def _key_set(kid: str) -> dict[str, Any]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return {"keys": [{**RSAAlgorithm.to_jwk(key.public_key(), as_dict=True), "kid": kid,
                      "alg": "RS256", "use": "sig"}]}


@pytest.fixture
def provider() -> tuple[list[str], httpx.AsyncClient, list[str]]:
    served = ["k1"]  # the key id the provider publishes now; one entry per download after
    fetches: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        fetches.append(served[0])
        return httpx.Response(200, json=_key_set(served[0]))

    return served, httpx.AsyncClient(transport=httpx.MockTransport(answer)), fetches


async def test_known_keys_are_kept_and_a_rotated_key_is_fetched_once(provider: Any) -> None:
    served, http, fetches = provider
    cache = ProviderCache(ttl_s=3600, refetch_s=0)
    assert [k.key_id for k in (await cache.keys(http, JWKS, "k1")).keys] == ["k1"]
    await cache.keys(http, JWKS, "k1")
    assert fetches == ["k1"]
    served[0] = "k2"
    assert [k.key_id for k in (await cache.keys(http, JWKS, "k2")).keys] == ["k2"]
    await cache.keys(http, JWKS, "k2")
    assert fetches == ["k1", "k2"]


async def test_unknown_key_ids_refetch_no_more_often_than_the_floor(provider: Any) -> None:
    _served, http, fetches = provider
    cache = ProviderCache(ttl_s=3600, refetch_s=60)
    await cache.keys(http, JWKS, "k1")
    for forged in ("x1", "x2", "x3"):
        await cache.keys(http, JWKS, forged)
    assert fetches == ["k1"]


async def test_a_stale_set_is_fetched_again(provider: Any) -> None:
    _served, http, fetches = provider
    cache = ProviderCache(ttl_s=0, refetch_s=60)
    await cache.keys(http, JWKS, "k1")
    await cache.keys(http, JWKS, "k1")
    assert len(fetches) == 2
