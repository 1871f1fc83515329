"""The workbook parser: reads each uploaded workbook and says what is in it, or why not."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from streams.envelope import Envelope
from streams.ports import WorkbookInspector


class WorkbookParser:
    """``workbook.uploaded`` → ``workbook.parsed`` (sheets, formulas, candidates) or rejected."""

    name = "workbook-parser"
    topics = ("workbooks",)
    state_topics = ()

    def __init__(self, read_blob: Callable[[str], bytes], inspector: WorkbookInspector) -> None:
        self.read_blob = read_blob
        self.inspector = inspector

    def fold(self, event: Envelope) -> None:
        return None

    async def handle(self, event: Envelope) -> list[Envelope]:
        if event.type != "workbook.uploaded":
            return []
        try:
            data = await asyncio.to_thread(self.read_blob, event.data["sha256"])
            summary = await asyncio.to_thread(self.inspector.summarize, data)
        except FileNotFoundError:
            return [event.caused("workbook.rejected", {"reason": "the stored file is missing"})]
        except ValueError as exc:
            return [event.caused("workbook.rejected", {"reason": str(exc)})]
        return [event.caused("workbook.parsed", summary)]
