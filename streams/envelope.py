"""The event envelope every RiskStream event travels in, and its JSON wire form.

Fields: ``id`` (unique), ``type`` (dotted, past tense), ``version`` (int; older versions are
upcast on read), ``tenant_id``, ``key`` (the aggregate id that decides the partition),
``occurred_at`` (UTC, ISO 8601), ``correlation_id`` (the request that started the chain),
``causation_id`` (the event or command that directly caused this one) and ``data``.
The catalogue of types lives in :mod:`streams.catalogue`, their bodies' models in
:mod:`streams.events`. Producers build the model and make it an event
(``SimulationStarted(...).event(tenant_id, key)``, ``cause.caused(SimulationStarted(...))``),
so an ``Envelope[SimulationStarted]`` says what its body is; ``data`` stays the body as it
travels, and ``body()`` (or ``body(Model)``) reads it typed.
"""

from __future__ import annotations

import builtins
import json
import re
import uuid
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, Generic, cast, overload

import orjson
from typing_extensions import TypeVar

if TYPE_CHECKING:
    from streams.events.base import Event

E = TypeVar("E", bound="Event")
# what the body is; an event read from the log is any event until its type is matched
B = TypeVar("B", bound="Event", default="Event", covariant=True)


_EXPONENT = re.compile(rb"e[-+0-9]")
_NUMERIC = frozenset(b"0123456789.-")


def _spelt_as_python(written: bytes) -> bool:
    """Whether orjson's ``written`` is what the standard library's writer gives for the same
    JSON values: printable ASCII only (orjson writes other text raw where that writer escapes
    it), no number below 1e-4 written out (0.00001 for 1e-05) and no number with an exponent
    (1e-7 for 1e-07; others alike, but none is taken on trust). Text that only looks like such
    a number answers False, which sends the document to the standard library's writer: never
    wrong, only slower."""
    if not written.isascii() or b"\x7f" in written or b"0.0000" in written:
        return False
    for found in _EXPONENT.finditer(written):  # an e after a digit, in a number or in text
        at = found.start() - 1
        if at < 0 or written[at] not in _NUMERIC:
            continue
        while at > 0 and written[at] in _NUMERIC:
            at -= 1
        if written[at] in b":,[":  # it starts a value: a number
            return False
    return True


def new_id() -> str:
    """A fresh event or aggregate id."""
    return uuid.uuid4().hex


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Envelope(Generic[B]):
    """One event as stored in the log, its body a ``B``."""

    type: str
    tenant_id: str
    key: str
    data: dict[str, Any]
    version: int = 1
    id: str = field(default_factory=new_id)
    occurred_at: datetime = field(default_factory=utcnow)
    correlation_id: str = ""
    causation_id: str = ""
    typed: bool = field(default=False, compare=False, repr=False)
    """``data`` is a typed body's dump (``Event.to_data``): JSON values only, a number that is
    not finite already written as null; its wire form may then come from the faster writer
    (see ``_json``)."""

    def caused(self, body: E, *, key: str | None = None) -> Envelope[E]:
        """``body`` as a new event caused by this one: same tenant and correlation (and key,
        unless given), causation = this id."""
        return body.event(self.tenant_id, self.key if key is None else key,
                          correlation_id=self.correlation_id or self.id, causation_id=self.id)

    @overload
    def body(self) -> B: ...

    @overload
    def body(self, model: builtins.type[E]) -> E: ...

    def body(self, model: builtins.type[E] | None = None) -> B | E:
        """The body as its type's model (old versions upcast first), or as ``model``, which
        must be that model; pydantic's ValidationError (InvalidEvent without ``model``) when
        the body does not fit it. Each call validates the body (a couple of microseconds):
        a reader that needs several fields reads the body once."""
        if model is None:
            # the registry reads envelopes, so it is imported when a body is first read
            from streams.events.registry import parse_body

            return cast(B, parse_body(self))
        if model.type != self.type:
            raise TypeError(f"a {self.type} event has no {model.type} body")
        if self.version != model.version:
            from streams.events.registry import upcast

            return model.model_validate(upcast(self).data)
        return model.model_validate(self.data)

    def with_data(self, data: dict[str, Any], version: int) -> Envelope[B]:
        return replace(self, data=data, version=version, typed=False)

    def to_json(self) -> bytes:
        """The event as the log holds it, written once: its size is checked before it is sent
        (``streams.log.serialized``), and a run's results can be megabytes."""
        return self._json

    @cached_property
    def _json(self) -> bytes:
        doc = {
            "id": self.id,
            "type": self.type,
            "version": self.version,
            "tenant_id": self.tenant_id,
            "key": self.key,
            "occurred_at": self.occurred_at.isoformat(),
            "correlation_id": self.correlation_id,
            "causation_id": self.causation_id,
            "data": self.data,
        }
        if self.typed:
            # orjson writes such a document, checked, eight times faster (a run's results:
            # 300 → 36 µs), byte for byte as the standard library does where it spells every
            # value alike; the rest, and what orjson refuses (an integer past 64 bits, a key
            # that is not text), the standard library writes: the log's bytes do not change
            with suppress(TypeError):  # orjson.JSONEncodeError is one
                fast = orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)
                if _spelt_as_python(fast):
                    return fast
        return json.dumps(doc, separators=(",", ":"), sort_keys=True).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Envelope:
        try:
            doc = orjson.loads(raw)
        except orjson.JSONDecodeError:  # what only Python's reader takes (NaN, lone surrogates)
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
