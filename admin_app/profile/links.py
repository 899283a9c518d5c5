"""What the profile page shows about a user's external accounts, and what they may link."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from admin_app.auth.round_trip import offered_services
from admin_app.auth.social_link import may_link
from admin_app.profile.own_account import signs_in_with
from admin_app.services.catalogue import SiteService, services_offered_anywhere
from models.db import session_scope
from models.linked_accounts import links_of
from models.options import activity_options
from models.tables import User
from providers import PROVIDERS, PUBLISHERS


@dataclass(frozen=True)
class LinkedAccountView:
    link_id: int
    service_id: str
    provider_id: str
    service_title: str  # a message id or the administrator's name
    external_name: str
    picture_url: str | None
    #: the address the service gave; unverified, it is a contact only (not the user's)
    email: str | None
    email_verified: bool
    linked_at: datetime
    last_used_at: datetime | None
    #: an X or Facebook account: it may publish the user's activity
    can_publish: bool
    publishes: bool


@dataclass(frozen=True)
class ProfileLinks:
    linked: list[LinkedAccountView]
    linkable: list[SiteService]  # offered here, not linked yet
    may_link: bool
    #: the administrator allows sending activities: the "publish" switches are shown
    activity_allowed: bool
    #: the user has a password: every link may go; without one the last way must stay
    has_password: bool
    #: the links the user can sign in with now (their service is offered somewhere)
    sign_in_ways: list[int]


def _title(service_id: str, provider_id: str, titles: dict[str, str]) -> str:
    if service_id in titles:
        return titles[service_id]
    return PROVIDERS[provider_id].title if provider_id in PROVIDERS else service_id


def profile_links(user_id: int, host: str | None) -> ProfileLinks:
    offered = offered_services(host)
    titles = {service.service_id: service.title for service in offered}
    anywhere = services_offered_anywhere()
    with session_scope() as session:
        user = session.get(User, user_id)
        assert user is not None
        rows = links_of(session, user_id)
        sign_in_ways = [link.id for link in signs_in_with(rows, anywhere) if link.id is not None]
        linked = [
            LinkedAccountView(
                link_id=link.id,
                service_id=link.service_id,
                provider_id=link.provider,
                service_title=_title(link.service_id, link.provider, titles),
                external_name=f"{link.first_name} {link.last_name}".strip()
                or link.login_hint
                or link.external_id,
                picture_url=link.picture_url,
                email=link.email,
                email_verified=link.email_verified,
                linked_at=link.created_at,
                last_used_at=link.last_used_at,
                can_publish=link.provider in PUBLISHERS,
                publishes=link.publish_activity,
            )
            for link in rows
            if link.id is not None
        ]
        activity_allowed = activity_options(session).send_activity
        has_password = user.password_hash is not None
    linked_ids = {view.service_id for view in linked}
    return ProfileLinks(
        linked=linked,
        linkable=[service for service in offered if service.service_id not in linked_ids],
        may_link=may_link(user_id),
        activity_allowed=activity_allowed,
        has_password=has_password,
        sign_in_ways=sign_in_ways,
    )
