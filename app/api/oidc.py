"""OpenID Connect sign-in as a relying party: discovery, the authorization code flow with
PKCE (S256), and the ID token checked against the provider's JWKS (signature, issuer,
audience, expiry, nonce) with PyJWT.

A provider is a tenant's own (a public client: PKCE, no secret, configured by an event) or
the one in settings (``oidc_issuer``, optionally a confidential client). What the flow must
remember between the redirect and the callback (state, verifier, nonce) waits in Redis for ten
minutes and is used once. Discovery documents and key sets are kept for ``ttl_s``
(:class:`ProviderCache`); an ID token signed by a key the set does not hold fetches it anew
(the provider rotated its keys), at most once every ``refetch_s`` per provider.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from dataclasses import asdict, dataclass
from typing import Any, Literal
from urllib.parse import urlencode

import httpx
import jwt
from redis.asyncio import Redis

FLOW_TTL_S = 600
SIGNING_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384"]


class OidcError(Exception):
    """The provider could not be used or vouched for nobody; the message says why."""


@dataclass(frozen=True)
class Provider:
    """Where to send users, and who RiskStream is there."""

    issuer: str
    client_id: str
    client_secret: str | None = None
    tenant_id: str | None = None  # None: the provider in settings, for every tenant
    # the role of the users it may create; None: none
    create_users_as: Literal["member", "admin"] | None = None


@dataclass(frozen=True)
class Discovery:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


@dataclass(frozen=True)
class Flow:
    """One sign-in between the redirect and the callback."""

    verifier: str
    nonce: str
    redirect_uri: str
    issuer: str
    client_id: str
    tenant_id: str | None


async def discover(http: httpx.AsyncClient, issuer: str) -> Discovery:
    """The provider's endpoints from its discovery document, which must name the same issuer."""
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        response = await http.get(url)
        response.raise_for_status()
        doc = response.json()
        found = Discovery(doc["issuer"], doc["authorization_endpoint"], doc["token_endpoint"],
                          doc["jwks_uri"])
    # InvalidURL is no HTTPError: an issuer whose host httpx cannot spell (IDNA, a bracket)
    except (httpx.HTTPError, httpx.InvalidURL, ValueError, KeyError, TypeError) as exc:
        raise OidcError(f"no usable discovery document at {url}: {exc!r}") from None
    if found.issuer.rstrip("/") != issuer.rstrip("/"):
        raise OidcError(f"the discovery document names issuer {found.issuer}, not {issuer}")
    return found


class ProviderCache:
    """Providers' discovery documents and JSON Web Key Sets, kept for ``ttl_s``; a token
    naming a key the set lacks refetches it, no more often than every ``refetch_s`` (tokens
    with made-up key ids cannot make RiskStream hammer the provider)."""

    def __init__(self, ttl_s: float, refetch_s: float) -> None:
        self.ttl_s, self.refetch_s = ttl_s, refetch_s
        self._discovery: dict[str, tuple[float, Discovery]] = {}
        self._keys: dict[str, tuple[float, jwt.PyJWKSet]] = {}

    async def discovery(self, http: httpx.AsyncClient, issuer: str) -> Discovery:
        held = self._discovery.get(issuer)
        if held is not None and time.monotonic() - held[0] < self.ttl_s:
            return held[1]
        found = await discover(http, issuer)
        self._discovery[issuer] = (time.monotonic(), found)
        return found

    async def keys(self, http: httpx.AsyncClient, jwks_uri: str, kid: str | None
                   ) -> jwt.PyJWKSet:
        """The provider's keys, fetched again when stale or when ``kid`` is not among them."""
        held = self._keys.get(jwks_uri)
        if held is not None:
            age = time.monotonic() - held[0]
            known = kid is None or any(k.key_id == kid for k in held[1].keys)
            if age < self.ttl_s and (known or age < self.refetch_s):
                return held[1]
        keys = jwt.PyJWKSet.from_dict((await http.get(jwks_uri)).json())
        self._keys[jwks_uri] = (time.monotonic(), keys)
        return keys


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


async def begin(redis: Redis, prefix: str, provider: Provider, discovery: Discovery,
                redirect_uri: str) -> str:
    """The provider's authorization URL for a new flow (remembered under its state)."""
    state = secrets.token_urlsafe(24)
    flow = Flow(secrets.token_urlsafe(48), secrets.token_urlsafe(16), redirect_uri,
                provider.issuer, provider.client_id, provider.tenant_id)
    await redis.set(f"{prefix}:oidc-flow:{state}", json.dumps(asdict(flow)), ex=FLOW_TTL_S)
    query = urlencode({"response_type": "code", "client_id": provider.client_id,
                       "redirect_uri": redirect_uri, "scope": "openid email profile",
                       "state": state, "nonce": flow.nonce,
                       "code_challenge": _challenge(flow.verifier),
                       "code_challenge_method": "S256"})
    return f"{discovery.authorization_endpoint}?{query}"


async def resume(redis: Redis, prefix: str, state: str) -> Flow | None:
    """The flow ``state`` names, used up; None when unknown or expired."""
    stored = await redis.getdel(f"{prefix}:oidc-flow:{state}")
    return Flow(**json.loads(stored)) if stored else None


async def finish(http: httpx.AsyncClient, cache: ProviderCache, provider: Provider, flow: Flow,
                 code: str) -> dict[str, Any]:
    """The ID token's claims, once the code is exchanged and the token verified."""
    discovery = await cache.discovery(http, provider.issuer)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": flow.redirect_uri,
            "client_id": provider.client_id, "code_verifier": flow.verifier}
    if provider.client_secret:  # client_secret_post: a confidential client proves itself too
        form["client_secret"] = provider.client_secret
    try:
        response = await http.post(discovery.token_endpoint, data=form)
        if response.status_code != 200:
            raise OidcError(f"the provider refused the code ({response.status_code}):"
                            f" {response.text[:200]}")
        id_token = str(response.json()["id_token"])
        keys = await cache.keys(http, discovery.jwks_uri,
                                jwt.get_unverified_header(id_token).get("kid"))
    except (httpx.HTTPError, httpx.InvalidURL, ValueError, KeyError, jwt.PyJWTError) as exc:
        raise OidcError(f"the provider's token endpoint or JWKS failed: {exc!r}") from None
    return verify(id_token, keys, provider, flow.nonce)


def verify(id_token: str, keys: jwt.PyJWKSet, provider: Provider, nonce: str) -> dict[str, Any]:
    """The claims of an ID token signed by one of ``keys`` for this client and ``nonce``."""
    try:
        kid = jwt.get_unverified_header(id_token).get("kid")
        key = next((k for k in keys.keys if kid is None or k.key_id == kid), None)
        if key is None:
            raise OidcError(f"the ID token's key {kid!r} is not in the provider's JWKS")
        claims: dict[str, Any] = jwt.decode(
            id_token, key.key, algorithms=SIGNING_ALGORITHMS, audience=provider.client_id,
            issuer=provider.issuer, options={"require": ["exp", "iat", "sub", "aud", "iss"]})
    except jwt.PyJWTError as exc:
        raise OidcError(f"the ID token is not valid: {exc}") from None
    if claims.get("nonce") != nonce:
        raise OidcError("the ID token's nonce is not this sign-in's")
    return claims
