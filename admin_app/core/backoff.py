"""How long an outbox waits before trying a delivery again: the activity outbox and the
back-channel logouts both lean on services that may be down for a while, and neither
should hammer one that is, nor give up on one that is back within the hour."""

from __future__ import annotations

import random
from datetime import timedelta

FIRST_DELAY = timedelta(seconds=30)
LONGEST_DELAY = timedelta(hours=1)


def retry_delay(attempts: int) -> timedelta:
    """30 s after the first failure, doubling up to an hour, with a tenth of jitter (so
    that the deliveries a failure held up do not all come back at the same moment)."""
    delay = min(FIRST_DELAY * 2 ** max(attempts - 1, 0), LONGEST_DELAY)
    return delay * random.uniform(0.9, 1.1)
