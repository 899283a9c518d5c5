"""Clearing out rows nobody will use again, now and then rather than on every request.

Stale sessions and unfinished round trips are deleted by whoever creates new ones. Doing
it on every sign-in cost a statement each time for rows that expire in minutes or days;
once a minute per process leaves at most a minute's more of them (or two, when the
transaction that purged is rolled back). Expired rows are refused by their readers
anyway, purged or not.
"""

from __future__ import annotations

import time

PURGE_INTERVAL = 60.0  # seconds


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
