"""The pass that seals what is stored, batch after batch; on PostgreSQL the next batch is
sealed while the server writes this one.

Each batch's transaction writes the batch sealed before it and reads the rows of the
batch after the next (two ahead), so a pass takes no more round trips than one
transaction per batch. On PostgreSQL a worker thread seals while this thread waits for
the server (it waits without Python's lock), so sealing (AES-GCM and base64, about half
of a batch's time one after the other) overlaps with the server's writing. On SQLite the
database's work runs in this process and hands Python's lock back and forth on every
row: a sealing thread there only slowed the pass (measured), so batches are sealed in
turn. Nothing changes in what a batch guarantees: each write is one transaction that
checks the pass is where the batch begins and moves its cursor, and a compare-and-set
per row (a sign-in's newer token, stored between the read and the write, is left as it
is). Batches read ahead that the pass has moved past meanwhile (another process's batch,
a rotation) are dropped, and ``seal_batch`` reads afresh.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from contextlib import AbstractContextManager
from typing import Any

from sqlmodel import Session

from models.encryption import (
    LinkRow,
    PassProgress,
    SealedBatch,
    read_links,
    seal_batch,
    seal_links,
    write_sealed,
)
from models.token_cipher import Keyring

#: a transaction: committed when the block ends (``db.session_scope``)
Transaction = Callable[[], AbstractContextManager[Session]]

AHEAD = 2  # batches read and handed to the sealer before the oldest is written


def run_pass(
    transaction: Transaction,
    keyring: Keyring,
    size: int,
    after_batch: Callable[[PassProgress], None] = lambda progress: None,
) -> PassProgress:
    """Seal everything with the newest key until the pass is done (or none is due); each
    batch's progress goes to ``after_batch``."""
    with transaction() as session:  # the first batch (after the services' secrets)
        progress = seal_batch(session, keyring, size)
        beside = session.get_bind().dialect.name != "sqlite"
    after_batch(progress)
    with ThreadPoolExecutor(1, "sealing") if beside else _InTurn() as sealer:
        while progress.running:
            progress = _pipeline(transaction, keyring, sealer, progress, size, after_batch)
            with transaction() as session:  # the end, or a fresh start after another's turn
                progress = seal_batch(session, keyring, size)
            after_batch(progress)
    return progress


def _pipeline(
    transaction: Transaction,
    keyring: Keyring,
    sealer: Executor,
    progress: PassProgress,
    size: int,
    after_batch: Callable[[PassProgress], None],
) -> PassProgress:
    """Batches after ``progress.cursor``, read and sealed ahead, written in turn, until
    no row is left or the pass moved on elsewhere (then ``seal_batch`` takes over)."""
    waiting: deque[Future[SealedBatch]] = deque()
    after = progress.cursor

    def hand_over(rows: list[LinkRow]) -> None:
        nonlocal after
        for start in range(0, len(rows), size):
            waiting.append(sealer.submit(seal_links, keyring, after, rows[start : start + size]))
            after = rows[start : start + size][-1][0]

    with transaction() as session:
        hand_over(read_links(session, after, size * AHEAD))
    try:
        while waiting:
            batch = waiting.popleft().result()
            more = len(waiting) + 1 == AHEAD  # the rows read so far may not be all
            with transaction() as session:
                written = write_sealed(session, keyring, batch)
                rows = read_links(session, after, size) if written and more else []
            if written is None:
                return progress
            progress = written
            hand_over(rows)
            after_batch(progress)
        return progress
    finally:
        for pending in waiting:
            pending.cancel()


class _InTurn(Executor):
    """Runs what it is given at once, in this thread (SQLite: see the module's note)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:
            future.set_exception(error)
        return future
