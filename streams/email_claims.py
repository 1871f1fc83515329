"""E-mail addresses decided on the write side: a user's address is claimed in
``accounts.email_claims`` (outside every projection schema) by the command that creates the
user, before its event is appended, so two users never get one address however far the views
lag. A retry of the same command (the same user id) finds its own claim; a command known to
have recorded nothing gives its claim back; an erasure gives the subject's address back."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

import asyncpg

from streams.envelope import Envelope
from streams.events import UserCreated
from streams.log import EventLog, LogUnavailable, check_event
from streams.personal import subject_id

Users = Callable[[], Awaitable[Iterable[tuple[str, str, str]]]]  # (user_id, tenant_id, email)


class EmailTaken(Exception):
    """Another user holds the address; nothing was sent."""

    def __init__(self, email: str) -> None:
        super().__init__(f"a user with email {email} exists")
        self.email = email


def _new_users(events: list[Envelope]) -> list[tuple[str, str, str]]:
    """(email, tenant, user) of each user the events create."""
    users = [(e.tenant_id, e.body(UserCreated)) for e in events if e.type == UserCreated.type]
    return [(user.email, tenant_id, user.user_id) for tenant_id, user in users]


class EmailClaims:
    """The claims of one log (its topic prefix)."""

    def __init__(self, pool: asyncpg.Pool, log_prefix: str) -> None:
        self.pool, self.log_prefix = pool, log_prefix

    async def held(self, email: str) -> bool:
        return bool(await self.pool.fetchval(
            "SELECT 1 FROM accounts.email_claims WHERE log_prefix=$1 AND subject=$2",
            self.log_prefix, subject_id(email)))

    async def append(self, log: EventLog, events: list[Envelope]) -> None:
        """Claim the addresses of the users ``events`` create, then append them. EmailTaken
        when another user holds one (nothing sent, nothing claimed); a claim stays when the
        append may have recorded the events, so that only their retry can use it."""
        for event in events:  # what the log would refuse before sending, refused before a claim
            check_event(event)
        claimed: list[tuple[str, str]] = []  # (subject, user) claimed by this call
        try:
            for email, tenant_id, user_id in _new_users(events):
                subject = subject_id(email)
                # True: claimed now; False: this user's own claim, from an earlier try of the
                # same command (which may have recorded it: it stays whatever happens now)
                inserted = await self.pool.fetchval(
                    "INSERT INTO accounts.email_claims (log_prefix, subject, tenant_id, user_id)"
                    " VALUES ($1,$2,$3,$4) ON CONFLICT (log_prefix, subject)"
                    " DO UPDATE SET claimed_at = email_claims.claimed_at"
                    " WHERE email_claims.user_id = EXCLUDED.user_id RETURNING xmax = 0",
                    self.log_prefix, subject, tenant_id, user_id)
                if inserted is None:
                    raise EmailTaken(email)
                if inserted:
                    claimed.append((subject, user_id))
            await log.append(events)
        except EmailTaken:
            await self._give_back(claimed)
            raise
        except LogUnavailable as exc:
            if not exc.maybe_recorded:
                await self._give_back(claimed)
            raise

    async def _give_back(self, claimed: list[tuple[str, str]]) -> None:
        for subject, user_id in claimed:
            await self.pool.execute(
                "DELETE FROM accounts.email_claims WHERE log_prefix=$1 AND subject=$2"
                " AND user_id=$3", self.log_prefix, subject, user_id)

    async def release_subject(self, subject: str) -> None:
        """The subject was erased: its address is free again."""
        await self.pool.execute("DELETE FROM accounts.email_claims WHERE log_prefix=$1"
                                " AND subject=$2", self.log_prefix, subject)

    async def adopt(self, users: Users, *, again: bool = False) -> None:
        """Claim the addresses of the ``users`` the views hold: once per log (the users created
        before claims existed), or ``again`` after a restore rebuilt the views from the log
        (the log's other claims are dropped then)."""
        async with self.pool.acquire() as conn, conn.transaction():
            first = await conn.fetchval(
                "INSERT INTO accounts.email_claims_adopted (log_prefix) VALUES ($1)"
                " ON CONFLICT DO NOTHING RETURNING 1", self.log_prefix)
            if not (first or again):
                return
            if again:
                await conn.execute("DELETE FROM accounts.email_claims WHERE log_prefix=$1",
                                   self.log_prefix)
            await conn.executemany(
                "INSERT INTO accounts.email_claims (log_prefix, subject, tenant_id, user_id)"
                " VALUES ($1,$2,$3,$4) ON CONFLICT DO NOTHING",
                [(self.log_prefix, subject_id(email), tenant_id, user_id)
                 for user_id, tenant_id, email in await users()])
