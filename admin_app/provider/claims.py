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
from typing import Any

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
    salt = (options.pairwise_salt if options else "").encode()
    mac = hmac.new(salt, f"{site_id}:{user_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def scopes_of(grant: ProviderGrant) -> set[str]:
    return set(grant.scope.split())


def claims(session: Session, site: Site, user: User, grant: ProviderGrant) -> dict[str, Any]:
    """The claims the grant's scopes give (UserInfo, and the ID token beside its own)."""
    assert user.id is not None
    scopes = scopes_of(grant)
    result: dict[str, Any] = {"sub": subject(session, site, user.id)}
    if "profile" in scopes:
        name = f"{user.first_name} {user.last_name}".strip()
        result.update(
            name=name or user.login,
            given_name=user.first_name or None,
            family_name=user.last_name or None,
            preferred_username=user.login,
            picture=first_picture(session, user.id),
            locale=grant.locale or None,
        )
    if "email" in scopes and user.email:
        result["email"] = user.email
        result["email_verified"] = user.email_verified
    if "groups" in scopes:
        result["groups"] = sorted(group_codes_of(session, user.id))
    if "linked_services" in scopes:
        links = link_summaries(session, user.id)
        result["linked_services"] = sorted({link.service_id for link in links})
    return {key: value for key, value in result.items() if value is not None}
