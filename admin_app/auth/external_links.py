"""The linked-account rows a round trip writes, for registering and for linking alike: a
new link, or an existing one brought up to date with what the service just said."""

from __future__ import annotations

from sqlmodel import Session

from admin_app.core import token_storage
from admin_app.services.catalogue import SiteService
from models import linked_accounts
from models.tables import LinkedAccount
from providers.base import SignInResult


def new_link(
    session: Session, service: SiteService, site_id: str, user_id: int, result: SignInResult
) -> LinkedAccount:
    link = LinkedAccount(
        user_id=user_id,
        service_id=service.service_id,
        provider=service.provider.id,
        issuer=service.issuer,
        external_id=result.profile.external_id,
        site_id=site_id,
    )
    update_link(session, link, result)
    session.add(link)
    session.flush()  # the unique (service, issuer, external id) decides parallel callbacks here
    return link


def update_link(session: Session, link: LinkedAccount, result: SignInResult) -> None:
    profile, tokens = result.profile, result.tokens
    linked_accounts.record_profile(
        link,
        login_hint=profile.login_hint,
        first_name=profile.first_name,
        last_name=profile.last_name,
        email=profile.email,
        email_verified=profile.email_verified,
        picture_url=profile.picture_url,
        profile_url=profile.profile_url,
        raw=profile.raw,
    )
    token_storage.store_link_tokens(session, link, tokens)


def existing_link(
    session: Session, service: SiteService, result: SignInResult
) -> LinkedAccount | None:
    """The link of the account the service answered for, found through the issuer that
    vouches for its id (the same id from another issuer is somebody else)."""
    return linked_accounts.find_link(
        session,
        service_id=service.service_id,
        issuer=service.issuer,
        external_id=result.profile.external_id,
    )
