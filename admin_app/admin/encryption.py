"""Encryption at rest as the administrator and the operator run it: its status, switching
it on, and the passes that seal what is stored with the newest key (enabling, rotating).
The keys are in ``core/encryption_keys``; how one value is stored, in
``core/token_storage``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from admin_app.auth.admin_access import administrator_action
from admin_app.core import runtime
from models import encryption, encryption_pipeline
from models.db import session_scope

log = logging.getLogger("socialservices.encryption")

BATCH = 1000


PAUSE = 0.02  # seconds between batches


@dataclass(frozen=True)
class EncryptionStatus:
    enabled: bool
    active_key: str
    #: stored tokens and secrets by the id of the key that made them; "plain": not
    by_key: dict[str, int]
    #: a pass in progress: linked accounts sealed so far and in all; None: no pass
    progress: tuple[int, int] | None


def pass_progress() -> tuple[int, int] | None:
    """The pass under way: linked accounts done and in all; None when there is none (a
    pass due but not begun counts as under way, with nothing done yet). Reads one row."""
    with session_scope() as session:
        current = encryption.state(session)
        if not current.pass_key_id:
            return None
        return current.pass_done, max(current.pass_total, current.pass_done)


def status() -> EncryptionStatus:
    with session_scope() as session:
        enabled = encryption.state(session).enabled
        counts = encryption.count_by_key(session)
    return EncryptionStatus(
        enabled=enabled,
        active_key=runtime.keyring().active_id,
        by_key=counts,
        progress=pass_progress(),
    )


def run_pass(
    on_progress: Callable[[encryption.PassProgress], None] | None = None, batch: int = BATCH
) -> encryption.PassProgress:
    """Seal everything with the newest key, batch after batch, until the pass is done
    (or none is due); on PostgreSQL the next batch is sealed while the server writes this
    one. Safe to run in several processes at once: batches take turns."""
    keyring = runtime.keyring()
    with session_scope() as session:
        encryption.begin_due_pass(session, keyring)

    def after_batch(progress: encryption.PassProgress) -> None:
        if on_progress is not None:
            on_progress(progress)
        if progress.running:
            time.sleep(PAUSE)  # SQLite: let the sign-ins waiting to write have their turn

    progress = encryption_pipeline.run_pass(session_scope, keyring, batch, after_batch)
    if progress.retired:
        log.info("encryption.keys_retired ids=%s", ",".join(progress.retired))
    return progress


def enable() -> bool:
    """Switch encryption on for good (the caller then runs the pass); False when it was on."""
    with session_scope() as session:
        switched = encryption.enable(session)
        if switched:
            encryption.begin_due_pass(session, runtime.keyring())
    if switched:
        log.warning("encryption.enabled")
    return switched


def enable_by_administrator() -> bool:
    """The admin page's "Enable encryption": audited; the caller then runs the pass."""
    with administrator_action("encryption.enable", "encryption") as session:
        switched = encryption.enable(session)
        if switched:
            encryption.begin_due_pass(session, runtime.keyring())
    return switched


def begin_rotation() -> None:
    with session_scope() as session:
        encryption.begin_rotation(session, runtime.keyring())


_pass_task: asyncio.Task[object] | None = None


def run_pass_in_background() -> None:
    """Run a due pass in a worker thread of this process while it goes on serving (once
    at a time here; other processes' passes take turns with it batch by batch)."""
    global _pass_task
    if _pass_task is not None and not _pass_task.done():
        return

    async def work() -> object:
        try:
            return await asyncio.to_thread(run_pass)
        except Exception as error:  # e.g. a value whose key is missing: stop, and say why
            log.error("encryption.pass_stopped reason=%s", error)
            return None

    _pass_task = asyncio.get_running_loop().create_task(work(), name="encryption-pass")
