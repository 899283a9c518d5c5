"""Who may sign in, register and link: the one place that decides.

Each decision is a pure function over facts that its caller read, in the transaction
that then acts on the answer. Nothing here reads the database, so the rules fit on one
screen and are tested as one table (tests/unit/admin_app/test_policy.py). An answer is
None when allowed, else a refusal code: a key of ``refusals.REFUSALS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class LinkOwner(Enum):
    """Whose an external account is, seen from the user who links it."""

    NOBODY = "nobody"
    THIS_USER = "this user"
    ANOTHER_USER = "another user"


@dataclass(frozen=True)
class AccountFacts:
    """About the user an external account is linked to, who signs in with it."""

    blocked: bool
    #: a member of a group denied sign-in through external services
    in_group_denied_sign_in: bool


@dataclass(frozen=True)
class ApplicationFacts:
    """About a user signing in to one of a site's applications (or refreshing its tokens)."""

    blocked: bool
    #: a member of a group denied sign-in through external services
    in_group_denied_sign_in: bool
    #: the application is for everyone, or the user is in one of its groups
    allowed_by_application: bool


@dataclass(frozen=True)
class NewcomerFacts:
    """About a person whose external account is linked to nobody: a registration."""

    #: the address the service vouches for is already a user's
    email_taken: bool
    #: "visitors may register" and "registration through social networks" are both on
    registration_open: bool
    #: the group every new user joins is denied sign-in through external services
    new_users_denied_sign_in: bool


@dataclass(frozen=True)
class LinkFacts:
    """About a user linking an external account, once the service has answered."""

    #: the browser is still signed in as the user who started linking (the facts below
    #: are about that user)
    still_signed_in: bool
    #: a member of a group denied linking external services
    in_group_denied_linking: bool
    owner: LinkOwner


def sign_in_refusal(facts: AccountFacts) -> str | None:
    """A linked account signs its user in, unless blocked or in a denied group."""
    if facts.blocked:
        return "user_blocked"
    if facts.in_group_denied_sign_in:
        return "auth_denied_group"
    return None


def registration_refusal(facts: NewcomerFacts) -> str | None:
    """A new person is registered only while registration through external services is
    open; an address that belongs to someone is never merged into a new account (its
    owner links the service from the profile page instead)."""
    if facts.email_taken:
        return "email_exists"
    if not facts.registration_open or facts.new_users_denied_sign_in:
        return "registration_closed"
    return None


def link_start_refusal(*, in_group_denied_linking: bool) -> str | None:
    """Whether a signed-in user may link at all: asked before the service is asked, and
    for the profile page's buttons."""
    return "link_denied" if in_group_denied_linking else None


def link_refusal(facts: LinkFacts) -> str | None:
    """An external account is linked to the user who started linking, if that user is
    still the one signed in, may link, and the account is nobody else's."""
    if not facts.still_signed_in:
        return "link_session_changed"
    refusal = link_start_refusal(in_group_denied_linking=facts.in_group_denied_linking)
    if refusal is None and facts.owner is LinkOwner.ANOTHER_USER:
        return "linked_elsewhere"
    return refusal


def password_sign_in_refusal(*, blocked: bool) -> str | None:
    """A login and its right password sign a user in unless blocked (the sign-in form
    then says no more than it does for a wrong password)."""
    return "user_blocked" if blocked else None


def application_refusal(facts: ApplicationFacts) -> str | None:
    """An application gets a code or tokens for a user only while the user may sign in
    here at all (not blocked, not in a group denied sign-in) and is one of those the
    application is for. Asked at the code and again at every refresh, so that blocking
    a user or leaving a group ends their applications' sign-ins too."""
    refusal = sign_in_refusal(AccountFacts(facts.blocked, facts.in_group_denied_sign_in))
    if refusal is None and not facts.allowed_by_application:
        return "application_denied"
    return refusal


# ----------------------------------------------------- registration form, addresses (H2)

#: how a registered address is proven: before the first sign-in, or at leisure
VERIFY_BEFORE = "before"
VERIFY_LATER = "later"
EMAIL_VERIFICATION_MODES = (VERIFY_BEFORE, VERIFY_LATER)


def self_registration_refusal(*, allowed: bool, mail_configured: bool) -> str | None:
    """The registration form is open only while visitors may register themselves and the
    app can send the letter that proves the address (an account nobody can confirm or
    reset would be a dead end)."""
    if not allowed:
        return "registration_off"
    if not mail_configured:
        return "mail_off"
    return None


def unverified_sign_in_refusal(*, verification: str, awaiting_verification: bool) -> str | None:
    """In "before" mode an account registered with the form signs in only once its
    address is proven; asked only after its password was right (the form may then say
    so: whoever typed the password is the person who registered). Accounts made any other
    way (an administrator, a service) are never awaiting it."""
    if verification == VERIFY_BEFORE and awaiting_verification:
        return "email_unverified"
    return None


def password_reset_refusal(*, blocked: bool, has_address: bool) -> str | None:
    """A reset letter goes to an active account's address on file, proven or not: it is
    the only address there is, chosen by whoever made the account, and following the link
    proves it. A blocked account gets none (the form answers the same)."""
    if blocked:
        return "user_blocked"
    if not has_address:
        return "no_address"
    return None


# ------------------------- a service's address that has an account; no address (H4)


@dataclass(frozen=True)
class ExistingAccountFacts:
    """About the account that already has the address a service vouched for, which the
    person signing in is offered to prove theirs, so that the service is linked to it."""

    blocked: bool
    #: a member of a group denied sign-in through external services
    in_group_denied_sign_in: bool
    #: a member of a group denied linking external services
    in_group_denied_linking: bool


def existing_account_refusal(facts: ExistingAccountFacts) -> str | None:
    """The service is linked to the account that has its address, and signs it in, only
    if that account could sign in with a linked service and may link one. Asked when the
    offer is made (nobody proves a password for nothing) and again when it is accepted.
    Nothing is merged on the address alone: the person proves the account (its password,
    or a service already linked to it) in the browser that brought the service's answer."""
    refusal = sign_in_refusal(AccountFacts(facts.blocked, facts.in_group_denied_sign_in))
    if refusal is None:
        refusal = link_start_refusal(in_group_denied_linking=facts.in_group_denied_linking)
    return refusal


def proof_by_service_refusal(owner_of_proof: LinkOwner) -> str | None:
    """A service proves the account only with an external account linked to exactly
    that account (``THIS_USER``); one linked to nobody or to someone else proves nothing."""
    return None if owner_of_proof is LinkOwner.THIS_USER else "not_that_account"


def asks_for_address(*, required: bool, proven_address: bool) -> bool:
    """A newcomer whose service gave no verified address is asked for one (and proves it
    by a link sent there) before the account is made, when the administrator requires
    an address; otherwise the account is made without one."""
    return required and not proven_address


def address_step_refusal(*, mail_configured: bool) -> str | None:
    """Asking for an address needs mail to prove it. Without mail the requirement cannot
    be met, and the newcomer is refused rather than registered without an address: the
    administrator asked that every such account have a proven one (a password reset and
    the applications' e-mail claims rely on it), and the refusal names the cause in the
    log."""
    return None if mail_configured else "address_unprovable"
