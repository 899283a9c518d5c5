"""What an application learns about a person: the subject and the claims of each scope.

``sub`` is the user's id for sites with public subjects, or for a site with pairwise
subjects a value of its own (HMAC of the site and the user under the installation's salt)
that applications of two sites cannot correlate. ``email_verified`` is the user's own
``email_verified``: true only for an address proved by our link or vouched for by a linked
service; an address typed in a form (or set by an administrator) proves nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from typing import Any, Protocol

from sqlmodel import Session

from models.link_pictures import first_picture
from models.linked_accounts import link_summaries
from models.tables import ProviderGrant, ProviderOptions, Site, User
from models.users import group_codes_of

PAIRWISE = "pairwise"
SUBJECT_TYPES = ("public", PAIRWISE)


def subject(session: Session, site: Site, user_id: int) -> str:
    return subject_of(session, site.id, site.subject_type, user_id)


def subject_of(session: Session, site_id: str, subject_type: str, user_id: int) -> str:
    if subject_type != PAIRWISE:
        return str(user_id)
    options = session.get(ProviderOptions, 1)
    return pairwise_subject(options.pairwise_salt if options else "", site_id, user_id)


def pairwise_subject(salt: str, site_id: str, user_id: int) -> str:
    mac = hmac.new(salt.encode(), f"{site_id}:{user_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def scopes_of(grant: ProviderGrant) -> set[str]:
    return set(grant.scope.split())


def claims(
    session: Session,
    site: Site,
    user: User,
    grant: ProviderGrant,
    *,
    group_codes: set[str] | None = None,
) -> dict[str, Any]:
    """The claims the grant's scopes give (the ID token's, beside its own);
    ``group_codes`` when read already (``access.checked``)."""
    assert user.id is not None
    user_id = user.id
    return claims_of(
        subject(session, site, user_id),
        scopes_of(grant),
        user,
        locale=grant.locale,
        picture=lambda: first_picture(session, user_id),
        groups=lambda: group_codes_of(session, user_id) if group_codes is None else group_codes,
        services=lambda: {link.service_id for link in link_summaries(session, user_id)},
    )


class Person(Protocol):
    """What the claims say of a person: a ``User`` row, or a plain row of its columns."""

    @property
    def first_name(self) -> str: ...
    @property
    def last_name(self) -> str: ...
    @property
    def login(self) -> str: ...
    @property
    def email(self) -> str | None: ...
    @property
    def email_verified(self) -> bool: ...


def claims_of(
    sub: str,
    scopes: set[str],
    person: Person,
    *,
    locale: str,
    picture: Callable[[], str | None],
    groups: Callable[[], set[str]],
    services: Callable[[], set[str]],
) -> dict[str, Any]:
    """The claims of ``scopes``; the picture, groups and services are asked for only when
    a scope needs them (the token step reads each then; UserInfo has them read already)."""
    result: dict[str, Any] = {"sub": sub}
    if "profile" in scopes:
        name = f"{person.first_name} {person.last_name}".strip()
        result.update(
            name=name or person.login,
            given_name=person.first_name or None,
            family_name=person.last_name or None,
            preferred_username=person.login,
            picture=picture(),
            locale=locale or None,
        )
    if "email" in scopes and person.email:
        result["email"] = person.email
        result["email_verified"] = person.email_verified
    if "groups" in scopes:
        result["groups"] = sorted(groups())
    if "linked_services" in scopes:
        result["linked_services"] = sorted(services())
    return {key: value for key, value in result.items() if value is not None}
