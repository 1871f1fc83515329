"""Readers woken together share one read of the feed and one rendering of its frames; a reader
at another cursor, or after the next notice, reads again; one reader going away mid-read does
not cancel the read the others wait on."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import cast

from projections.event_feed import Cursor, EventFeed, FeedEvent
from projections.feed_wakeups import FeedWakeups

TENANT = "t1"
AT: Cursor = {("workbooks", 0): 3}


class CountingFeed:
    """Answers every page with one event after the cursor; counts the reads."""

    def __init__(self) -> None:
        self.pages = self.backlogs = 0

    async def page(self, tenant_id: str, cursor: Cursor, limit: int, *,
                   type_prefix: str | None = None, aggregate: str | None = None
                   ) -> tuple[list[FeedEvent], Cursor, bool]:
        self.pages += 1
        await asyncio.sleep(0.01)
        offset = cursor.get(("workbooks", 0), 0)
        after = {**cursor, ("workbooks", 0): offset + 1}
        return [FeedEvent({"type": "workbook.parsed", "n": offset}, f"c{offset}", {})], after, False

    async def backlog(self, tenant_id: str, cursor: Cursor, cap: int, *,
                      type_prefix: str | None = None, aggregate: str | None = None) -> int:
        self.backlogs += 1
        await asyncio.sleep(0.01)
        return 7


def rendered(renders: list[int]) -> Callable[[list[FeedEvent]], str]:
    """A rendering that notes each call."""

    def render(events: list[FeedEvent]) -> str:
        renders.append(len(events))
        return "".join(e.cursor for e in events)
    return render


async def test_readers_at_one_cursor_share_a_read_and_its_rendering() -> None:
    feed, wakeups = CountingFeed(), FeedWakeups("postgresql://unused", "public")
    renders: list[int] = []
    render = rendered(renders)
    ticket = wakeups.ticket(TENANT)

    async def read(cursor: Cursor) -> tuple[list[FeedEvent], Cursor, str]:
        return await wakeups.page(cast(EventFeed, feed), ticket, TENANT, cursor, 10,
                                  type_prefix=None, aggregate=None, render=render)

    leaving = asyncio.create_task(read(AT))
    staying = [asyncio.create_task(read(dict(AT))) for _ in range(4)]
    await asyncio.sleep(0)
    leaving.cancel()  # one reader goes away while the read is under way
    pages = await asyncio.gather(*staying)
    assert feed.pages == 1 and renders == [1]
    assert all(page == pages[0] for page in pages) and pages[0][2] == "c3"

    await read({("workbooks", 0): 9})  # another cursor: a read of its own
    assert feed.pages == 2


async def test_the_next_notice_makes_readers_read_again() -> None:
    feed, wakeups = CountingFeed(), FeedWakeups("postgresql://unused", "public")
    renders: list[int] = []
    render = rendered(renders)
    first = wakeups.ticket(TENANT)
    await wakeups.page(cast(EventFeed, feed), first, TENANT, AT, 10, type_prefix=None,
                       aggregate=None, render=render)
    wakeups._notified(object(), 0, wakeups.channel, TENANT)  # as the listening connection does
    assert first.is_set()
    second = wakeups.ticket(TENANT)
    assert second is not first
    await wakeups.page(cast(EventFeed, feed), second, TENANT, AT, 10, type_prefix=None,
                       aggregate=None, render=render)
    assert feed.pages == 2 and renders == [1, 1]


async def test_readers_at_one_cursor_share_a_backlog_count() -> None:
    feed, wakeups = CountingFeed(), FeedWakeups("postgresql://unused", "public")
    ticket = wakeups.ticket(TENANT)
    counts = await asyncio.gather(*(
        wakeups.backlog(cast(EventFeed, feed), ticket, TENANT, dict(AT), 11, type_prefix=None,
                        aggregate=None) for _ in range(5)))
    assert counts == [7] * 5 and feed.backlogs == 1
