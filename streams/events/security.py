"""Security events: sign-ins and refusals, on a topic of their own so a flood of refused
requests never slows the ledger. Sign-in events describe the person signing in, so their
e-mail and audit address are personal data (see :mod:`streams.personal`)."""

from __future__ import annotations

from streams.events.base import Audit, Event, PersonalData


class AuthLoginSucceeded(PersonalData, type="auth.login_succeeded", version=1,
                         topic="security", key='tenant id ("" when unknown)'):
    """A user exchanged a password for a token."""

    email: str
    audit: Audit


class AuthLoginFailed(PersonalData, type="auth.login_failed", version=1, topic="security",
                      key='tenant id ("" when unknown)'):
    """A login was refused."""

    email: str
    reason: str
    audit: Audit


class AuthPermissionDenied(Event, type="auth.permission_denied", version=1, topic="security",
                           key="tenant id"):
    """A credential asked beyond its role."""

    required_role: str
    role: str
    field: str | None = None  # a field of the request only a higher role may set
    audit: Audit


class AuthRateLimited(PersonalData, type="auth.rate_limited", version=1, topic="security",
                      key="tenant id"):
    """A credential went over a rate limit."""

    limit: int
    route_class: str  # read, write or login
    email: str | None = None  # the address signing in, for the login limit
    audit: Audit
