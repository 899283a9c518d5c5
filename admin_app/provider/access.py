"""Whether a person may be signed in to an application now: the facts for the policy.

Read at the code and again at every refresh and UserInfo call, in the transaction that
acts on the answer, so that blocking a user or a group's denial bites at once.
"""

from __future__ import annotations

from sqlmodel import Session

from admin_app.auth import policy
from models.access_facts import groups_and_denial
from models.tables import Application, User


def refusal(session: Session, application: Application, user: User | None) -> str | None:
    """None when allowed, else a refusal code (``policy.application_refusal``)."""
    return checked(session, application, user)[0]


def checked(
    session: Session, application: Application, user: User | None
) -> tuple[str | None, set[str]]:
    """As ``refusal``, with the person's group codes it read (the token's ``groups``
    claim then needs no statement of its own)."""
    if user is None or user.id is None:
        return "user_blocked", set()
    groups, denied = groups_and_denial(session.connection(), user.id)
    refused = refusal_of(
        application.everyone,
        application.allowed_groups,
        is_active=user.is_active,
        groups=groups,
        in_denied_group=denied,
    )
    return refused, groups


def refusal_of(
    everyone: bool,
    allowed_groups: list[str],
    *,
    is_active: bool,
    groups: set[str],
    in_denied_group: bool,
) -> str | None:
    """As ``refusal``, from facts read already (forward auth reads them in one go)."""
    facts = policy.ApplicationFacts(
        blocked=not is_active,
        in_group_denied_sign_in=in_denied_group,
        allowed_by_application=everyone or bool(groups & set(allowed_groups)),
    )
    return policy.application_refusal(facts)
