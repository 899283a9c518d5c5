"""Who may sign in, register and link (admin_app/auth/policy.py), as one table.

Every combination of {blocked, in a denied group, "visitors may register" off, the
external account linked to this user / to another user / to nobody} x {sign in, register,
link} is played end to end: a real round trip over HTTP to a fake OpenID provider, as in
test_social_rules.py, whose tests this table's expectations follow. Then the policy's
functions are checked directly, over every combination of their facts.

The rows share one database (SQLite, or PostgreSQL under ``make test-pg``) so that the
table takes seconds, not minutes: each row has users and an external account of its own
and sets the registration options itself, so no row sees another's.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import pytest
from sqlmodel import select

from admin_app.auth import policy
from admin_app.auth.policy import (
    AccountFacts,
    ApplicationFacts,
    LinkFacts,
    LinkOwner,
    NewcomerFacts,
)
from admin_app.auth.purpose import Purpose
from admin_app.auth.refusals import REFUSALS
from admin_app.auth.round_trip import Outcome
from admin_app.core import startup
from admin_app.core.settings import load_settings
from models import auth_sessions
from models.auth_sessions import end_all_of
from models.db import session_scope
from models.tables import LinkedAccount, User
from models.users import count_users, create_user
from providers.openid import forget_cached_metadata
from tests.support.databases import fresh_database
from tests.support.fakes.openid import FakeOpenIDProvider
from tests.support.social_round_trips import configure, round_trip, signed_in_token


class Flow(Enum):
    SIGN_IN = "sign in"  # bob, signed out, with his own external account (his e-mail)
    REGISTER = "register"  # a newcomer, with an address nobody has
    LINK = "link"  # bob, signed in, links the external account


# What a round trip ended with, when it was not refused:
SIGNED_IN_AS_BOB = "signed in as bob"
SIGNED_IN_AS_CAROL = "signed in as carol"
REGISTERED = "registered a new user"
LINKED = "linked to bob"
OFFERED_BOBS = "offered to sign in to bob's account and link"


@dataclass(frozen=True)
class Row:
    flow: Flow
    blocked: bool  # bob is blocked (as an administrator blocks: signed out everywhere)
    denied: bool  # "registered", every user's group, is denied sign-in and linking
    registration_off: bool  # "visitors may register" is off
    linked: LinkOwner  # whose the external account is: bob's, carol's or nobody's

    @property
    def id(self) -> str:
        flags = [
            name
            for name, on in (
                ("blocked", self.blocked),
                ("denied", self.denied),
                ("registration-off", self.registration_off),
            )
            if on
        ]
        return "-".join(
            [self.flow.value.replace(" ", "-"), *flags, f"linked-to-{self.linked.name}"]
        )


ROWS = [
    Row(flow, blocked, denied, registration_off, linked)
    for flow, blocked, denied, registration_off, linked in itertools.product(
        Flow, (False, True), (False, True), (False, True), LinkOwner
    )
]


def expected(row: Row) -> str:
    """What the product does (the rules of test_social_rules.py): a refusal code of
    ``refusals.REFUSALS``, or one of the successes above."""
    if row.flow is Flow.LINK:
        if row.blocked:
            return "link_session_changed"  # blocking ended bob's session
        if row.denied:
            return "link_denied"
        return "linked_elsewhere" if row.linked is LinkOwner.ANOTHER_USER else LINKED
    if row.linked is LinkOwner.THIS_USER:  # bob's own account signs bob in
        if row.blocked:
            return "user_blocked"
        return "auth_denied_group" if row.denied else SIGNED_IN_AS_BOB
    if row.linked is LinkOwner.ANOTHER_USER:  # carol's account signs carol in
        return "auth_denied_group" if row.denied else SIGNED_IN_AS_CAROL
    if row.flow is Flow.SIGN_IN:  # bob's address from an account linked to nobody
        if row.blocked:  # never merged: offered to prove bob's account, if it may link
            return "user_blocked"
        return "auth_denied_group" if row.denied else OFFERED_BOBS
    return "registration_closed" if row.registration_off or row.denied else REGISTERED


# ---------------------------------------------------------------- the installation


@pytest.fixture(scope="module")
def idp() -> Iterator[FakeOpenIDProvider]:
    forget_cached_metadata()
    fake = FakeOpenIDProvider(client_id="app", client_secret="secret", profile={}).start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The database and DATA_DIR (its keys) that every row uses."""
    directory = tmp_path_factory.mktemp("policy")
    with fresh_database(directory) as url:
        yield url, directory / "data"


@pytest.fixture
def installation(
    isolated_settings: Path,
    shared: tuple[str, Path],
    idp: FakeOpenIDProvider,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, data_dir = shared
    monkeypatch.setenv("SOCIALSERVICES_DATABASE_URL", url)
    monkeypatch.setenv("SOCIALSERVICES_DATA_DIR", str(data_dir))
    startup.prepare(load_settings())
    configure(idp)


def local_user(login: str) -> int:
    with session_scope() as session:
        user = create_user(
            session,
            login=login,
            email=f"{login}@example.org",
            password=None,
            email_verified=True,  # the address is theirs: the service's word for it is bob's
        )
        assert user.id is not None
        return user.id


def block(user_id: int) -> None:
    """As an administrator blocks a user (admin_app.admin.users.set_user_active)."""
    with session_scope() as session:
        user = session.get(User, user_id)
        assert user is not None
        user.is_active = False
        end_all_of(session, user_id)


def owner_of(external_id: str) -> int | None:
    with session_scope() as session:
        link = session.exec(
            select(LinkedAccount).where(LinkedAccount.external_id == external_id)
        ).first()
        return link.user_id if link is not None else None


def users() -> int:
    with session_scope() as session:
        return count_users(session)


def result_of(outcome: Outcome, people: dict[int, str]) -> str:
    """The outcome in the table's words."""
    if outcome.refusal is not None:
        return outcome.refusal
    if outcome.linked:
        return LINKED
    if outcome.next_path.startswith("/link/existing?ticket="):
        return OFFERED_BOBS
    with session_scope() as session:
        signed_in = auth_sessions.user_of(session, outcome.auth_token or "")
    assert signed_in is not None, outcome
    return {"bob": SIGNED_IN_AS_BOB, "carol": SIGNED_IN_AS_CAROL}.get(
        people.get(signed_in, ""), REGISTERED
    )


# ------------------------------------------------------------------ the table, end to end


@pytest.mark.usefixtures("installation")
@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
async def test_the_table_end_to_end(row: Row, idp: FakeOpenIDProvider) -> None:
    number = ROWS.index(row)
    bob, carol = local_user(f"bob{number}"), local_user(f"carol{number}")
    account = f"account-{number}"
    address = (
        f"new{number}@example.org" if row.flow is Flow.REGISTER else f"bob{number}@example.org"
    )
    idp.user_profile = {"sub": account, "email": address, "email_verified": True}
    owners = {LinkOwner.THIS_USER: bob, LinkOwner.ANOTHER_USER: carol}
    if row.linked in owners:  # linked the way the product links, while nothing is denied
        owner = owners[row.linked]
        made = await round_trip(Purpose.LINK, user_id=owner, auth_token=signed_in_token(owner))
        assert made.linked, made
    bob_token = signed_in_token(bob)
    configure(
        idp,
        registration=not row.registration_off,
        denied_auth=("registered",) if row.denied else (),
        denied_link=("registered",) if row.denied else (),
    )
    if row.blocked:
        block(bob)
    users_before, owner_before = users(), owner_of(account)

    if row.flow is Flow.LINK:
        outcome = await round_trip(Purpose.LINK, user_id=bob, auth_token=bob_token)
    else:
        outcome = await round_trip(Purpose.LOGIN)

    assert result_of(outcome, {bob: "bob", carol: "carol"}) == expected(row)
    if outcome.refusal is not None:  # nothing half-done
        assert outcome.auth_token is None and not outcome.linked
        assert (users(), owner_of(account)) == (users_before, owner_before)


def test_the_table_has_every_combination_once() -> None:
    assert len(ROWS) == len(set(ROWS)) == 3 * 2 * 2 * 2 * 3


# ------------------------------------------------------------- the policy's functions


@pytest.mark.parametrize(
    ("blocked", "denied", "answer"),
    [
        (False, False, None),
        (False, True, "auth_denied_group"),
        (True, False, "user_blocked"),
        (True, True, "user_blocked"),
    ],
)
def test_sign_in(blocked: bool, denied: bool, answer: str | None) -> None:
    facts = AccountFacts(blocked=blocked, in_group_denied_sign_in=denied)
    assert policy.sign_in_refusal(facts) == answer


@pytest.mark.parametrize(
    ("email_taken", "registration_open", "new_users_denied", "answer"),
    [
        (False, True, False, None),
        (False, True, True, "registration_closed"),
        (False, False, False, "registration_closed"),
        (False, False, True, "registration_closed"),
        (True, True, False, "email_exists"),
        (True, True, True, "email_exists"),
        (True, False, False, "email_exists"),
        (True, False, True, "email_exists"),
    ],
)
def test_registration(
    email_taken: bool, registration_open: bool, new_users_denied: bool, answer: str | None
) -> None:
    facts = NewcomerFacts(
        email_taken=email_taken,
        registration_open=registration_open,
        new_users_denied_sign_in=new_users_denied,
    )
    assert policy.registration_refusal(facts) == answer


@pytest.mark.parametrize(
    ("signed_in", "denied", "owner", "answer"),
    [
        (True, False, LinkOwner.NOBODY, None),
        (True, False, LinkOwner.THIS_USER, None),
        (True, False, LinkOwner.ANOTHER_USER, "linked_elsewhere"),
        (True, True, LinkOwner.NOBODY, "link_denied"),
        (True, True, LinkOwner.THIS_USER, "link_denied"),
        (True, True, LinkOwner.ANOTHER_USER, "link_denied"),
        *[
            (False, denied, owner, "link_session_changed")
            for denied in (False, True)
            for owner in LinkOwner
        ],
    ],
)
def test_link(signed_in: bool, denied: bool, owner: LinkOwner, answer: str | None) -> None:
    facts = LinkFacts(still_signed_in=signed_in, in_group_denied_linking=denied, owner=owner)
    assert policy.link_refusal(facts) == answer


@pytest.mark.parametrize(
    ("blocked", "denied", "allowed", "answer"),
    [
        (False, False, True, None),
        (False, False, False, "application_denied"),
        (False, True, True, "auth_denied_group"),
        (False, True, False, "auth_denied_group"),
        *[(True, denied, allowed, "user_blocked") for denied in (0, 1) for allowed in (0, 1)],
    ],
)
def test_application(blocked: bool, denied: bool, allowed: bool, answer: str | None) -> None:
    facts = ApplicationFacts(
        blocked=blocked, in_group_denied_sign_in=bool(denied), allowed_by_application=bool(allowed)
    )
    assert policy.application_refusal(facts) == answer


def test_starting_to_link_and_the_password_sign_in() -> None:
    assert policy.link_start_refusal(in_group_denied_linking=False) is None
    assert policy.link_start_refusal(in_group_denied_linking=True) == "link_denied"
    assert policy.password_sign_in_refusal(blocked=False) is None
    assert policy.password_sign_in_refusal(blocked=True) == "user_blocked"


def test_every_refusal_has_words_for_the_visitor() -> None:
    answers = {
        policy.sign_in_refusal(AccountFacts(blocked=b, in_group_denied_sign_in=d))
        for b, d in itertools.product((False, True), repeat=2)
    }
    answers |= {
        policy.registration_refusal(
            NewcomerFacts(email_taken=e, registration_open=o, new_users_denied_sign_in=d)
        )
        for e, o, d in itertools.product((False, True), repeat=3)
    }
    answers |= {
        policy.link_refusal(LinkFacts(still_signed_in=s, in_group_denied_linking=d, owner=owner))
        for s, d, owner in itertools.product((False, True), (False, True), LinkOwner)
    }
    answers |= {policy.password_sign_in_refusal(blocked=True)}
    assert answers - {None} <= set(REFUSALS)
    successes = {SIGNED_IN_AS_BOB, SIGNED_IN_AS_CAROL, REGISTERED, LINKED, OFFERED_BOBS}
    assert {expected(row) for row in ROWS} - successes <= set(REFUSALS)


# ------------------------- a service's address that has an account; no address (H4)


@pytest.mark.parametrize(
    ("blocked", "denied_sign_in", "denied_linking", "answer"),
    [
        (False, False, False, None),
        (False, False, True, "link_denied"),
        (False, True, False, "auth_denied_group"),
        (False, True, True, "auth_denied_group"),
        *[(True, s, k, "user_blocked") for s in (False, True) for k in (False, True)],
    ],
)
def test_linking_to_the_account_that_has_the_address(
    blocked: bool, denied_sign_in: bool, denied_linking: bool, answer: str | None
) -> None:
    facts = policy.ExistingAccountFacts(
        blocked=blocked,
        in_group_denied_sign_in=denied_sign_in,
        in_group_denied_linking=denied_linking,
    )
    assert policy.existing_account_refusal(facts) == answer


@pytest.mark.parametrize(
    ("owner", "answer"),
    [
        (LinkOwner.THIS_USER, None),
        (LinkOwner.NOBODY, "not_that_account"),
        (LinkOwner.ANOTHER_USER, "not_that_account"),
    ],
)
def test_a_service_proves_only_the_account_it_is_linked_to(
    owner: LinkOwner, answer: str | None
) -> None:
    assert policy.proof_by_service_refusal(owner) == answer


@pytest.mark.parametrize(
    ("required", "proven", "asked"),
    [(False, False, False), (False, True, False), (True, False, True), (True, True, False)],
)
def test_an_address_is_asked_for_only_when_required_and_not_given(
    required: bool, proven: bool, asked: bool
) -> None:
    assert policy.asks_for_address(required=required, proven_address=proven) is asked


def test_without_mail_a_required_address_refuses_the_newcomer() -> None:
    assert policy.address_step_refusal(mail_configured=True) is None
    assert policy.address_step_refusal(mail_configured=False) == "address_unprovable"


def test_the_refusals_of_linking_to_an_account_have_words() -> None:
    answers = {
        policy.existing_account_refusal(policy.ExistingAccountFacts(b, s, k))
        for b, s, k in itertools.product((False, True), repeat=3)
    }
    answers |= {policy.proof_by_service_refusal(owner) for owner in LinkOwner}
    answers |= {policy.address_step_refusal(mail_configured=False)}
    assert answers - {None} <= set(REFUSALS)


# ------------------------------------------------- the registration form, resets (H2)


@pytest.mark.parametrize(
    ("allowed", "mail", "answer"),
    [(True, True, None), (False, True, "registration_off"), (True, False, "mail_off")],
)
def test_the_registration_form_needs_the_option_and_mail(
    allowed: bool, mail: bool, answer: str | None
) -> None:
    assert policy.self_registration_refusal(allowed=allowed, mail_configured=mail) == answer


@pytest.mark.parametrize(
    ("verification", "awaiting", "answer"),
    [
        ("before", True, "email_unverified"),
        ("before", False, None),
        ("later", True, None),
        ("later", False, None),
    ],
)
def test_only_before_mode_keeps_an_awaiting_account_out(
    verification: str, awaiting: bool, answer: str | None
) -> None:
    assert (
        policy.unverified_sign_in_refusal(verification=verification, awaiting_verification=awaiting)
        == answer
    )


@pytest.mark.parametrize(
    ("blocked", "has_address", "answer"),
    [(False, True, None), (True, True, "user_blocked"), (False, False, "no_address")],
)
def test_a_reset_letter_goes_to_an_active_account_with_an_address(
    blocked: bool, has_address: bool, answer: str | None
) -> None:
    assert policy.password_reset_refusal(blocked=blocked, has_address=has_address) == answer
