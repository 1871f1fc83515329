"""Tenants, their users and API keys, and data subjects: events of the ``tenants`` topic that
change who may do what (the plan's limits are the ledger's, see :mod:`streams.ledger`)."""

from __future__ import annotations

import re
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator

from streams.events.base import (
    SCOPES,
    Audit,
    Event,
    Moment,
    PersonalData,
    Role,
    Scope,
    Upcaster,
)
from streams.plans import PLANS, LimitValue, limits_for

_DSN = re.compile(r"^postgres(ql)?://[A-Za-z0-9_.-]+@[A-Za-z0-9_.-]+(:[0-9]{1,5})?/[A-Za-z0-9_.-]+$")


class PlanBody(Event):
    """A plan and the limits replacing its own."""

    plan: str
    overrides: dict[str, LimitValue] = Field(default_factory=dict)

    # the ledger applies plan and overrides (streams.plans): what it would refuse, fails here
    @field_validator("plan")
    @classmethod
    def _known_plan(cls, plan: str) -> str:
        if plan not in PLANS:
            raise ValueError(f"unknown plan {plan!r}; plans: {sorted(PLANS)}")
        return plan

    @field_validator("overrides")
    @classmethod
    def _known_limits(cls, overrides: dict[str, LimitValue]) -> dict[str, LimitValue]:
        limits_for("free", overrides)  # a limit's name and value do not depend on the plan
        return overrides


class TenantCreated(PlanBody, type="tenant.created", version=1, topic="tenants",
                    key="tenant id"):
    """A tenant exists, on a plan."""

    name: str
    audit: Audit | None = None  # operators' tenants are created from the CLI without one


class TenantPlanChanged(PlanBody, type="tenant.plan_changed", version=1, topic="tenants",
                        key="tenant id (plan and limit overrides)"):
    """The tenant's plan and limit overrides."""

    previous_plan: str | None = None
    audit: Audit | None = None


class TenantPlacementChanged(Event, type="tenant.placement_changed", version=1,
                             topic="tenants", key="tenant id (where its views live)"):
    """Where the tenant's views live: ``moving`` while the new database catches up (reads
    stay where they were), ``switching`` when the old copy stops changing, ``placed`` when
    reads switch to the new one, ``released`` when the previous database drops its copy."""

    database: str  # "shared", or the database's DSN without a password
    state: Literal["moving", "switching", "placed", "released"]
    previous: str = "shared"

    @field_validator("database", "previous")
    @classmethod
    def _no_password(cls, database: str) -> str:
        if database != "shared" and not _DSN.match(database):
            raise ValueError("a placement is 'shared' or postgresql://user@host:port/database"
                             " (passwords come from the password file, never the log)")
        return database


class UserInvited(PersonalData, type="user.invited", version=1, topic="tenants",
                  key="tenant id (only the token's hash kept)"):
    """An admin invited an email with a role."""

    invitation_id: str
    email: str
    role: Role
    token_hash: str
    expires_at: Moment
    audit: Audit


class UserCreated(PersonalData, type="user.created", version=1, topic="tenants",
                  key="tenant id"):
    """A user of a tenant: email, role, password hash."""

    user_id: str
    email: str
    name: str
    role: Role
    password_hash: str
    invitation_id: str | None = None  # the invitation it accepted
    audit: Audit


class UserRoleChanged(Event, type="user.role_changed", version=1, topic="tenants",
                      key="tenant id"):
    """A user's role: member, admin, platform_admin."""

    user_id: str
    role: Role
    previous_role: Role | None = None
    audit: Audit


def _key_issued_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    # v1 keys were a tenant's only credential, so they could do anything in it; v2 names a role.
    return {"name": "", "role": "admin", **data}


class ApiKeyIssued(Event, type="api_key.issued", version=2, topic="tenants", key="tenant id"):
    """An API key was issued; only its hash is kept."""

    upcasters: ClassVar[dict[int, Upcaster]] = {1: _key_issued_v1_to_v2}
    key_id: str
    key_hash: str
    name: str
    role: Role
    # keys issued without scopes (all of them, before scopes existed) keep full access:
    # every scope, still bounded by the role
    scopes: list[Scope] = Field(default_factory=lambda: list(SCOPES), min_length=1)
    audit: Audit | None = None


class ApiKeyRevoked(Event, type="api_key.revoked", version=1, topic="tenants", key="tenant id"):
    """An API key no longer authenticates."""

    key_id: str
    audit: Audit | None = None


class SubjectErased(Event, type="subject.erased", version=1, topic="tenants",
                    key="tenant id (a data subject's key destroyed)"):
    """A data subject's key was destroyed: their personal data reads [erased]."""

    subject: str
    key_id: str
    audit: Audit
