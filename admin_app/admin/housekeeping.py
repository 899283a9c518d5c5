"""The daily housekeeping: sign-in events and finished outbox deliveries past their
retention are deleted (``models.housekeeping.purge_old``).

Every app process runs ``run_housekeeping``: a round a minute after start, then one a
day. Rounds of several processes may overlap; the deletes are idempotent and batched, so
that costs a few empty statements, never a long lock. ``socialservices housekeeping run``
does one round, for cron.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from admin_app.core import runtime
from admin_app.core.failure_log import log_job_failure
from models.housekeeping import Purged, purge_old
from models.tables import utcnow

log = logging.getLogger("socialservices.housekeeping")

FIRST_ROUND_AFTER = 60.0  # seconds: start-up is not slowed by it
EVERY = 24 * 3600.0  # seconds


def run_round(now: datetime | None = None) -> Purged:
    """One round with the settings' retention; returns what it deleted."""
    settings = runtime.settings()
    purged = purge_old(
        now=now or utcnow(),
        sign_in_events_kept=timedelta(days=settings.sign_in_events_retention_days),
        deliveries_kept=timedelta(days=settings.outbox_retention_days),
    )
    log.info(
        "housekeeping.purged sign_in_events=%d deliveries=%d",
        purged.sign_in_events,
        purged.deliveries,
    )
    return purged


async def run_housekeeping() -> None:
    """A round after FIRST_ROUND_AFTER, then every EVERY seconds; until cancelled. The
    deletes run in a worker thread, so the process goes on serving meanwhile."""
    await asyncio.sleep(FIRST_ROUND_AFTER)
    while True:
        try:
            await asyncio.to_thread(run_round)
        except Exception as error:
            log_job_failure(log, error, "housekeeping.round_failed")
        await asyncio.sleep(EVERY)
