"""The base of every RiskStream event body, and the pieces several bodies share.

An event type is one frozen pydantic model: its fields are the body (``Envelope.data``), and
its class keywords say where it belongs in the catalogue::

    class SimulationReleased(Event, type="simulation.released", version=1, topic="tenants",
                             key="tenant id (a slot freed)"):
        \"\"\"A simulation ended; its slot is free.\"\"\"

        simulation_id: str

The docstring's first paragraph is the catalogue's summary; declaring the class puts the type
in the catalogue (``DECLARED``), so no list of models is kept by hand. Bodies refuse unknown
fields; the few that carry open-ended data (results, payloads) say so where they allow them.

A producer builds the body, validated as it is built, and makes it an event:
``SimulationReleased(simulation_id=sim).event(tenant_id, tenant_id)``, or
``cause.caused(body)`` for an event another one caused (see :class:`streams.envelope.Envelope`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import BaseModel, ConfigDict, PlainSerializer

from streams.envelope import Envelope

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
Backend = Literal["numpy", "cupy"]
Role = Literal["member", "admin", "platform_admin"]
# What an API key may be used for; a key is further bounded by its role.
Scope = Literal["read", "simulate", "admin", "billing"]
SCOPES: tuple[Scope, ...] = ("read", "simulate", "admin", "billing")
# a time in a body travels as Python's ISO 8601 (``+00:00``, not ``Z``), as it always has
Moment = Annotated[datetime, PlainSerializer(datetime.isoformat, return_type=str,
                                             when_used="json")]


# every event type by name, as its model declares it: the catalogue, in declaration order
DECLARED: dict[str, type[Event]] = {}


@dataclass(frozen=True)
class EventType:
    """One line of the catalogue: a type's name, current version, topic and summary, and the
    aggregate whose id is its key."""

    name: str
    version: int
    topic: str
    summary: str
    key: str = ""


class Event(BaseModel):
    """An event body. Subclasses name their type with class keywords (see the module)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    type: ClassVar[str]
    version: ClassVar[int]
    described: ClassVar[EventType]
    # version n -> the pure function taking a version-n body to version n + 1
    upcasters: ClassVar[Mapping[int, Upcaster]] = {}

    def __init_subclass__(cls, *, type: str = "", version: int = 1, topic: str = "",
                          key: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not type:  # a shared base of several bodies, not a type of its own
            return
        summary = " ".join(inspect.cleandoc(cls.__doc__ or "").split("\n\n")[0].split())
        if not summary or not topic or not key:
            raise TypeError(f"event {type} needs a docstring, a topic and a key")
        missing = [n for n in range(1, version) if n not in cls.upcasters]
        if missing:
            raise TypeError(f"event {type} v{version} has no upcaster from version(s) {missing}")
        if type in DECLARED:
            raise TypeError(f"event {type} is declared twice: {DECLARED[type].__name__}"
                            f" and {cls.__name__}")
        cls.type, cls.version = type, version
        cls.described = EventType(type, version, topic, summary, key)
        DECLARED[type] = cls

    def to_data(self) -> dict[str, Any]:
        """The body as it travels (``Envelope.data``): JSON values of the fields it was given.
        A field left at its default is not written, as in an event from before the field
        existed: readers take the default from the model."""
        return self.model_dump(mode="json", exclude_unset=True)

    def event(self, tenant_id: str, key: str, *, correlation_id: str = "",
              causation_id: str = "") -> Envelope[Self]:
        """This body as a new event of its type's current version."""
        return Envelope(type=self.type, tenant_id=tenant_id, key=key, data=self.to_data(),
                        version=self.version, correlation_id=correlation_id,
                        causation_id=causation_id, typed=True)


class Part(BaseModel):
    """A part of a body with fields of its own."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Audit(Part):
    """Who asked for a command, from where (``actor`` alone for operators' commands)."""

    actor: str | None
    ip: str | None = None
    user_agent: str | None = None
    method: str | None = None
    path: str | None = None


class Personal(Part):
    """Personal fields sealed for their data subject (see :mod:`streams.personal`); readers
    that revealed them keep the rest without the ciphertext."""

    subject: str
    key_id: str
    fields: list[str]
    ciphertext: str | None = None


class PersonalData(Event):
    """A body holding a data subject's personal data, sealed once it is in the log."""

    personal: Personal | None = None
