"""What the profile page shows about a user's external accounts, and what they may link."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from admin_app.service_catalogue import SiteService
from admin_app.social_auth import may_link, offered_services
from models.db import session_scope
from models.linked_accounts import links_of
from providers import PROVIDERS


@dataclass(frozen=True)
class LinkedAccountView:
    service_id: str
    provider_id: str
    service_title: str  # a message id or the administrator's name
    external_name: str
    picture_url: str | None
    linked_at: datetime
    last_used_at: datetime | None


@dataclass(frozen=True)
class ProfileLinks:
    linked: list[LinkedAccountView]
    linkable: list[SiteService]  # offered here, not linked yet
    may_link: bool


def profile_links(user_id: int, host: str | None) -> ProfileLinks:
    offered = offered_services(host)
    titles = {service.service_id: service.title for service in offered}
    with session_scope() as session:
        links = links_of(session, user_id)
        linked = [
            LinkedAccountView(
                service_id=link.service_id,
                provider_id=link.provider,
                service_title=titles.get(link.service_id)
                or (
                    PROVIDERS[link.provider].title
                    if link.provider in PROVIDERS
                    else link.service_id
                ),
                external_name=f"{link.first_name} {link.last_name}".strip()
                or link.login_hint
                or link.external_id,
                picture_url=link.picture_url,
                linked_at=link.created_at,
                last_used_at=link.last_used_at,
            )
            for link in links
        ]
    linked_ids = {view.service_id for view in linked}
    return ProfileLinks(
        linked=linked,
        linkable=[service for service in offered if service.service_id not in linked_ids],
        may_link=may_link(user_id),
    )
