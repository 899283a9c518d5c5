"""Tokens and secrets encrypted at rest: the keys, the checks at start, and the passes
that seal what is stored (enabling, rotating a key).

Keys come from SOCIALSERVICES_ENCRYPTION_KEYS (base64url 256-bit keys, newest first,
separated by commas or spaces) or from the key file in DATA_DIR, created with mode 0600
on the first start. The database remembers which keys may have encrypted what it holds;
a start without one of them stops with an error naming it, before anything is written.
See docs/encryption.md.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from nicegui import background_tasks, run
from sqlmodel import Session

from admin_app.auth.admin_access import administrator_action
from admin_app.core import runtime
from admin_app.core.i18n import N_
from admin_app.core.settings import Settings, SettingsError
from models import encryption
from models.db import session_scope
from models.linked_accounts import store_tokens
from models.tables import ConfiguredService, LinkedAccount
from models.token_cipher import (
    Keyring,
    KeyringError,
    UndecryptableError,
    decode_key,
    encode_key,
    new_key,
)
from providers.base import TokenSet

log = logging.getLogger("socialservices.encryption")

KEY_FILE = "encryption.keys"
ENV_SETTING = "encryption_keys"
BATCH = 1000
PAUSE = 0.02  # seconds between batches


@dataclass(frozen=True)
class LoadedKeys:
    keyring: Keyring
    #: where they came from: the setting's name or the key file's path
    source: str
    from_file: Path | None


def _parse(text: str, source: str) -> list[bytes]:
    keys = []
    for number, part in enumerate(re.split(r"[\s,]+", text.strip()), start=1):
        if not part:
            continue
        try:
            keys.append(decode_key(part))
        except KeyringError as error:
            raise SettingsError(
                ENV_SETTING,
                N_("key {number} in {source} is not a base64url 256-bit key ({reason})"),
                number=number,
                source=source,
                reason=error,
            ) from None
    return keys


def _write_key_file(path: Path, keys: list[bytes], *, create: bool = False) -> None:
    """Write the key file at once (complete, mode 0600): a crash leaves the old or the new
    file, never a half-written one. ``create``: only if there is none yet (of two
    processes starting at once, the first one's key stays; the other reads it)."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write("".join(encode_key(key) + "\n" for key in keys))
        handle.flush()
        os.fsync(handle.fileno())
    if not create:
        os.replace(temporary, path)
        return
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink()


def load_keys(settings: Settings, *, needed: Sequence[str] = ()) -> LoadedKeys:
    """The configured keys. The key file is created only when no key is ``needed`` yet (a
    missing file must never be replaced by a new key while ciphertexts wait for the old
    ones)."""
    if settings.encryption_keys.strip():
        source = "SOCIALSERVICES_ENCRYPTION_KEYS"
        return LoadedKeys(Keyring(_parse(settings.encryption_keys, source)), source, None)
    path = settings.data_dir / KEY_FILE
    if not path.exists():
        if needed:
            raise SettingsError(
                ENV_SETTING,
                N_(
                    "no key: stored tokens are encrypted with the key(s) {ids}, but {path} is "
                    "missing and the setting is empty. Restore the key file from a backup, or "
                    "set the keys."
                ),
                ids=", ".join(needed),
                path=path,
            )
        _write_key_file(path, [new_key()], create=True)
        log.info("encryption.key_created path=%s", path)
    keys = _parse(path.read_text(), str(path))
    if not keys:
        raise SettingsError(ENV_SETTING, N_("{source} holds no key"), source=str(path))
    return LoadedKeys(Keyring(keys), str(path), path)


def prepare_keys(settings: Settings) -> LoadedKeys:
    """Load the keys and check that every key the database may need is among them.
    Raises SettingsError naming what is missing. Only reads: a key is recorded when it
    first encrypts something, so a command that writes nothing ties the database to
    nothing."""
    with session_scope() as session:
        needed = list(encryption.state(session).key_ids)
    loaded = load_keys(settings, needed=needed)
    missing = [key for key in needed if key not in loaded.keyring.ids]
    if missing:
        raise SettingsError(
            ENV_SETTING,
            N_(
                "the key(s) {ids} that encrypted stored tokens are not in {source}; restore "
                "them (no token or secret was read or written)"
            ),
            ids=", ".join(missing),
            source=loaded.source,
        )
    runtime.set_keyring(loaded.keyring)
    return loaded


def reload_keys() -> bool:
    """Read the keys again (a rotation in another process may have added one); True when
    that brought new keys. Keys are only ever added here, never dropped."""
    try:
        loaded = load_keys(runtime.settings(), needed=runtime.keyring().ids)
    except SettingsError:
        return False
    current = runtime.keyring()
    if set(loaded.keyring.ids) <= set(current.ids) or not set(current.ids) <= set(
        loaded.keyring.ids
    ):
        return False
    runtime.set_keyring(loaded.keyring)
    log.info("encryption.keys_reloaded active=%s", loaded.keyring.active_id)
    return True


def store_link_tokens(session: Session, link: LinkedAccount, tokens: TokenSet) -> None:
    """Store a link's new tokens with this process's keys, reading the key file again
    once when the database needs a key added since this process started."""
    for attempt in range(2):
        try:
            store_tokens(
                session,
                runtime.keyring(),
                link,
                access_token=tokens.access_token,
                refresh_token=tokens.refresh_token,
                expires_at=tokens.expires_at,
                scopes=tokens.scopes,
            )
            return
        except encryption.KeyMismatchError:
            if attempt or not reload_keys():
                raise


def secrets_of(row: ConfiguredService) -> dict[str, str]:
    """A service's secrets in plain text; empty (logged) when they cannot be decrypted
    even with the keys read again: the service is then not complete, and the
    administrator enters its secrets again."""
    for attempt in range(2):
        try:
            return encryption.open_secrets(runtime.keyring(), row)
        except UndecryptableError as error:
            if attempt == 0 and reload_keys():
                continue
            log.error(
                "encryption.undecryptable service=%s scope=%s (%s)",
                row.service_id,
                row.scope,
                error,
            )
    return {}


# ------------------------------------------------------------------- status


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


# ------------------------------------------------------------------- passes


def run_pass(
    on_progress: Callable[[encryption.PassProgress], None] | None = None, batch: int = BATCH
) -> encryption.PassProgress:
    """Seal everything with the newest key, batch after batch, until the pass is done
    (or none is due). Safe to run in several processes at once: batches take turns."""
    keyring = runtime.keyring()
    with session_scope() as session:
        encryption.begin_due_pass(session, keyring)
    while True:
        with session_scope() as session:
            progress = encryption.seal_batch(session, keyring, batch)
        if on_progress is not None:
            on_progress(progress)
        if progress.running:
            time.sleep(PAUSE)  # SQLite: let the sign-ins waiting to write have their turn
        else:
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


def key_for_rotation(settings: Settings) -> Keyring:
    """The keys to rotate to: with a key file, a new newest key is added to it (the old
    ones stay: the values they made wait for the pass); with the setting, its first key,
    which whoever sets it must have made new."""
    loaded = load_keys(settings, needed=runtime.keyring().ids)
    if loaded.from_file is None:
        if len(loaded.keyring.ids) < 2:
            raise SettingsError(
                ENV_SETTING,
                N_(
                    "the keys come from this setting: put a new key first in it (make one "
                    "with `socialservices encryption new-key`), keep the old ones after it, "
                    "restart, and run rotate-key again"
                ),
            )
        return loaded.keyring
    keys = [new_key(), *(_parse(loaded.from_file.read_text(), loaded.source))]
    _write_key_file(loaded.from_file, keys)
    keyring = Keyring(keys)
    runtime.set_keyring(keyring)
    return keyring


def begin_rotation() -> None:
    with session_scope() as session:
        encryption.begin_rotation(session, runtime.keyring())


def generated_key() -> str:
    return encode_key(new_key())


_pass_task: asyncio.Task[object] | None = None


def run_pass_in_background() -> None:
    """Run a due pass in a worker thread of this process while it goes on serving (once
    at a time here; other processes' passes take turns with it batch by batch)."""
    global _pass_task
    if _pass_task is not None and not _pass_task.done():
        return

    async def work() -> object:
        try:
            return await run.io_bound(run_pass)
        except Exception as error:  # e.g. a value whose key is missing: stop, and say why
            log.error("encryption.pass_stopped reason=%s", error)
            return None

    _pass_task = background_tasks.create(work(), name="encryption-pass")
