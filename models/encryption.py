"""Tokens and service secrets at rest: where each value belongs, whether it is encrypted,
and the pass that seals everything stored with the newest key.

Once encryption is on it stays on: nothing here switches it off, and every write of a
token or secret seals it. The pass works in batches, each one transaction that also moves
its cursor, so a pass killed at any point resumes where its last batch ended; sealing
leaves a value already sealed with the newest key as it is, so nothing is encrypted
twice. A batch writes a value back only if it is still what the batch read: a sign-in
that stored a new token meanwhile (sealed already) is never overwritten.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import cast

from sqlalchemy import bindparam, case, func, literal, update
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from models.tables import (
    Application,
    ConfiguredService,
    EncryptionState,
    LinkedAccount,
    MailMessage,
    PendingSignup,
    SigningKey,
    table_of,
    utcnow,
)
from models.token_cipher import PREFIX, Keyring, UndecryptableError, key_id_of
from models.versions import StaleEditError, claim

log = logging.getLogger("socialservices.encryption")

PENDING = "pending"
TOKEN_COLUMNS = ("access_token", "refresh_token")
PLAIN = "plain"  # the key id under which counts list values stored in plain text


def token_place(column: str, service_id: str, external_id: str) -> str:
    """The associated data of a link's token: its column and the link's natural key."""
    return f"linked_accounts.{column}:{service_id}:{external_id}"


def secret_place(key: str, scope: str, service_id: str) -> str:
    return f"service_configs.secrets.{key}:{scope}:{service_id}"


def application_secret_place(application_id: str) -> str:
    """The associated data of an application's sealed client secret."""
    return f"applications.client_secret:{application_id}"


def signing_key_place(kid: str) -> str:
    """The associated data of a sealed private key that signs ID tokens."""
    return f"signing_keys.private_key:{kid}"


#: the associated data of a waiting letter's bodies (they may carry a one-time link) and
#: of a service's answer held for a second step (its tokens): short-lived, but sealed and
#: re-sealed like the rest, so that no key a pass retires is still needed by them
MAIL_TEXT_PLACE = "mail:text"
MAIL_HTML_PLACE = "mail:html"
HELD_ANSWER_PLACE = "pending_signup"


def state(session: Session, *, lock: bool = False) -> EncryptionState:
    """The state row, read afresh. ``lock``: for changing it (PostgreSQL: FOR UPDATE);
    this transaction's own changes to the row are flushed, then read back. A write of a
    token or secret reads it FOR SHARE instead (``writing_keyring``)."""
    return session.exec(_STATE_LOCKED if lock else _STATE).one()


#: the state's row as ``state`` reads it, built once (every sign-in reads it)
_STATE = select(EncryptionState).where(EncryptionState.id == 1)
_STATE_LOCKED = _STATE.with_for_update().execution_options(populate_existing=True)
_state_row = table_of(EncryptionState)
#: the two columns a write of a token or secret needs, FOR SHARE, so that enabling waits
#: for writes in flight and no plain text lands after it; taken with no flush before it,
#: so that every transaction locks the state before any token or secret row
_STATE_FOR_WRITING = (
    core_select(_state_row.c.enabled, _state_row.c.key_ids)
    .where(_state_row.c.id == 1)
    .with_for_update(read=True)
)


class KeyMismatchError(ValueError):
    """Values are stored under a key this process does not have: it must not add values
    under a key the others lack."""


def is_enabled(session: Session) -> bool:
    return state(session).enabled


# ------------------------------------------------------------------- writing values


def writing_keyring(session: Session, keyring: Keyring) -> Keyring | None:
    """The keys to encrypt the values a transaction writes with, or None while encryption
    is off (the values are stored as they are then). Read once per write, before the
    values' rows are touched, as a plain row (every sign-in asks; ``state`` loads the ORM
    object only when the keys in use change).

    The key is recorded as in use before it makes anything (a process started before a
    rotation keeps the older key needed); a process lacking a key that stored values
    need refuses to write (KeyMismatchError) rather than store values others cannot read.
    """
    enabled, key_ids = session.connection().execute(_STATE_FOR_WRITING).one()
    if not enabled:
        return None
    _record_key(session, key_ids, keyring)
    return keyring


def sealed_value(sealer: Keyring | None, value: str, place: str) -> str:
    """A plain value as ``writing_keyring`` says to store it (empty stays empty)."""
    return sealer.encrypt(value, place) if sealer is not None and value else value


def _record_key(session: Session, key_ids: Sequence[str], keyring: Keyring) -> None:
    missing = [key for key in key_ids if key not in keyring.ids]
    if missing:
        raise KeyMismatchError(f"stored values need key(s) {', '.join(missing)}, not configured")
    if keyring.active_id not in key_ids:
        current = state(session, lock=True)
        current.key_ids = [*current.key_ids, keyring.active_id]
        session.add(current)


def seal_secrets(
    session: Session, keyring: Keyring, scope: str, service_id: str, secrets: Mapping[str, str]
) -> dict[str, str]:
    """A service's secrets as they are stored: sealed once encryption is on."""
    sealer = writing_keyring(session, keyring)
    return {
        key: sealed_value(sealer, value, secret_place(key, scope, service_id))
        for key, value in secrets.items()
    }


def open_secrets(keyring: Keyring, row: ConfiguredService) -> dict[str, str]:
    """A service's secrets in plain text; raises UndecryptableError for one that is not."""
    return {
        key: keyring.decrypt(value, secret_place(key, row.scope, row.service_id))
        for key, value in row.secrets.items()
    }


# -------------------------------------------------------------------- enabling


def enable(session: Session) -> bool:
    """Switch encryption on for good and make a pass due; False when it was on already."""
    current = state(session, lock=True)
    if current.enabled:
        return False
    current.enabled = True
    current.enabled_at = utcnow()
    current.pass_key_id = PENDING
    session.add(current)
    return True


def begin_due_pass(session: Session, keyring: Keyring) -> None:
    """Begin the pass that enabling (or an upgrade) made due, with this process's newest
    key (recorded first); a pass under way or none due is left as it is."""
    current = state(session, lock=True)
    if not current.enabled or current.pass_key_id != PENDING:
        return
    _record_key(session, current.key_ids, keyring)
    _begin_pass(session, current, keyring)
    session.add(current)


def begin_rotation(session: Session, keyring: Keyring) -> None:
    """Seal everything again with the newest key (a pass under way starts over with it)."""
    current = state(session, lock=True)
    if not current.enabled:
        raise ValueError("encryption is off")
    _record_key(session, current.key_ids, keyring)
    _begin_pass(session, current, keyring)
    session.add(current)


def _begin_pass(session: Session, current: EncryptionState, keyring: Keyring) -> None:
    current.pass_key_id = keyring.active_id
    current.pass_cursor = -1
    current.pass_done = 0
    current.pass_total = session.exec(select(func.count()).select_from(LinkedAccount)).one()


# ---------------------------------------------------------------------- the pass


@dataclass(frozen=True)
class PassProgress:
    running: bool
    done: int  # linked accounts sealed so far
    total: int
    #: when the pass ended with this batch: the keys no stored value uses any more
    retired: tuple[str, ...] = ()
    #: the last linked account sealed: the next batch starts after it
    cursor: int = -1


@dataclass(frozen=True)
class SealedBatch:
    """Linked accounts read and sealed, not yet written: those after ``after`` up to
    ``last``. Sealing needs no database, so a pass may seal one batch while the database
    writes the one before (``models/encryption_pipeline``)."""

    after: int
    last: int
    count: int
    #: the compare-and-set's parameters of each row whose values change
    changes: list[dict[str, object]]


def seal_batch(session: Session, keyring: Keyring, size: int = 1000) -> PassProgress:
    """Seal the next batch of the pass in progress (the services' secrets first, then the
    linked accounts in id order); the caller commits. A value that cannot be decrypted is
    left as it is (logged): its key stays needed, and its link or service needs new ones.
    Raises KeyMismatchError when the pass seals with a key that is not this process's
    newest (another process, started with it, finishes the pass)."""
    current = state(session, lock=True)
    if not current.pass_key_id or current.pass_key_id == PENDING:
        return PassProgress(False, current.pass_done, current.pass_total)
    if current.pass_key_id != keyring.active_id:
        raise KeyMismatchError(
            f"the pass under way seals with key {current.pass_key_id}, and this process's "
            f"newest key is {keyring.active_id}"
        )
    if current.pass_cursor < 0:
        for row in session.exec(select(ConfiguredService)):
            sealed = {
                key: _sealed(keyring, value, secret_place(key, row.scope, row.service_id))
                for key, value in row.secrets.items()
            }
            if sealed == row.secrets:
                continue
            try:  # an administrator's form from before now says "changed by someone else"
                claim(session, row, expected=row.version)
            except StaleEditError:
                continue  # saved meanwhile by an administrator: sealed by that save
            row.secrets = sealed
            session.add(row)
        _seal_provider_secrets(session, keyring)
        current.pass_cursor = 0
    rows = read_links(session, current.pass_cursor, size)
    if rows:
        return _write(session, current, seal_links(keyring, current.pass_cursor, rows))
    retired = tuple(key for key in current.key_ids if key != keyring.active_id)
    if retired:  # a scan of everything: only when a key may have become unused
        remaining = set(count_by_key(session)) - {PLAIN}
        current.key_ids = [key for key in current.key_ids if key in remaining | {keyring.active_id}]
    current.pass_key_id = ""
    session.add(current)
    return PassProgress(
        False,
        current.pass_done,
        max(current.pass_total, current.pass_done),
        tuple(key for key in retired if key not in current.key_ids),
        current.pass_cursor,
    )


_LINK_COLUMNS = ("id", "service_id", "external_id", *TOKEN_COLUMNS)
#: a row ``read_links`` reads: id, service, external id, access and refresh token
LinkRow = tuple[int, str, str, str, str | None]


def read_links(session: Session, after: int, size: int) -> list[LinkRow]:
    """The next ``size`` linked accounts after ``after``, in id order: id, service,
    external id and both tokens, as a batch seals them."""
    query = (
        core_select(*(_TABLE.c[name] for name in _LINK_COLUMNS))
        .where(_TABLE.c.id > after)
        .order_by(_TABLE.c.id)
        .limit(size)
    )
    rows = session.connection().execute(query).all()
    return [cast(LinkRow, tuple(row)) for row in rows]


def seal_links(keyring: Keyring, after: int, rows: Sequence[LinkRow]) -> SealedBatch:
    """Both tokens of each row sealed with the newest key (``read_links``'s rows after
    ``after``). Plain text, the common case, is encrypted in one go (``encrypt_many``);
    a ciphertext of an older key is opened and sealed again, one by one."""
    plains: list[str] = []
    places: list[str] = []
    targets: list[tuple[dict[str, object], str]] = []  # where each plain value's goes
    changes: list[dict[str, object]] = []
    for row_id, service_id, external_id, access, refresh in rows:
        change: dict[str, object] = {
            "row_id": row_id,
            "old_access": access,
            "old_refresh": refresh,
            "new_access": access,
            "new_refresh": refresh,
        }
        for value, column, new in (
            (access, "access_token", "new_access"),
            (refresh, "refresh_token", "new_refresh"),
        ):
            if not value:
                continue
            place = token_place(column, service_id, external_id)
            if value.startswith(PREFIX):
                change[new] = _sealed(keyring, value, place)
            else:
                plains.append(value)
                places.append(place)
                targets.append((change, new))
        changes.append(change)
    for (change, new), sealed in zip(targets, keyring.encrypt_many(plains, places), strict=True):
        change[new] = sealed
    changed = [
        change
        for change in changes
        if change["new_access"] != change["old_access"]
        or change["new_refresh"] != change["old_refresh"]
    ]
    return SealedBatch(after, rows[-1][0], len(rows), changed)


def write_sealed(session: Session, keyring: Keyring, batch: SealedBatch) -> PassProgress | None:
    """Write a batch sealed ahead, if the pass is still where the batch begins (same key,
    its cursor at ``batch.after``); None when it moved meanwhile (another process's batch,
    a rotation, the pass's end): then nothing is written, and ``seal_batch`` goes on."""
    current = state(session, lock=True)
    if current.pass_key_id != keyring.active_id or current.pass_cursor != batch.after:
        return None
    return _write(session, current, batch)


def _write(session: Session, current: EncryptionState, batch: SealedBatch) -> PassProgress:
    """The batch's compare-and-set and the pass's cursor moved past it, in one
    transaction (the caller's, holding the state's row)."""
    if batch.changes:
        session.connection().execute(COMPARE_AND_SET, batch.changes)
    current.pass_cursor = batch.last
    current.pass_done += batch.count
    session.add(current)
    return PassProgress(
        True, current.pass_done, max(current.pass_total, current.pass_done), (), batch.last
    )


def _seal_provider_secrets(session: Session, keyring: Keyring) -> None:
    """The applications' client secrets and the signing keys, the waiting letters and the
    held answers: few rows, sealed with the services' secrets, before the linked
    accounts."""
    for application in session.exec(select(Application)):
        place = application_secret_place(application.id)
        sealed = _sealed(keyring, application.client_secret, place)
        if sealed != application.client_secret:
            application.client_secret = sealed
            session.add(application)
    for key in session.exec(select(SigningKey)):
        sealed = _sealed(keyring, key.private_key, signing_key_place(key.kid))
        if sealed != key.private_key:
            key.private_key = sealed
            session.add(key)
    for message in session.exec(select(MailMessage).where(MailMessage.status == "pending")):
        text = _sealed(keyring, message.body_text, MAIL_TEXT_PLACE)
        html = _sealed(keyring, message.body_html, MAIL_HTML_PLACE)
        if (text, html) != (message.body_text, message.body_html):
            message.body_text, message.body_html = text, html
            session.add(message)
    for held in session.exec(select(PendingSignup)):
        sealed = _sealed(keyring, held.answer, HELD_ANSWER_PLACE)
        if sealed != held.answer:
            held.answer = sealed
            session.add(held)


def _sealed(keyring: Keyring, value: str, place: str) -> str:
    """``value`` sealed with the newest key; as it is when empty or undecryptable."""
    if not value:
        return value
    try:
        return keyring.seal(value, place)
    except UndecryptableError as error:
        log.error("encryption.undecryptable place=%s, left as it is (%s)", place, error)
        return value


_TABLE = table_of(LinkedAccount)
#: the pass's write: a value changes only if it is still what the batch read
COMPARE_AND_SET = (
    update(_TABLE)
    .where(
        _TABLE.c.id == bindparam("row_id"),
        _TABLE.c.access_token == bindparam("old_access"),
        _TABLE.c.refresh_token.is_not_distinct_from(bindparam("old_refresh")),
    )
    .values(access_token=bindparam("new_access"), refresh_token=bindparam("new_refresh"))
)


# -------------------------------------------------------------------- counting


def count_by_key(session: Session) -> dict[str, int]:
    """How many stored tokens and secrets each key made, and how many are plain (PLAIN)."""
    counts: Counter[str] = Counter()
    for column_name in TOKEN_COLUMNS:
        column = getattr(LinkedAccount, column_name)
        sealed = func.substr(column, 1, len(PREFIX)) == PREFIX
        key = case((sealed, func.substr(column, len(PREFIX) + 1, 8)), else_=literal(PLAIN))
        query = (
            select(key, func.count()).where(col(column).is_not(None), column != "").group_by(key)
        )
        for found, number in session.exec(query):
            counts[found] += number
    for secrets in session.exec(select(ConfiguredService.secrets)):
        for value in secrets.values():
            counts[key_id_of(value) or PLAIN] += 1
    provider_secrets = [*session.exec(select(Application.client_secret))]
    provider_secrets += session.exec(select(SigningKey.private_key))
    provider_secrets += session.exec(select(PendingSignup.answer))
    for text, html in session.exec(
        select(MailMessage.body_text, MailMessage.body_html).where(MailMessage.status == "pending")
    ):
        provider_secrets += (text, html)
    for value in provider_secrets:
        if value:
            counts[key_id_of(value) or PLAIN] += 1
    return dict(counts)
