"""The event envelope every RiskStream event travels in, and its JSON wire form.

Fields: ``id`` (unique), ``type`` (dotted, past tense), ``version`` (int; older versions are
upcast on read), ``tenant_id``, ``key`` (the aggregate id that decides the partition),
``occurred_at`` (UTC, ISO 8601), ``correlation_id`` (the request that started the chain),
``causation_id`` (the event or command that directly caused this one) and ``data``.
The catalogue of types lives in :mod:`streams.catalogue`, their bodies' models in
:mod:`streams.events`; ``data`` stays the body as it travels, ``body(Model)`` reads it typed.
"""

from __future__ import annotations

import builtins
import json
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from streams.events.base import Event

E = TypeVar("E", bound="Event")


def new_id() -> str:
    """A fresh event or aggregate id."""
    return uuid.uuid4().hex


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Envelope:
    """One event as stored in the log."""

    type: str
    tenant_id: str
    key: str
    data: dict[str, Any]
    version: int = 1
    id: str = field(default_factory=new_id)
    occurred_at: datetime = field(default_factory=utcnow)
    correlation_id: str = ""
    causation_id: str = ""

    def caused(
        self, type: str, data: dict[str, Any], *, key: str | None = None, version: int = 1
    ) -> Envelope:
        """A new event caused by this one: same tenant and correlation, causation = this id."""
        return Envelope(
            type=type,
            tenant_id=self.tenant_id,
            key=self.key if key is None else key,
            data=data,
            version=version,
            correlation_id=self.correlation_id or self.id,
            causation_id=self.id,
        )

    def body(self, model: builtins.type[E]) -> E:
        """The body as ``model``, the model of this event's type (read an old event after
        upcasting it); pydantic's ValidationError when the body does not fit it."""
        if model.type != self.type:
            raise TypeError(f"a {self.type} event has no {model.type} body")
        return model.model_validate(self.data)

    def with_data(self, data: dict[str, Any], version: int) -> Envelope:
        return replace(self, data=data, version=version)

    def to_json(self) -> bytes:
        return json.dumps(
            {
                "id": self.id,
                "type": self.type,
                "version": self.version,
                "tenant_id": self.tenant_id,
                "key": self.key,
                "occurred_at": self.occurred_at.isoformat(),
                "correlation_id": self.correlation_id,
                "causation_id": self.causation_id,
                "data": self.data,
            },
            separators=(",", ":"),
            sort_keys=True,
        ).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Envelope:
        doc = json.loads(raw)
        return cls(
            id=doc["id"],
            type=doc["type"],
            version=int(doc["version"]),
            tenant_id=doc["tenant_id"],
            key=doc["key"],
            occurred_at=datetime.fromisoformat(doc["occurred_at"]),
            correlation_id=doc.get("correlation_id", ""),
            causation_id=doc.get("causation_id", ""),
            data=doc["data"],
        )
