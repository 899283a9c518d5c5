"""A newcomer's account made from a service's answer: the facts the registration policy is
asked with, and the account with its link. Shared by a sign-in that registers at once
(``social_sign_in``) and one whose address was proven by mail first
(``profile_completion``), so that both make the same account."""

from __future__ import annotations

import logging

from sqlmodel import Session

from admin_app.auth import policy
from admin_app.auth.external_links import new_link
from admin_app.services.catalogue import SiteService
from models import linked_accounts
from models.options import DENIED_AUTH, denied_group_codes, registration_options
from models.tables import User
from models.users import REGISTERED, available_login, create_user, record_sign_in
from providers.base import SignInResult

log = logging.getLogger(__name__)


def facts(session: Session, *, email_taken: bool) -> policy.NewcomerFacts:
    options = registration_options(session)
    return policy.NewcomerFacts(
        email_taken=email_taken,
        registration_open=options.allow_self_registration and options.allow_social_registration,
        new_users_denied_sign_in=REGISTERED in denied_group_codes(session, DENIED_AUTH),
    )


def register(
    session: Session,
    service: SiteService,
    site_id: str,
    result: SignInResult,
    email: str | None,
    *,
    proven_by: str,
) -> User:
    """The new account, linked to the external account and counted as signed in.
    ``email`` is a proven address (the service's word, or our link: ``proven_by``) or
    None; the caller asked the policy."""
    profile = result.profile
    user = create_user(
        session,
        login=available_login(session, f"{service.service_id}_{profile.external_id}"),
        email=email,
        email_verified=True,  # only a proven address is ever given here
        password=None,
        first_name=profile.first_name,
        last_name=profile.last_name,
    )
    assert user.id is not None
    linked_accounts.mark_used(new_link(session, service, site_id, user.id, result))
    record_sign_in(session, user)
    log.info(
        "social.registered service=%s user_id=%d address=%s",
        service.service_id,
        user.id,
        proven_by if email else "none",
    )
    return user
