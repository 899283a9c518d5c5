"""The loop of a job every app process runs over a queue in the database (the activity
outbox, the back-channel logouts): a round now, rounds while they come back full, then a
wait until something is queued in this process (``wake``, from any thread) or until the
next look, which finds what other processes queued."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from admin_app.core.failure_log import log_job_failure


class WokenLoop:
    def __init__(self, log: logging.Logger, event_name: str) -> None:
        self._log = log
        self._event_name = event_name
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def wake(self) -> None:
        """Something was queued: run a round now rather than at the next look."""
        loop, event = self._loop, self._wake
        if loop is not None and event is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(event.set)

    async def run(
        self, round_: Callable[[], Awaitable[int]], batch: int, poll_seconds: float
    ) -> None:
        """``round_`` returns how many it handled: ``batch`` means there may be more.
        Until cancelled; a failed round is logged and the loop goes on."""
        self._wake, self._loop = asyncio.Event(), asyncio.get_running_loop()
        while True:
            self._wake.clear()
            try:
                while await round_() == batch:
                    pass
            except Exception as error:
                log_job_failure(self._log, error, self._event_name)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), poll_seconds)
