"""RiskStream's events as types: one frozen model per event type, its body's fields, and the
catalogue line it declares (``type``, ``version``, ``described``).

Code names a type by its model, never by a string: ``SimulationCompleted.type``. Readers get a
typed body with ``parse_body(event)`` (or ``event.body(SimulationCompleted)``); the log
validates every body against its model before the append (see :mod:`streams.log`).
"""

from streams.events.base import SCOPES, Audit, Event, EventType, Personal, Scope, Upcaster
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
from streams.events.chunks import (
    ChunkCompleted,
    ChunkFailed,
    ChunkRequested,
    ChunksPlanned,
)
from streams.events.deadletters import (
    ProcessingFailed,
    ProcessingRetryRequested,
)
from streams.events.registry import (
    EVENTS,
    InvalidEvent,
    UnknownEventType,
    model_for,
    parse_body,
    upcast,
)
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
from streams.events.topics import TOPICS, Topic
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
from streams.events.workbooks import (
    WorkbookParsed,
    WorkbookRejected,
    WorkbookUploaded,
)

# every model, in the order the modules above declared them: what the catalogue lists
MODELS: tuple[type[Event], ...] = tuple(EVENTS.values())

__all__ = [
    "SCOPES", "ApiKeyIssued", "ApiKeyRevoked", "Audit", "AuthLoggedOut", "AuthLoginFailed",
    "AuthLoginSucceeded", "AuthMfaDisabled", "AuthMfaEnabled", "AuthMfaEnrolled",
    "AuthPermissionDenied",
    "AuthRateLimited", "AuthRecoveryCodeUsed", "AuthRefreshIssued", "AuthRefreshReused",
    "AuthScopeDenied", "Scope", "TenantOidcConfigured", "BillingCustomerCreated",
    "BillingInvoicePaid",
    "BillingPaymentFailed", "BillingSubscriptionCancelled", "BillingSubscriptionCreated",
    "BillingSubscriptionUpdated", "BillingUsageReported", "ChunkCompleted", "ChunkFailed",
    "ChunkRequested", "ChunksPlanned", "EVENTS", "Event", "EventType", "InvalidEvent", "MODELS",
    "Personal", "ProcessingFailed", "ProcessingRetryRequested", "SimulationAccepted",
    "SimulationCancelRequested", "SimulationCancelled", "SimulationCompleted", "SimulationDecided",
    "SimulationFailed", "SimulationProgressed", "SimulationRejected", "SimulationReleased",
    "SimulationRequested", "SimulationResultsExpired", "SimulationStarted", "SubjectErased",
    "TOPICS", "TenantCreated", "TenantPlacementChanged", "TenantPlanChanged", "Topic",
    "UnknownEventType", "Upcaster",
    "UsageRecorded", "UserCreated", "UserInvited", "UserRoleChanged", "WebhookAttempted",
    "WebhookEndpointDeleted", "WebhookEndpointDisabled", "WebhookEndpointEnabled",
    "WebhookEndpointRegistered", "WebhookMessageCreated", "WebhookRedeliveryRequested",
    "WebhookSecretRotated", "WorkbookParsed", "WorkbookRejected", "WorkbookUploaded", "model_for",
    "parse_body", "upcast",
]
