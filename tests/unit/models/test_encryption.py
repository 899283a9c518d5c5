"""Tokens and secrets at rest: the cipher, the stored bytes, the pass that seals what is
stored (resumable, never twice, never over a newer token), rotation; on SQLite and on
PostgreSQL (``make test-pg``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from models import db, encryption, mail_outbox, migrate, pending_signups
from models.linked_accounts import read_tokens, token_values
from models.services import ServiceValues, replace_scope
from models.tables import ConfiguredService, LinkedAccount
from models.token_cipher import PREFIX, Keyring, UndecryptableError, key_id, new_key
from models.users import create_user

ACCESS = "ya29.a0AfH6SMBx-the-access-token"
REFRESH = "1//0g-the-refresh-token"


def store_tokens(
    session: Session,
    keyring: Keyring,
    link: LinkedAccount,
    access_token: str,
    refresh_token: str | None,
    scopes: Sequence[str] = ("openid",),
) -> None:
    """The link's tokens as a sign-in stores them (``token_values``)."""
    values = token_values(
        session,
        keyring,
        link.service_id,
        link.external_id,
        access_token=access_token,
        refresh_token=refresh_token,
        expires_at=None,
        scopes=scopes,
    )
    for name, value in values.items():
        setattr(link, name, value)


@pytest.fixture
def keyring() -> Keyring:
    return Keyring([new_key()])


@pytest.fixture
def plain_engine(database_url: str) -> Iterator[Engine]:
    """A database created with ``db upgrade --no-token-encryption``."""
    engine = db.make_engine(db.normalize_database_url(database_url))
    migrate.upgrade(engine, token_encryption=False)
    yield engine
    engine.dispose()


def add_link(session: Session, keyring: Keyring, number: int, refresh: str | None = REFRESH) -> int:
    owner = create_user(session, login=f"owner{number}", email=None, password=None)
    assert owner.id is not None
    link = LinkedAccount(
        user_id=owner.id,
        service_id="google",
        provider="google",
        external_id=str(number),
        site_id="s1",
    )
    store_tokens(session, keyring, link, f"{ACCESS}-{number}", refresh and f"{refresh}-{number}")
    session.add(link)
    session.commit()
    assert link.id is not None
    return link.id


def stored(session: Session, link_id: int) -> tuple[str, str | None]:
    """The bytes in the table, read past the ORM."""
    row = session.connection().execute(
        text("SELECT access_token, refresh_token FROM linked_accounts WHERE id = :id"),
        {"id": link_id},
    )
    access, refresh = row.one()
    return access, refresh


def run_pass(session: Session, keyring: Keyring, size: int = 3) -> encryption.PassProgress:
    while True:
        progress = encryption.seal_batch(session, keyring, size)
        session.commit()
        if not progress.running:
            return progress


# ------------------------------------------------------------------------ cipher


def test_a_ciphertext_names_its_key_and_opens_only_where_it_belongs(keyring: Keyring) -> None:
    sealed = keyring.encrypt(ACCESS, "linked_accounts.access_token:google:1")
    assert sealed.startswith(f"{PREFIX}{keyring.active_id}:") and ACCESS not in sealed
    assert keyring.decrypt(sealed, "linked_accounts.access_token:google:1") == ACCESS
    for elsewhere in (
        "linked_accounts.access_token:google:2",  # another row
        "linked_accounts.refresh_token:google:1",  # another column
    ):
        with pytest.raises(UndecryptableError):
            keyring.decrypt(sealed, elsewhere)
    with pytest.raises(UndecryptableError):
        Keyring([new_key()]).decrypt(sealed, "linked_accounts.access_token:google:1")
    assert keyring.encrypt(ACCESS, "x") != keyring.encrypt(ACCESS, "x")  # a fresh nonce


def test_sealing_never_encrypts_twice_and_moves_old_keys_to_the_newest() -> None:
    old_key, new = new_key(), new_key()
    old = Keyring([old_key])
    sealed = old.seal(ACCESS, "here")
    assert old.seal(sealed, "here") == sealed
    both = Keyring([new, old_key])
    moved = both.seal(sealed, "here")
    assert moved.startswith(f"{PREFIX}{key_id(new)}:")
    assert both.decrypt(moved, "here") == ACCESS


# --------------------------------------------------------------------- databases


def test_a_new_database_encrypts_from_the_start(session: Session, keyring: Keyring) -> None:
    assert encryption.is_enabled(session)
    encryption.begin_due_pass(session, keyring)
    session.commit()
    link_id = add_link(session, keyring, 1)
    access, refresh = stored(session, link_id)
    assert ACCESS not in access and REFRESH not in (refresh or "")
    assert access.startswith(PREFIX) and (refresh or "").startswith(PREFIX)
    link = session.get(LinkedAccount, link_id)
    assert link is not None
    tokens = read_tokens(keyring, link)
    assert tokens is not None and tokens.access_token == f"{ACCESS}-1"
    assert tokens.refresh_token == f"{REFRESH}-1"
    assert encryption.state(session).key_ids == [keyring.active_id]


def test_only_no_token_encryption_keeps_a_new_database_plain(
    plain_engine: Engine, keyring: Keyring
) -> None:
    with Session(plain_engine) as session:
        assert not encryption.is_enabled(session)
        link_id = add_link(session, keyring, 1)
        assert stored(session, link_id) == (f"{ACCESS}-1", f"{REFRESH}-1")
        assert encryption.count_by_key(session) == {encryption.PLAIN: 2}


def test_enabling_seals_everything_stored_and_stays_on(
    plain_engine: Engine, keyring: Keyring
) -> None:
    with Session(plain_engine, expire_on_commit=False) as session:
        links = [
            add_link(session, keyring, n, refresh=None if n == 3 else REFRESH) for n in range(7)
        ]
        replace_scope(
            session,
            keyring,
            "common",
            [ServiceValues("google", "google", secrets={"client_secret": "GOCSPX-secret"})],
        )
        session.commit()
        assert encryption.enable(session)
        encryption.begin_due_pass(session, keyring)
        session.commit()
        assert not encryption.enable(session)  # on already: nothing switches it back
        progress = run_pass(session, keyring)
        assert (progress.done, progress.total) == (7, 7)
        assert encryption.count_by_key(session) == {keyring.active_id: 14}  # 13 tokens, 1 secret
        for number, link_id in enumerate(links):
            access, _ = stored(session, link_id)
            assert access.startswith(PREFIX) and ACCESS not in access
            link = session.get(LinkedAccount, link_id)
            assert link is not None
            tokens = read_tokens(keyring, link)
            assert tokens is not None and tokens.access_token == f"{ACCESS}-{number}"
        config = session.get(ConfiguredService, 1)
        assert config is not None and "GOCSPX" not in config.secrets["client_secret"]
        assert encryption.open_secrets(keyring, config) == {"client_secret": "GOCSPX-secret"}
        # every later write is sealed too
        later = add_link(session, keyring, 99)
        assert stored(session, later)[0].startswith(PREFIX)


def test_a_pass_resumes_where_its_last_batch_ended(plain_engine: Engine, keyring: Keyring) -> None:
    with Session(plain_engine, expire_on_commit=False) as session:
        for number in range(10):
            add_link(session, keyring, number)
        encryption.enable(session)
        encryption.begin_due_pass(session, keyring)
        session.commit()
        encryption.seal_batch(session, keyring, 4)  # the services, then links 1 to 4
        session.commit()
        encryption.seal_batch(session, keyring, 4)  # 5 to 8 ... and the process dies here:
        session.rollback()
        assert encryption.count_by_key(session) == {keyring.active_id: 8, encryption.PLAIN: 12}
    with Session(plain_engine, expire_on_commit=False) as again:  # a new process
        assert run_pass(again, keyring, 4).done == 10
        assert encryption.count_by_key(again) == {keyring.active_id: 20}


def test_a_sign_in_during_a_batch_waits_and_is_neither_lost_nor_plain(
    plain_engine: Engine,
) -> None:
    """On PostgreSQL a sign-in may try to store new tokens while a batch runs (SQLite's
    writers take turns anyway): it waits for the batch (the state row is locked before any
    token row, in every transaction), then stores its tokens sealed; nothing is lost."""
    if plain_engine.dialect.name != "postgresql":
        pytest.skip("SQLite lets one writer at a time: there is nothing to wait for")
    key = new_key()
    keyring = Keyring([key])
    with Session(plain_engine, expire_on_commit=False) as session:
        link_id = add_link(session, keyring, 1)
        encryption.enable(session)
        encryption.begin_due_pass(session, keyring)
        session.commit()

    def sign_in() -> None:
        with Session(plain_engine) as other:
            fresh = other.get(LinkedAccount, link_id)
            assert fresh is not None
            store_tokens(other, keyring, fresh, "NEW", None, scopes=[])
            other.add(fresh)
            other.commit()

    signing_in = threading.Thread(target=sign_in)

    class SignInMeanwhile(Keyring):
        def encrypt_many(self, plains: Sequence[str], places: Sequence[str]) -> list[str]:
            if not signing_in.is_alive() and signing_in.ident is None:
                signing_in.start()
                time.sleep(0.3)  # it reaches the lock and waits there
            return super().encrypt_many(plains, places)

    with Session(plain_engine, expire_on_commit=False) as session:
        run_pass(session, SignInMeanwhile([key]))
    signing_in.join(timeout=10)
    assert not signing_in.is_alive()
    with Session(plain_engine) as session:
        access, refresh = stored(session, link_id)
        assert access.startswith(PREFIX) and refresh is None
        link = session.get(LinkedAccount, link_id)
        assert link is not None
        tokens = read_tokens(keyring, link)
        assert tokens is not None and tokens.access_token == "NEW"


def test_rotation_moves_everything_to_the_new_key_and_retires_the_old(
    session: Session,
) -> None:
    first_key, second_key = new_key(), new_key()
    first = Keyring([first_key])
    encryption.begin_due_pass(session, first)
    session.commit()
    run_pass(session, first)
    links = [add_link(session, first, number) for number in range(5)]
    second = Keyring([second_key, first_key])
    encryption.begin_rotation(session, second)
    session.commit()
    assert encryption.state(session).key_ids == [first.active_id, second.active_id]
    progress = run_pass(session, second, size=2)
    assert progress.retired == (first.active_id,)
    assert encryption.count_by_key(session) == {second.active_id: 10}
    assert encryption.state(session).key_ids == [second.active_id]
    link = session.get(LinkedAccount, links[0])
    assert link is not None
    assert read_tokens(Keyring([second_key]), link) is not None  # the old key is not needed


def test_rotation_also_moves_waiting_letters_and_held_answers(session: Session) -> None:
    """A letter waiting for its server and a service's answer held for a second step are
    sealed too: a key the pass retires is never still needed by them."""
    first_key, second_key = new_key(), new_key()
    first = Keyring([first_key])
    encryption.begin_due_pass(session, first)
    session.commit()
    run_pass(session, first)
    letter = mail_outbox.add(
        session,
        recipient="ann@example.org",
        kind="test",
        language="en",
        subject="Hello",
        body_text=first.encrypt("a link", encryption.MAIL_TEXT_PLACE),
        body_html=first.encrypt("<p>a link</p>", encryption.MAIL_HTML_PLACE),
    )
    pending_signups.hold(
        session,
        kind=pending_signups.LINK_EXISTING,
        browser="b",
        service_id="yandex",
        site_id="s1",
        next_path="/",
        answer=first.encrypt("{}", encryption.HELD_ANSWER_PLACE),
    )
    session.commit()
    assert encryption.count_by_key(session) == {first.active_id: 3}
    second = Keyring([second_key, first_key])
    encryption.begin_rotation(session, second)
    session.commit()
    progress = run_pass(session, second)
    assert progress.retired == (first.active_id,)
    assert encryption.count_by_key(session) == {second.active_id: 3}
    session.refresh(letter)
    only_new = Keyring([second_key])
    assert only_new.decrypt(letter.body_text, encryption.MAIL_TEXT_PLACE) == "a link"


def test_a_ciphertext_copied_into_another_row_does_not_open(
    session: Session, keyring: Keyring
) -> None:
    encryption.begin_due_pass(session, keyring)
    first, second = add_link(session, keyring, 1), add_link(session, keyring, 2)
    copied, _ = stored(session, first)
    session.connection().execute(
        text("UPDATE linked_accounts SET access_token = :value WHERE id = :id"),
        {"value": copied, "id": second},
    )
    session.commit()
    session.expire_all()
    link = session.get(LinkedAccount, second)
    assert link is not None
    assert read_tokens(keyring, link) is None  # needs re-authorization; no crash


def test_a_process_on_an_older_key_notes_it_or_refuses(session: Session) -> None:
    """After a rotation retired the old key, a process started before it still has the
    old key first: with the new key among its keys it records the old one as needed again
    before writing; without it, it refuses to write values the others could not read."""
    old_key, newer_key = new_key(), new_key()
    old, newer = Keyring([old_key]), Keyring([newer_key, old_key])
    encryption.begin_due_pass(session, old)
    session.commit()
    run_pass(session, old)
    encryption.begin_rotation(session, newer)
    session.commit()
    assert run_pass(session, newer).retired == (old.active_id,)
    with pytest.raises(encryption.KeyMismatchError):
        add_link(session, old, 1)
    session.rollback()
    add_link(session, Keyring([old_key, newer_key]), 2)
    assert old.active_id in encryption.state(session).key_ids
