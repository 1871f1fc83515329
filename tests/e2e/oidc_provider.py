"""A small OpenID Connect provider on 127.0.0.1 for the sign-in tests: discovery, /authorize
(which signs in whoever ``signs_in`` names, without a login page), /token (checking the PKCE
verifier) and /jwks, with RSA keys of its own. Real HTTP, real RS256 signatures."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import jwt
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Form, HTTPException
from fastapi.responses import RedirectResponse
from jwt.algorithms import RSAAlgorithm

CLIENT_ID = "riskstream-tests"


def _rsa() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class LocalProvider:
    """Set ``signs_in`` to the e-mail the next sign-in vouches for; ``forge`` signs ID tokens
    with a key that is not in the JWKS; ``rotate`` replaces the signing key (and its id);
    ``jwks_fetches`` counts the key set's downloads."""

    signs_in: str = ""
    forge: bool = False
    key: rsa.RSAPrivateKey = field(default_factory=_rsa)
    rogue: rsa.RSAPrivateKey = field(default_factory=_rsa)
    kid: str = field(default_factory=lambda: secrets.token_hex(4))
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    jwks_fetches: int = 0
    server: uvicorn.Server | None = None
    task: asyncio.Task[None] | None = None

    @property
    def issuer(self) -> str:
        assert self.server is not None
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def start(self) -> LocalProvider:
        self.server = uvicorn.Server(uvicorn.Config(self.app(), host="127.0.0.1", port=0,
                                                    log_level="warning", lifespan="off"))
        self.task = asyncio.create_task(self.server.serve())
        while not self.server.started:
            await asyncio.sleep(0.02)
        return self

    def rotate(self) -> None:
        self.key, self.kid = _rsa(), secrets.token_hex(4)

    async def stop(self) -> None:
        if self.server is not None and self.task is not None:
            self.server.should_exit = True
            await self.task

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/.well-known/openid-configuration")
        async def discovery() -> dict[str, Any]:
            return {"issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
                    "token_endpoint": f"{self.issuer}/token", "jwks_uri": f"{self.issuer}/jwks",
                    "response_types_supported": ["code"],
                    "code_challenge_methods_supported": ["S256"],
                    "id_token_signing_alg_values_supported": ["RS256"]}

        @app.get("/jwks")
        async def jwks() -> dict[str, Any]:
            self.jwks_fetches += 1
            public = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
            return {"keys": [{**public, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

        @app.get("/authorize")
        async def authorize(response_type: str, client_id: str, redirect_uri: str, state: str,
                            nonce: str, code_challenge: str,
                            code_challenge_method: str) -> RedirectResponse:
            if (response_type, client_id, code_challenge_method) != ("code", CLIENT_ID, "S256"):
                raise HTTPException(400, "unsupported request")
            code = secrets.token_urlsafe(16)
            self.codes[code] = {"challenge": code_challenge, "nonce": nonce,
                                "redirect_uri": redirect_uri, "email": self.signs_in}
            return RedirectResponse(f"{redirect_uri}?{urlencode({'code': code, 'state': state})}",
                                    status_code=302)

        @app.post("/token")
        async def token(grant_type: str = Form(), code: str = Form(), client_id: str = Form(),
                        redirect_uri: str = Form(), code_verifier: str = Form()
                        ) -> dict[str, Any]:
            grant = self.codes.pop(code, None)
            digest = hashlib.sha256(code_verifier.encode()).digest()
            challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            if (grant is None or grant_type != "authorization_code" or client_id != CLIENT_ID
                    or redirect_uri != grant["redirect_uri"] or challenge != grant["challenge"]):
                raise HTTPException(400, "invalid_grant")
            now = int(time.time())
            claims = {"iss": self.issuer, "sub": hashlib.sha256(grant["email"].encode())
                      .hexdigest()[:16], "aud": CLIENT_ID, "iat": now, "exp": now + 300,
                      "nonce": grant["nonce"], "email": grant["email"], "email_verified": True}
            id_token = jwt.encode(claims, self.rogue if self.forge else self.key,
                                  algorithm="RS256", headers={"kid": self.kid})
            return {"access_token": secrets.token_urlsafe(16), "token_type": "Bearer",
                    "expires_in": 300, "id_token": id_token}

        return app
