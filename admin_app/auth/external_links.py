"""The linked-account rows a round trip writes, for registering and for linking alike: a
new link, or an existing one brought up to date with what the service just said."""

from __future__ import annotations

from typing import Any

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
    for name, value in _link_values(session, link.service_id, link.external_id, result).items():
        setattr(link, name, value)


def refresh_link(session: Session, link: linked_accounts.LinkKey, result: SignInResult) -> None:
    """``update_link`` for a returning sign-in, which has the link's key only, and marks
    the link used in the same UPDATE."""
    values = _link_values(session, link.service_id, link.external_id, result)
    linked_accounts.refresh_link(session, link, values)


def _link_values(
    session: Session, service_id: str, external_id: str, result: SignInResult
) -> dict[str, Any]:
    """What the service said this time, and its tokens as stored."""
    profile = result.profile
    return {
        **linked_accounts.profile_values(
            login_hint=profile.login_hint,
            first_name=profile.first_name,
            last_name=profile.last_name,
            email=profile.email,
            email_verified=profile.email_verified,
            picture_url=profile.picture_url,
            profile_url=profile.profile_url,
            raw=profile.raw,
        ),
        **token_storage.link_token_values(session, service_id, external_id, result.tokens),
    }


def existing_link_key(
    session: Session, service: SiteService, result: SignInResult
) -> linked_accounts.LinkKey | None:
    """``existing_link``'s key only, for a returning sign-in."""
    return linked_accounts.find_link_key(
        session,
        service_id=service.service_id,
        issuer=service.issuer,
        external_id=result.profile.external_id,
    )


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
