"""Clearing out rows nobody will use again, now and then rather than on every request.

Stale sessions and unfinished round trips are deleted by whoever creates new ones. Doing
it on every sign-in cost a statement each time for rows that expire in minutes or days;
once a minute per process leaves at most a minute's more of them (or two, when the
transaction that purged is rolled back). Expired rows are refused by their readers
anyway, purged or not.

Rows that only grow, sign-in events and finished outbox deliveries (of the activity, of
back-channel logouts and of mail), are deleted past their retention by ``purge_old``,
which the app runs daily (and an operator from cron), with the "Try it" results nobody
came to see, the provider role's expired codes, tokens and retired signing keys, and what
mail left behind: expired links sent by mail, expired held sign-up answers, and rate
counts whose window is long over. In batches of their own transactions, so that no table
is held long, and harmlessly in several processes at once (a row deleted twice is deleted
once).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from models import (
    logout_deliveries,
    mail_links,
    mail_outbox,
    outbox,
    pending_signups,
    provider_grants,
    rate_limits,
    sign_in_events,
    signing_keys,
    tried_results,
)
from models.db import session_scope

PURGE_INTERVAL = 60.0  # seconds
#: rows deleted in one transaction
BATCH = 1000
#: a rate count is deleted this long after its window began: longer than any window
#: (``rate_limits.allow`` callers count per hour); one deleted early would only forget
RATE_COUNTS_KEPT = timedelta(days=1)


class Occasionally:
    """``due()`` is true at most once per ``seconds`` in this process (the first time at
    once)."""

    def __init__(self, seconds: float = PURGE_INTERVAL) -> None:
        self.seconds = seconds
        self._next = 0.0

    def due(self) -> bool:
        now = time.monotonic()
        if now < self._next:
            return False
        self._next = now + self.seconds
        return True


@dataclass(frozen=True)
class Purged:
    """How many rows one round deleted."""

    sign_in_events: int
    deliveries: int
    tried_results: int
    #: expired codes and tokens of the provider role (and the grants left with none)
    provider_tokens: int = 0
    #: sent or failed back-channel logouts
    logouts: int = 0
    #: sent or failed mail messages
    mail_messages: int = 0
    #: expired links sent by mail, held sign-up answers and old rate counts
    mail_leftovers: int = 0


def purge_old(
    *,
    now: datetime,
    sign_in_events_kept: timedelta,
    deliveries_kept: timedelta,
    batch: int = BATCH,
) -> Purged:
    """Delete sign-in events older than ``sign_in_events_kept``, sent or cancelled
    deliveries (and sent or failed back-channel logouts and mail messages) unchanged for
    ``deliveries_kept``, "Try it" results past their use, and mail's expired leftovers."""
    return Purged(
        sign_in_events=_in_batches(sign_in_events.purge_batch, now - sign_in_events_kept, batch),
        deliveries=_in_batches(outbox.purge_finished_batch, now - deliveries_kept, batch),
        tried_results=_in_batches(tried_results.purge_batch, now - tried_results.LIFETIME, batch),
        provider_tokens=_in_batches(provider_grants.purge_expired, now, batch)
        + _in_batches(_retired_signing_keys, now, batch),
        logouts=_in_batches(logout_deliveries.purge_batch, now - deliveries_kept, batch),
        mail_messages=_in_batches(mail_outbox.purge_batch, now - deliveries_kept, batch),
        mail_leftovers=_in_batches(mail_links.purge_batch, now, batch)
        + _in_batches(pending_signups.purge_batch, now, batch)
        + _in_batches(rate_limits.purge_batch, now - RATE_COUNTS_KEPT, batch),
    )


def _retired_signing_keys(session: Session, before: datetime, limit: int) -> int:
    """Signing keys whose tokens have all expired (a handful: never a full batch)."""
    del before, limit
    signing_keys.purge_retired(session)
    return 0


def _in_batches(
    delete: Callable[[Session, datetime, int], int], before: datetime, batch: int
) -> int:
    total = 0
    while True:
        with session_scope() as session:
            deleted = delete(session, before, batch)
        total += deleted
        if deleted < batch:
            return total
