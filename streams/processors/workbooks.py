"""The workbook parser: reads each uploaded workbook and says what is in it, or why not.

Uploads are untrusted: each is parsed in a child process (see :mod:`infra.sandbox`) under
the limits its tenant's plan gave it at upload time. A refusal is a ``workbook.rejected``
event, committed with the consumer's offset, so the same upload is never parsed again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from engines.limits import WorkbookLimits, WorkbookTooLarge
from infra.sandbox import OutOfMemory, OutOfTime, Sandbox, SandboxFailure
from streams.envelope import Envelope
from streams.events import WorkbookParsed, WorkbookRejected, WorkbookUploaded
from streams.ports import WorkbookInspector


class WorkbookParser:
    """``workbook.uploaded`` → ``workbook.parsed`` (sheets, formulas, candidates) or rejected.

    ``handle`` may be awaited for several events at once: up to ``processes`` parse side by
    side, so one tenant's slow workbook does not hold up another's."""

    name = "workbook-parser"
    topics = ("workbooks",)
    state_topics = ()
    concurrent = True  # see streams.processors.runtime.Handler

    def __init__(self, read_blob: Callable[[str], bytes], inspector: WorkbookInspector,
                 sandbox: Sandbox, processes: int) -> None:
        self.read_blob = read_blob
        self.inspector = inspector
        self.sandbox = sandbox
        self.slots = asyncio.Semaphore(processes)

    def fold(self, event: Envelope) -> None:
        return None

    async def handle(self, event: Envelope) -> list[Envelope]:
        if event.type != WorkbookUploaded.type:
            return []
        try:
            limits = WorkbookLimits.from_mapping(event.data.get("limits"))
            data = await asyncio.to_thread(self.read_blob, event.data["sha256"])
            async with self.slots:
                summary = await asyncio.to_thread(
                    self.sandbox.run, self.inspector.summarize, data, limits)
        except FileNotFoundError:
            return [_rejected(event, "the stored file is missing")]
        except WorkbookTooLarge as exc:
            return [_rejected(event, str(exc), exc.as_dict())]
        except ValueError as exc:
            return [_rejected(event, str(exc))]
        except SandboxFailure as exc:
            return [_rejected(event, *_failure(exc))]
        return [event.caused(WorkbookParsed.type, summary)]


def _rejected(event: Envelope, reason: str, limit: dict[str, Any] | None = None) -> Envelope:
    data: dict[str, Any] = {"reason": reason}
    if limit is not None:
        data["limit"] = limit
    return event.caused(WorkbookRejected.type, data)


def _failure(exc: SandboxFailure) -> tuple[str, dict[str, Any] | None]:
    """The rejection for a parse that did not finish: the reason and the limit it ran into."""
    if isinstance(exc, OutOfMemory) and exc.limit is not None:
        megabytes = int(exc.limit) // (1024 * 1024)
        return (f"the workbook needs more than {megabytes} MB to parse",
                {"name": "parse_memory_mb", "value": megabytes, "observed": None})
    if isinstance(exc, OutOfTime) and exc.limit is not None:
        return (f"parsing the workbook took longer than {exc.limit:g} s",
                {"name": "parse_timeout_s", "value": exc.limit, "observed": None})
    return f"the parser {exc}", None
