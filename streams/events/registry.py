"""Every event type by name: the model that reads its body, upcasting old versions first."""

from __future__ import annotations

from pydantic import ValidationError

from streams.envelope import Envelope
from streams.events.base import Event
from streams.events.billing import (
    BillingCustomerCreated,
    BillingInvoicePaid,
    BillingPaymentFailed,
    BillingSubscriptionCancelled,
    BillingSubscriptionCreated,
    BillingSubscriptionUpdated,
    BillingUsageReported,
    UsageRecorded,
)
from streams.events.chunks import ChunkCompleted, ChunkFailed, ChunkRequested, ChunksPlanned
from streams.events.deadletters import ProcessingFailed, ProcessingRetryRequested
from streams.events.security import (
    AuthLoginFailed,
    AuthLoginSucceeded,
    AuthPermissionDenied,
    AuthRateLimited,
)
from streams.events.signin import (
    AuthLoggedOut,
    AuthMfaDisabled,
    AuthMfaEnabled,
    AuthMfaEnrolled,
    AuthRecoveryCodeUsed,
    AuthRefreshIssued,
    AuthRefreshReused,
    AuthScopeDenied,
    TenantOidcConfigured,
)
from streams.events.simulations import (
    SimulationAccepted,
    SimulationCancelled,
    SimulationCancelRequested,
    SimulationCompleted,
    SimulationDecided,
    SimulationFailed,
    SimulationProgressed,
    SimulationRejected,
    SimulationReleased,
    SimulationRequested,
    SimulationResultsExpired,
    SimulationStarted,
)
from streams.events.tenancy import (
    ApiKeyIssued,
    ApiKeyRevoked,
    SubjectErased,
    TenantCreated,
    TenantPlacementChanged,
    TenantPlanChanged,
    UserCreated,
    UserInvited,
    UserRoleChanged,
)
from streams.events.webhooks import (
    WebhookAttempted,
    WebhookEndpointDeleted,
    WebhookEndpointDisabled,
    WebhookEndpointEnabled,
    WebhookEndpointRegistered,
    WebhookMessageCreated,
    WebhookRedeliveryRequested,
    WebhookSecretRotated,
)
from streams.events.workbooks import WorkbookParsed, WorkbookRejected, WorkbookUploaded

MODELS: tuple[type[Event], ...] = (
    TenantCreated, TenantPlanChanged, TenantPlacementChanged, UserInvited, UserCreated,
    UserRoleChanged, ApiKeyIssued, ApiKeyRevoked, WorkbookUploaded, WorkbookParsed,
    WorkbookRejected, SimulationRequested,
    SimulationReleased, SimulationDecided, SimulationAccepted, SimulationRejected,
    SimulationStarted, SimulationProgressed, SimulationCompleted, SimulationFailed,
    SimulationCancelRequested, SimulationCancelled, SimulationResultsExpired, SubjectErased,
    BillingCustomerCreated, BillingSubscriptionCreated, BillingSubscriptionCancelled,
    BillingSubscriptionUpdated, BillingInvoicePaid, BillingPaymentFailed, AuthLoginSucceeded,
    AuthLoginFailed, AuthPermissionDenied, AuthRateLimited, UsageRecorded, BillingUsageReported,
    WebhookEndpointRegistered, WebhookSecretRotated, WebhookEndpointDisabled,
    WebhookEndpointEnabled, WebhookEndpointDeleted, WebhookMessageCreated, WebhookAttempted,
    WebhookRedeliveryRequested, ChunksPlanned, ChunkRequested, ChunkCompleted, ChunkFailed,
    ProcessingFailed, ProcessingRetryRequested, AuthRefreshIssued, AuthRefreshReused,
    AuthLoggedOut, AuthMfaEnrolled, AuthMfaEnabled, AuthMfaDisabled, AuthRecoveryCodeUsed,
    AuthScopeDenied, TenantOidcConfigured,
)
EVENTS: dict[str, type[Event]] = {m.type: m for m in MODELS}


class UnknownEventType(ValueError):
    pass


class InvalidEvent(ValueError):
    """An event whose body its type's model refuses; ``errors`` name each field and why."""

    def __init__(self, event: Envelope, errors: list[str]) -> None:
        super().__init__(f"{event.type} v{event.version} event {event.id}: the body does not"
                         f" fit its model: {'; '.join(errors)}")
        self.event = event
        self.errors = errors


def model_for(name: str) -> type[Event]:
    """The model of the type ``name``; UnknownEventType for a name not in the catalogue."""
    try:
        return EVENTS[name]
    except KeyError:
        raise UnknownEventType(f"event type {name!r} is not in the catalogue") from None


def upcast(event: Envelope) -> Envelope:
    """The event at its type's current version (pure; unknown types pass through unchanged)."""
    model = EVENTS.get(event.type)
    if model is None:
        return event
    while event.version < model.version:
        step = model.upcasters[event.version]
        event = event.with_data(step(event.data), event.version + 1)
    return event


def parse_body(event: Envelope) -> Event:
    """The body of ``event`` (upcast to its current version) as its type's model; InvalidEvent
    when the model refuses it."""
    current = upcast(event)
    model = model_for(event.type)
    try:
        return model.model_validate(current.data)
    except ValidationError as exc:
        errors = [f"{'.'.join(map(str, e['loc'])) or 'data'}: {e['msg']}" for e in exc.errors()]
        raise InvalidEvent(current, errors) from None
