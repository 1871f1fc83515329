"""API key scopes, checked on every authenticated route: which scope a route needs, and the
refusal (403, audited as ``auth.scope_denied``) when the key lacks it.

A route needs ``billing`` for plans, usage and invoices; ``admin`` to read keys, invitations,
the security audit and the tenant list, and to change users, webhooks, tenants and sign-in
settings; otherwise ``read`` to read and ``simulate`` to change anything else (upload
workbooks, run and cancel simulations). Scopes narrow a key within its role; they never widen
it. Access tokens of users are not scoped.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from fastapi import HTTPException, Request

from app.api.context import ApiContext
from app.api.security_log import audit, record_security_event
from streams.events import AuthScopeDenied, Scope

_BILLING = re.compile(r"^/v1/(billing|usage)(/|$)|^/v1/tenants/[^/]+/plan$")
_ADMIN = re.compile(r"^/v1/(api-keys|invitations|audit/security|admin)(/|$)|^/v1/tenants/?$")
_ADMIN_WRITES = re.compile(r"^/v1/(users|webhooks|tenants|auth/oidc)(/|$)")
READS = ("GET", "HEAD", "OPTIONS")


def required_scope(method: str, path: str) -> Scope:
    """The scope a request needs (see the module)."""
    if _BILLING.match(path):
        return "billing"
    if _ADMIN.match(path) or (method not in READS and _ADMIN_WRITES.match(path)):
        return "admin"
    return "read" if method in READS else "simulate"


async def check_scope(ctx: ApiContext, request: Request, tenant_id: str, credential: str,
                      scopes: Collection[Scope] | None) -> None:
    """403 (and an audit row) when a key with ``scopes`` asks beyond them; None is unscoped."""
    if scopes is None:
        return
    needed = required_scope(request.method, request.url.path)
    if needed in scopes:
        return
    held = sorted(scopes)
    await record_security_event(ctx, AuthScopeDenied(
        required_scope=needed, scopes=held, audit=audit(request, credential),
    ).event(tenant_id, tenant_id))
    raise HTTPException(403, [{"loc": ["header", "Authorization"],
                               "msg": f"{request.method} {request.url.path} needs the"
                               f" {needed!r} scope; this API key has {held}"}])
