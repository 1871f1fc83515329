"""Every event type by name: the model that reads its body, upcasting old versions first."""

from __future__ import annotations

from pydantic import ValidationError

from streams.envelope import Envelope
from streams.events.base import DECLARED, Event

# filled as this package's modules declare their types (the package imports every one)
EVENTS: dict[str, type[Event]] = DECLARED


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
