"""Publishing feed posts to the authors' linked X and Facebook accounts, through the outbox.

A post is queued in its own transaction (one delivery per account whose owner switched
"publish my activity" on, while the administrator allows sending), so nothing is lost
between storing it and sending it. Every app process runs ``run_outbox``: it claims due
deliveries one by one and records each attempt's outcome; a failure the service may
recover from is tried again later, a little later each time.

Never twice: (post, account) is unique, a claim lets one process send at a time, and an
attempt that may have been published (no answer, a server error, a process stopped while
sending) is retried only because both services refuse a repeat of a recent post's text:
that refusal, after such an attempt, means the first one went through.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from admin_app.activity import delivery_problems as problems
from admin_app.activity.link_tokens import LATER, TokenProblem, usable_token, with_token
from admin_app.core.backoff import retry_delay
from admin_app.core.failure_log import log_job_failure
from admin_app.core.woken_loop import WokenLoop
from admin_app.services.catalogue import link_service
from models import outbox
from models.db import session_scope
from models.options import activity_options
from models.outbox import CANCELLED, FAILED, PENDING, SENT, Outcome
from models.tables import ActivityDelivery, FeedPost, LinkedAccount, User, utcnow
from providers import PUBLISHERS
from providers.activity import DUPLICATE, REFUSED, TOKEN, UNKNOWN, Publisher, PublishError
from providers.base import Provider

log = logging.getLogger("socialservices.outbox")

#: this process, as it signs its claims
OWNER = f"{socket.gethostname()[:24]}:{os.getpid()}:{secrets.token_hex(3)}"[:40]
#: how long a claim lasts; an attempt (refreshes and posts) is cut off well before
LEASE = timedelta(minutes=2)
ATTEMPT_LIMIT = timedelta(seconds=90)
MAX_ATTEMPTS = 8
BATCH = 20
#: how often a process looks for due deliveries when nothing woke it
POLL_SECONDS = 5.0


def queue(session: Session, post: FeedPost) -> int:
    """Queue a new post for the author's publishing accounts, in the post's transaction."""
    if not activity_options(session).send_activity:
        return 0
    links = outbox.publishing_links(session, post.author_id, PUBLISHERS)
    return outbox.queue_post(session, post, links)


@dataclass(frozen=True)
class _Attempt:
    attempts: int
    maybe_published: bool
    text: str
    link_id: int
    site_id: str
    service_id: str
    allowed: bool


def _is_active(session: Session, user_id: int) -> bool:
    user = session.get(User, user_id)
    return user is not None and user.is_active


def _read(delivery_id: int) -> _Attempt | None:
    with session_scope() as session:
        delivery = session.get(ActivityDelivery, delivery_id)
        if delivery is None:
            return None
        post = session.get(FeedPost, delivery.post_id)
        link = session.get(LinkedAccount, delivery.link_id)
        if post is None or link is None:
            return None
        return _Attempt(
            attempts=delivery.attempts,
            maybe_published=delivery.maybe_published,
            text=post.text,
            link_id=delivery.link_id,
            site_id=link.site_id,
            service_id=link.service_id,
            allowed=activity_options(session).send_activity
            and link.publish_activity
            and _is_active(session, link.user_id),
        )


def _later(
    attempt: _Attempt,
    now: datetime,
    detail: str,
    *,
    retry_at: datetime | None = None,
    maybe_published: bool = False,
    final_problem: str = problems.GAVE_UP,
) -> Outcome:
    if attempt.attempts >= MAX_ATTEMPTS:
        return Outcome(FAILED, final_problem, detail, maybe_published=maybe_published)
    when = now + retry_delay(attempt.attempts)
    return Outcome(
        PENDING,
        detail=detail,
        retry_at=max(when, retry_at) if retry_at else when,
        maybe_published=maybe_published,
    )


async def attempt_delivery(delivery_id: int, now: datetime) -> Outcome | None:
    """One attempt at a claimed delivery; None when its post or account is gone."""
    attempt = _read(delivery_id)
    if attempt is None:
        return None
    if not attempt.allowed:
        return Outcome(CANCELLED, problems.TURNED_OFF)
    service = link_service(attempt.site_id, attempt.service_id)
    if service is None or not service.configured or not issubclass(service.provider, Publisher):
        return _later(attempt, now, "not configured", final_problem=problems.NOT_CONFIGURED)
    provider = service.make_provider()
    assert isinstance(provider, Publisher)
    try:
        async with asyncio.timeout(ATTEMPT_LIMIT.total_seconds()):
            return await _publish(provider, attempt, now)
    except TimeoutError:  # the claim is about to run out: it may be out there
        return _later(attempt, now, "the attempt took too long", maybe_published=True)
    except Exception as error:  # a bug, or an answer nobody foresaw: it may be out there
        log.exception("outbox.attempt_failed link_id=%d", attempt.link_id)
        return _later(attempt, now, type(error).__name__, maybe_published=True)


async def _publish(provider: Provider, attempt: _Attempt, now: datetime) -> Outcome:
    assert isinstance(provider, Publisher)
    try:
        token = await usable_token(provider, attempt.link_id, now)
        published, _ = await with_token(
            provider, token, lambda access_token: provider.publish(access_token, attempt.text)
        )
    except TokenProblem as problem:
        if problem.kind == LATER:
            return _later(attempt, now, problem.detail)
        return Outcome(FAILED, problems.REAUTHORIZE, problem.detail)
    except PublishError as error:
        if error.kind == TOKEN:
            return Outcome(FAILED, problems.REAUTHORIZE, error.detail)
        if error.kind == DUPLICATE:
            if attempt.maybe_published:  # the earlier attempt went through after all
                return Outcome(SENT, detail=error.detail)
            return Outcome(FAILED, problems.DUPLICATE, error.detail)
        if error.kind == REFUSED:
            return Outcome(FAILED, problems.REFUSED, error.detail)
        return _later(
            attempt,
            now,
            error.detail,
            retry_at=error.retry_at,
            maybe_published=error.kind == UNKNOWN,
        )
    return Outcome(SENT, external_id=published.external_id, external_url=published.url)


async def deliver_due(now: datetime | None = None, limit: int = BATCH) -> int:
    """Make one attempt at each due delivery (up to ``limit``) that this process manages
    to claim; returns how many it attempted."""
    with session_scope() as session:
        due = outbox.due_ids(session, now or utcnow(), limit)
    attempted = 0
    for delivery_id in due:
        claimed_at = now or utcnow()  # each claim runs from when it is taken
        with session_scope() as session:
            if not outbox.claim(session, delivery_id, OWNER, claimed_at, LEASE):
                continue  # another process took it
        attempted += 1
        try:
            outcome = await attempt_delivery(delivery_id, claimed_at)
        except Exception as error:  # the database failed us: the claim runs out, retried
            log_job_failure(log, error, "outbox.attempt_failed delivery_id=%d", delivery_id)
            outcome = Outcome(
                PENDING,
                detail=type(error).__name__,
                retry_at=claimed_at + LEASE,
                maybe_published=True,
            )
        if outcome is None:
            continue
        with session_scope() as session:
            recorded = outbox.finish(session, delivery_id, OWNER, outcome)
        log.info(
            "outbox.attempt delivery_id=%d status=%s problem=%s recorded=%s detail=%r",
            delivery_id,
            outcome.status,
            outcome.problem,
            recorded,
            outcome.detail,
        )
    return attempted


def release_claims() -> int:
    """This process is stopping: the deliveries it holds go back to the queue now."""
    with session_scope() as session:
        return outbox.release(session, OWNER, utcnow())


_loop = WokenLoop(log, "outbox.round_failed")
#: tell this process's outbox loop that something was queued (from any thread)
wake = _loop.wake


async def run_outbox() -> None:
    """Deliver what is due, then wait to be woken or for the next look; until cancelled."""
    await _loop.run(deliver_due, BATCH, POLL_SECONDS)
