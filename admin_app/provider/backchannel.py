"""OpenID Connect Back-Channel Logout 1.0: the logout tokens posted to the applications.

A delivery is queued where a person's session ends (``models.logout_deliveries``), in
that very transaction. Every app process runs ``run_backchannel``: it claims due
deliveries (one process per delivery at a time), signs a logout token for each and posts
it to the application's back-channel URI. 200 (or 204, which some frameworks answer for
an empty 200) means the application ended its session; anything else, or no answer, is
tried again 30 s later, doubling up to an hour, until the application has been tried
``MAX_ATTEMPTS`` times: then the delivery is failed, its last problem recorded. A process
that stops mid-attempt releases nothing; its claim runs out after ``LEASE`` and the next
process tries again (a logout twice is harmless: the session is gone already).

Each attempt carries a fresh token (new ``jti``, ``iat`` and a two-minute ``exp``), so an
application that checks for replays never meets one it saw.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from admin_app.core.backoff import retry_delay
from admin_app.core.failure_log import log_job_failure
from admin_app.core.woken_loop import WokenLoop
from models import logout_deliveries
from models.db import session_scope
from models.queue_rows import FAILED, PENDING, SENT
from models.tables import Application, LogoutDelivery, Site, utcnow
from providers.http import http_client

from . import signing
from .claims import subject
from .issuers import issuer_of

log = logging.getLogger("socialservices.backchannel")

EVENT = "http://schemas.openid.net/event/backchannel-logout"
TOKEN_TYPE = "logout+jwt"
TOKEN_LIFETIME = timedelta(minutes=2)
#: this process, as it signs its claims
OWNER = f"{socket.gethostname()[:24]}:{os.getpid()}:{secrets.token_hex(3)}"[:40]
#: one post: an application that takes longer is tried again later
TIMEOUT = httpx.Timeout(5.0)
#: one attempt (signing and posting) is cut off well before its claim runs out
ATTEMPT_LIMIT = timedelta(seconds=20)
LEASE = timedelta(minutes=1)
MAX_ATTEMPTS = 8
BATCH = 20
#: how often a process looks for due deliveries when nothing woke it
POLL_SECONDS = 5.0


@dataclass(frozen=True)
class _Letter:
    """A claimed delivery, ready to post: where to, and the signed logout token."""

    uri: str
    logout_token: str
    attempts: int


def logout_claims(issuer: str, client_id: str, sub: str, sid: str) -> dict[str, Any]:
    """The claims of a logout token (Back-Channel Logout 1.0, section 2.4): no nonce, so
    that it can never pass for an ID token."""
    now = int(time.time())
    return {
        "iss": issuer,
        "aud": client_id,
        "iat": now,
        "exp": now + int(TOKEN_LIFETIME.total_seconds()),
        "jti": secrets.token_urlsafe(16),
        "sub": sub,
        "sid": sid,
        "events": {EVENT: {}},
    }


def _letter(delivery_id: int) -> _Letter | None:
    """The delivery's token, signed now; None when the delivery went with its application.
    A letter without a URI: the application no longer asks for back-channel logouts."""
    with session_scope() as session:
        delivery = session.get(LogoutDelivery, delivery_id)
        application = session.get(Application, delivery.application_id) if delivery else None
        site = session.get(Site, application.site_id) if application else None
        if delivery is None or application is None or site is None:
            return None
        if not application.backchannel_logout_uri:
            return _Letter("", "", delivery.attempts)
        claims = logout_claims(
            issuer_of(site),
            application.client_id,
            subject(session, site, delivery.user_id),
            delivery.sid,
        )
        token = signing.sign(session, claims, typ=TOKEN_TYPE)
        return _Letter(application.backchannel_logout_uri, token, delivery.attempts)


def _printable(text: str, limit: int = 200) -> str:
    return "".join(char if char.isprintable() else " " for char in text[:limit]).strip()


async def _post(letter: _Letter) -> str:
    """Post the token; "" when the application took it, else what went wrong."""
    try:
        async with http_client() as client:
            response = await client.post(
                letter.uri, data={"logout_token": letter.logout_token}, timeout=TIMEOUT
            )
    except httpx.HTTPError as error:
        return _printable(f"no answer: {type(error).__name__}: {error}")
    if response.status_code in (200, 204):
        return ""
    return _printable(f"HTTP {response.status_code}: {response.text}")


@dataclass(frozen=True)
class _Outcome:
    status: str
    problem: str = ""
    retry_at: datetime | None = None


def _after_failure(attempts: int, claimed_at: datetime, problem: str) -> _Outcome:
    if attempts >= MAX_ATTEMPTS:
        return _Outcome(FAILED, problem)
    return _Outcome(PENDING, problem, claimed_at + retry_delay(attempts))


async def _attempt(delivery_id: int, claimed_at: datetime) -> _Outcome | None:
    letter = await asyncio.to_thread(_letter, delivery_id)
    if letter is None:
        return None
    if not letter.uri:
        return _Outcome(FAILED, "the application no longer has a back-channel logout URI")
    try:
        async with asyncio.timeout(ATTEMPT_LIMIT.total_seconds()):
            problem = await _post(letter)
    except TimeoutError:
        problem = "no answer: the attempt took too long"
    if not problem:
        return _Outcome(SENT)
    return _after_failure(letter.attempts, claimed_at, problem)


def _claim(delivery_id: int, owner: str, claimed_at: datetime) -> bool:
    with session_scope() as session:
        return logout_deliveries.claim(session, delivery_id, owner, claimed_at, LEASE)


def _finish(delivery_id: int, owner: str, outcome: _Outcome) -> bool:
    with session_scope() as session:
        return logout_deliveries.finish(
            session,
            delivery_id,
            owner,
            outcome.status,
            problem=outcome.problem,
            retry_at=outcome.retry_at,
        )


async def _deliver(delivery_id: int, owner: str, now: datetime | None) -> bool:
    """Claim and attempt one delivery; False when another process had it."""
    claimed_at = now or utcnow()  # each claim runs from when it is taken
    if not await asyncio.to_thread(_claim, delivery_id, owner, claimed_at):
        return False
    try:
        outcome = await _attempt(delivery_id, claimed_at)
    except Exception as error:  # the database failed us: the claim runs out, tried again
        log_job_failure(log, error, "backchannel.attempt_failed delivery_id=%d", delivery_id)
        outcome = _Outcome(PENDING, type(error).__name__, claimed_at + LEASE)
    if outcome is None:
        return True
    recorded = await asyncio.to_thread(_finish, delivery_id, owner, outcome)
    log.info(
        "backchannel.attempt delivery_id=%d status=%s recorded=%s problem=%r",
        delivery_id,
        outcome.status,
        recorded,
        outcome.problem,
    )
    return True


def _due(now: datetime, limit: int) -> list[int]:
    with session_scope() as session:
        return logout_deliveries.due_ids(session, now, limit)


def release_claims() -> int:
    """This process is stopping: the logouts it holds go back to the queue now."""
    with session_scope() as session:
        return logout_deliveries.release(session, OWNER, utcnow())


async def deliver_due(now: datetime | None = None, limit: int = BATCH, owner: str = OWNER) -> int:
    """Attempt each due delivery (up to ``limit``, all at once: one slow application does
    not hold up the others) that ``owner`` manages to claim; how many it attempted."""
    due = await asyncio.to_thread(_due, now or utcnow(), limit)
    claimed = await asyncio.gather(*(_deliver(delivery_id, owner, now) for delivery_id in due))
    return sum(claimed)


_loop = WokenLoop(log, "backchannel.round_failed")
#: tell this process's runner that logouts were queued (from any thread); called after
#: every commit that queued one (``logout_deliveries.when_queued``)
wake = _loop.wake


async def run_backchannel() -> None:
    """Deliver what is due, then wait to be woken or for the next look; until cancelled."""
    logout_deliveries.when_queued(wake)
    await _loop.run(deliver_due, BATCH, POLL_SECONDS)
