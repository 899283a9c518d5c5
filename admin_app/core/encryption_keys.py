"""The encryption keys: where they come from, the checks at start, adding one to rotate.

Keys come from SOCIALSERVICES_ENCRYPTION_KEYS (base64url 256-bit keys, newest first,
separated by commas or spaces) or from the key file in DATA_DIR, created with mode 0600
on the first start. The database remembers which keys may have encrypted what it holds;
a start without one of them stops with an error naming it, before anything is written.
See docs/encryption.md.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from admin_app.core import runtime
from admin_app.core.i18n import N_
from admin_app.core.settings import Settings, SettingsError
from models import encryption
from models.db import session_scope
from models.token_cipher import Keyring, KeyringError, decode_key, encode_key, new_key

log = logging.getLogger("socialservices.encryption")

KEY_FILE = "encryption.keys"


ENV_SETTING = "encryption_keys"


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
    loaded = check_keys(settings, needed)
    runtime.set_keyring(loaded.keyring)
    return loaded


def check_keys(settings: Settings, needed: Sequence[str]) -> LoadedKeys:
    """The configured keys, if every key id in ``needed`` is among them; else
    SettingsError naming the missing ones (for a restore: before anything is written)."""
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


def generated_key() -> str:
    return encode_key(new_key())
