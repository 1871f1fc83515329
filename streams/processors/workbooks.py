"""The workbook parser: reads each uploaded workbook and says what is in it, or why not.

Uploads are untrusted: each is parsed in a child process (see :mod:`infra.sandbox`) under
the limits its tenant's plan gave it at upload time. A refusal is a ``workbook.rejected``
event, committed as the answer to its upload, so the same upload is never parsed again. Whatever
the child raises is a refusal too (it read nothing but the file); reading the file from the
blob store is not, as an outage there is no fault of the file.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from engines.limits import WorkbookLimits, WorkbookTooLarge
from infra.sandbox import OutOfMemory, OutOfTime, Sandbox, SandboxFailure
from streams.envelope import Envelope
from streams.events import WorkbookParsed, WorkbookRejected, WorkbookUploaded
from streams.events.workbooks import RejectedLimit
from streams.log import EventTooLarge, serialized
from streams.ports import WorkbookInspector
from streams.processors.lanes import Lane, Slot

log = logging.getLogger(__name__)
ANSWERS = frozenset({WorkbookParsed.type, WorkbookRejected.type})


class WorkbookParser:
    """``workbook.uploaded`` → ``workbook.parsed`` (sheets, formulas, candidates) or rejected.

    Uploads are handled as they come, each answered when it is parsed (see
    :mod:`streams.processors.streaming`): up to ``processes`` parse side by side, tenants taking
    turns for them (see ``Lane``), so one tenant's slow workbooks hold up neither another's
    nor the answers of those parsed meanwhile."""

    name = "workbook-parser"
    topics = ("workbooks",)
    state_topics = ()
    concurrent = True  # see streams.processors.runtime.Handler

    def __init__(self, read_blob: Callable[[str], bytes], inspector: WorkbookInspector,
                 sandbox: Sandbox, processes: int) -> None:
        self.read_blob = read_blob
        self.inspector = inspector
        self.sandbox = sandbox
        self.slots = Lane("parse", processes)

    def asks(self, event: Envelope) -> str | None:
        return event.key if event.type == WorkbookUploaded.type else None

    def answers(self, event: Envelope) -> str | None:
        return event.key if event.type in ANSWERS else None

    def refused(self, event: Envelope, reason: str) -> Envelope:
        return _rejected(event, f"the parser could not read this upload ({reason[:300]}); it"
                                " is parked for an operator to look at")

    def fold(self, event: Envelope) -> None:
        return None

    async def handle(self, event: Envelope) -> list[Envelope]:
        if event.type != WorkbookUploaded.type:
            return []
        upload = event.body(WorkbookUploaded)  # a body that does not fit is parked, not refused
        try:
            limits = WorkbookLimits.from_mapping(
                None if upload.limits is None else upload.limits.model_dump(exclude_unset=True))
            data = await asyncio.to_thread(self.read_blob, upload.sha256)
        except FileNotFoundError:
            return [_rejected(event, "the stored file is missing")]
        except ValueError as exc:
            return [_rejected(event, str(exc))]
        try:
            async with Slot(self.slots, event.tenant_id):
                summary = await asyncio.to_thread(
                    self.sandbox.run, self.inspector.summarize, data, limits)
        except WorkbookTooLarge as exc:
            return [_rejected(event, str(exc), RejectedLimit(
                name=exc.limit, value=exc.value, observed=exc.observed))]
        except ValueError as exc:
            return [_rejected(event, str(exc))]
        except SandboxFailure as exc:
            return [_rejected(event, *_failure(exc))]
        except Exception as exc:  # noqa: BLE001 - the child read nothing but this file
            # a parse that failed on the file's content would fail again however often it was
            # handed back: the upload is refused, saying so, rather than left "uploaded"
            log.exception("workbook %s: the parser failed", event.key)
            return [_rejected(event, f"the parser failed on this workbook ({type(exc).__name__}:"
                                     f" {str(exc)[:300]}); the failure is logged")]
        try:  # what the log would refuse (too large, too deep to write) is refused here
            parsed = event.caused(WorkbookParsed.model_validate(summary))
            serialized(parsed)
        except EventTooLarge as exc:
            return [_rejected(event, f"the workbook's summary is too large to record ({exc})")]
        except Exception as exc:  # noqa: BLE001 - the summary of this file alone
            log.exception("workbook %s: its summary cannot be recorded", event.key)
            return [_rejected(event, f"the workbook's summary cannot be recorded"
                                     f" ({type(exc).__name__}: {str(exc)[:300]})")]
        return [parsed]


def _rejected(event: Envelope, reason: str, limit: RejectedLimit | None = None
              ) -> Envelope[WorkbookRejected]:
    if limit is None:
        return event.caused(WorkbookRejected(reason=reason))
    return event.caused(WorkbookRejected(reason=reason, limit=limit))


def _failure(exc: SandboxFailure) -> tuple[str, RejectedLimit | None]:
    """The rejection for a parse that did not finish: the reason and the limit it ran into."""
    if isinstance(exc, OutOfMemory) and exc.limit is not None:
        megabytes = int(exc.limit) // (1024 * 1024)
        return (f"the workbook needs more than {megabytes} MB to parse",
                RejectedLimit(name="parse_memory_mb", value=megabytes, observed=None))
    if isinstance(exc, OutOfTime) and exc.limit is not None:
        return (f"parsing the workbook took longer than {exc.limit:g} s",
                RejectedLimit(name="parse_timeout_s", value=exc.limit, observed=None))
    return f"the parser {exc}", None
