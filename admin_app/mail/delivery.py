"""The mail runner: every app process runs ``run_delivery``; it claims due messages of the
outbox (``models.mail_outbox``: one process per message at a time), opens their sealed
bodies and hands each to the mail server (``admin_app.mail.sender``).

- Sent: the message is marked sent and its bodies are emptied (a one-time link in it is
  of no use to anyone reading the database later).
- Refused for good (the server answered 5xx to the recipient or to the message): failed
  at once, with the server's answer as its problem.
- Anything else (the server is down, answers 4xx, TLS or the login fails): tried again
  30 s later, doubling up to an hour (``core.backoff``), until ``MAX_ATTEMPTS``: 31
  attempts, the last about a day after the first, so an outage of a day loses nothing.
  Then failed, its last problem kept for the administrator (Mail page, overview).

A process that stops mid-attempt releases nothing: its claim runs out after the lease and
the next process sends it. The lease outlasts the longest conversation the settings allow
(each step of it waits at most the URL's timeout), so a slow server is never sent the
same message by two processes. With no ``SOCIALSERVICES_SMTP_URL`` the runner does not
run: messages wait, and the Mail page says so.

Logs name the message by id and kind, the recipient by domain only (``to=@example.org``):
logs travel further than the database and are kept longer, and the id leads whoever may
read the database to the full row. No log line ever holds a body, a link or a password.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from admin_app.core import runtime
from admin_app.core.backoff import retry_delay
from admin_app.core.encryption_keys import reload_keys
from admin_app.core.failure_log import log_job_failure
from admin_app.core.smtp_url import SmtpTarget
from admin_app.core.woken_loop import WokenLoop
from admin_app.mail.outbox import HTML_PLACE, TEXT_PLACE
from admin_app.mail.sender import Outcome, Outgoing, send
from models import mail_outbox
from models.db import session_scope
from models.queue_rows import FAILED, PENDING, SENT
from models.tables import MailMessage, utcnow
from models.token_cipher import UndecryptableError

log = logging.getLogger("socialservices.mail")

#: this process, as it signs its claims
OWNER = f"{socket.gethostname()[:24]}:{os.getpid()}:{secrets.token_hex(3)}"[:40]
#: 30 s, 1, 2, 4, 8, 16, 32 min, then hourly: the 31st attempt comes about 24 h after the first
MAX_ATTEMPTS = 31
BATCH = 10
#: connections to the server at once from one process (servers limit them per client)
CONNECTIONS = 4
#: how often a process looks for due messages when nothing woke it
POLL_SECONDS = 5.0


def lease_for(target: SmtpTarget) -> timedelta:
    """Longer than the longest conversation: connect, greeting, EHLO, STARTTLS, EHLO,
    AUTH, MAIL, RCPT, DATA and its end each wait at most ``target.timeout``."""
    return timedelta(seconds=60 + 10 * target.timeout)


@dataclass(frozen=True)
class _Outcome:
    status: str
    problem: str = ""
    retry_at: datetime | None = None


def _opened(value: str, place: str) -> str:
    """A body in plain text, reading the key file again once when it was sealed with a
    key added since this process started (a rotation elsewhere)."""
    try:
        return runtime.keyring().decrypt(value, place)
    except UndecryptableError:
        if not reload_keys():
            raise
    return runtime.keyring().decrypt(value, place)


def _letter(message_id: int) -> tuple[Outgoing, int, str] | None:
    """The claimed message, opened; with its attempts so far and kind. None when it is
    gone (purged meanwhile)."""
    with session_scope() as session:
        row = session.get(MailMessage, message_id)
        if row is None:
            return None
        outgoing = Outgoing(
            message_id=message_id,
            created_at=row.created_at,
            recipient=row.recipient,
            subject=row.subject,
            text=_opened(row.body_text, TEXT_PLACE),
            html=_opened(row.body_html, HTML_PLACE),
            language=row.language,
        )
        return outgoing, row.attempts, row.kind


def masked(address: str) -> str:
    """What the logs say of a recipient: the domain only."""
    return "@" + address.rpartition("@")[2]


def _after_failure(attempts: int, claimed_at: datetime, problem: str) -> _Outcome:
    if attempts >= MAX_ATTEMPTS:
        return _Outcome(FAILED, problem)
    return _Outcome(PENDING, problem, claimed_at + retry_delay(attempts))


def _claim(message_id: int, owner: str, claimed_at: datetime, lease: timedelta) -> bool:
    with session_scope() as session:
        return mail_outbox.claim(session, message_id, owner, claimed_at, lease)


def _finish(message_id: int, owner: str, outcome: _Outcome) -> bool:
    with session_scope() as session:
        return mail_outbox.finish(
            session,
            message_id,
            owner,
            outcome.status,
            problem=outcome.problem,
            retry_at=outcome.retry_at,
        )


async def _attempt(
    target: SmtpTarget, sender: str, message_id: int, claimed_at: datetime
) -> tuple[_Outcome, str, str] | None:
    """One attempt: the outcome, the message's kind and its recipient (masked)."""
    try:
        opened = await asyncio.to_thread(_letter, message_id)
    except UndecryptableError as error:
        log.error("mail.undecryptable id=%d (%s)", message_id, error)
        return _Outcome(FAILED, f"its text cannot be decrypted: {error}"), "?", "?"
    if opened is None:
        return None
    letter, attempts, kind = opened
    result = await send(target, sender, letter)
    to = masked(letter.recipient)
    problem = result.problem.replace(letter.recipient, to)
    if result.outcome is Outcome.SENT:
        return _Outcome(SENT), kind, to
    if result.outcome is Outcome.PERMANENT:
        return _Outcome(FAILED, problem), kind, to
    return _after_failure(attempts, claimed_at, problem), kind, to


async def _deliver(
    target: SmtpTarget, sender: str, message_id: int, owner: str, now: datetime | None
) -> bool:
    """Claim and attempt one message; False when another process had it."""
    claimed_at = now or utcnow()
    lease = lease_for(target)
    if not await asyncio.to_thread(_claim, message_id, owner, claimed_at, lease):
        return False
    try:
        attempted = await _attempt(target, sender, message_id, claimed_at)
    except Exception as error:  # the database failed us: the claim runs out, tried again
        log_job_failure(log, error, "mail.attempt_failed id=%d", message_id)
        attempted = _Outcome(PENDING, type(error).__name__, claimed_at + lease), "?", "?"
    if attempted is None:
        return True
    outcome, kind, to = attempted
    recorded = await asyncio.to_thread(_finish, message_id, owner, outcome)
    _log_outcome(message_id, kind, to, outcome, recorded)
    return True


def _log_outcome(message_id: int, kind: str, to: str, outcome: _Outcome, recorded: bool) -> None:
    if outcome.status == SENT:
        log.info("mail.sent id=%d kind=%s to=%s recorded=%s", message_id, kind, to, recorded)
    elif outcome.status == FAILED:
        log.warning(
            "mail.failed id=%d kind=%s to=%s recorded=%s problem=%r",
            message_id,
            kind,
            to,
            recorded,
            outcome.problem,
        )
    else:
        log.info(
            "mail.retry id=%d kind=%s to=%s at=%s problem=%r",
            message_id,
            kind,
            to,
            outcome.retry_at.isoformat(timespec="seconds") if outcome.retry_at else "",
            outcome.problem,
        )


def _due(now: datetime, limit: int) -> list[int]:
    with session_scope() as session:
        return mail_outbox.due_ids(session, now, limit)


def release_claims() -> int:
    """This process is stopping: the letters it holds go back to the queue now."""
    with session_scope() as session:
        return mail_outbox.release(session, OWNER, utcnow())


async def deliver_due(
    now: datetime | None = None,
    limit: int = BATCH,
    owner: str = OWNER,
    target: SmtpTarget | None = None,
) -> int:
    """Attempt each due message (up to ``limit``, ``CONNECTIONS`` at a time) that ``owner`` manages to
    claim; how many it attempted. ``target``: the settings' server unless given; with
    none, nothing is sent."""
    target = target or runtime.settings().smtp
    if target is None:
        return 0
    sender = runtime.settings().mail_from
    due = await asyncio.to_thread(_due, now or utcnow(), limit)
    turns = asyncio.Semaphore(CONNECTIONS)

    async def in_turn(message_id: int) -> bool:
        async with turns:  # claimed only when its turn comes: the lease runs from then
            return await _deliver(target, sender, message_id, owner, now)

    claimed = await asyncio.gather(*(in_turn(message_id) for message_id in due))
    return sum(claimed)


_loop = WokenLoop(log, "mail.round_failed")
#: tell this process's runner that a message was queued (from any thread); called after
#: every commit that queued one (``mail_outbox.when_queued``)
wake = _loop.wake


async def run_delivery() -> None:
    """Send what is due, then wait to be woken or for the next look; until cancelled.
    Returns at once when no mail server is set."""
    target = runtime.settings().smtp
    if target is None:
        log.info("mail.off reason=no_smtp_url")
        return
    log.info("mail.on server=%s", target.describe())
    mail_outbox.when_queued(wake)
    await _loop.run(deliver_due, BATCH, POLL_SECONDS)
