"""Structured logs: one JSON object a line in every RiskStream process, with the correlation id,
tenant and event id of the work under way, and nothing personal or secret in them.

The context is a ``ContextVar``, set where work on one request or event begins (the API's
middleware, the runtime's handling of one event) and read by the formatter, so a log call
anywhere below carries it without being passed it. Messages are scrubbed as they are written:
e-mail addresses, bearer tokens, API keys and ``key=value`` secrets are replaced, because an
exception's text can quote what it failed on, and personal data is sealed in the log for a
reason (:mod:`streams.personal`) that a log file must not undo.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import sys
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import orjson

# the dict is never changed in place, only replaced, so one shared default is safe
CONTEXT: ContextVar[dict[str, str]] = ContextVar("riskstream_log_context",
                                                 default={})  # noqa: B039
FIELDS = ("correlation_id", "tenant_id", "event_id")
_SCRUB = [
    (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"), "[email]"),
    (re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]+"), "Bearer [secret]"),
    (re.compile(r"\brsk_[A-Za-z0-9_-]+"), "rsk_[secret]"),
    (re.compile(r"\b(?:sk|rk|whsec)_[A-Za-z0-9_]+"), "[secret]"),
    (re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"), "[token]"),
    (re.compile(r"(?i)\b(password|passwd|secret|token|api_key|authorization)(['\"]?\s*[:=]\s*)"
                r"(['\"]?)[^\s'\",}]+"), r"\1\2\3[secret]"),
]


# what each pattern above needs to find anything: a line without any of it is left as it is
_SUSPECT = re.compile(r"@|sk_|rk_|whsec_|eyJ|(?i:bearer|password|passwd|secret|token|api_key"
                      r"|authorization)")


def scrub(text: str) -> str:
    """``text`` without e-mail addresses, tokens, keys or ``secret=...`` values."""
    if _SUSPECT.search(text) is None:
        return text
    for pattern, replacement in _SCRUB:
        text = pattern.sub(replacement, text)
    return text


@contextlib.contextmanager
def bound(**fields: str | None) -> Iterator[None]:
    """Add ``fields`` (None ones are left out) to every log line written inside the block."""
    token = CONTEXT.set({**CONTEXT.get(), **{k: v for k, v in fields.items() if v}})
    try:
        yield
    finally:
        CONTEXT.reset(token)


def bind(**fields: str | None) -> None:
    """Add ``fields`` to the context for the rest of this task (a request's, say)."""
    CONTEXT.set({**CONTEXT.get(), **{k: v for k, v in fields.items() if v}})


class JsonLines(logging.Formatter):
    """A record as one JSON object: time, level, logger, process, message, context, error."""

    def __init__(self, process: str) -> None:
        super().__init__()
        self.process = process

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(), "logger": record.name, "process": self.process,
            "pid": record.process, "message": scrub(record.getMessage()), **CONTEXT.get()}
        if record.exc_info:
            line["error"] = scrub(self.formatException(record.exc_info))
        try:
            return orjson.dumps(line, default=str).decode()
        except TypeError:  # text orjson refuses (a lone surrogate): escaped as JSON allows
            return json.dumps(line, default=str)


def configure(process: str, level: int = logging.INFO) -> None:
    """Send every log record of this process to stderr as JSON lines."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines(process))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "aiokafka", "kafka", "botocore", "boto3", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
