"""UserInfo (OpenID Connect Core 5.3): the claims an access token's scopes give.

The person is checked again at every call: a blocked user's token gets ``invalid_token``
at once, not when it expires."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from models import access_token_holder
from models.access_facts import split_codes
from models.db import read_connection

from . import access
from .claims import PAIRWISE, claims_of, pairwise_subject


@dataclass(frozen=True)
class UserInfoAnswer:
    status: int
    body: dict[str, Any]
    #: for a refusal: the ``WWW-Authenticate`` header (RFC 6750 3)
    challenge: str = ""


_INVALID = UserInfoAnswer(401, {}, 'Bearer error="invalid_token"')


def bearer_token(authorization: str | None, form: dict[str, str]) -> str:
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return form.get("access_token", "")


def user_info(token: str) -> UserInfoAnswer:
    """Read in one statement on plain rows (``models.access_token_holder``): UserInfo is
    asked at every call of every application."""
    if not token:
        return UserInfoAnswer(401, {}, "Bearer")
    with read_connection() as connection:
        found = access_token_holder.holder(connection, token)
        if found is None:
            return _INVALID
        groups = split_codes(found.group_codes)
        refused = access.refusal_of(
            found.everyone,
            found.allowed_groups,
            is_active=found.is_active,
            groups=groups,
            in_denied_group=bool(found.in_denied_group),
        )
        if refused is not None:
            return _INVALID
        user_id = found.user_id
        if found.subject_type == PAIRWISE:
            sub = pairwise_subject(found.pairwise_salt or "", found.site_id, user_id)
        else:
            sub = str(user_id)
        body = claims_of(
            sub,
            set(found.scope.split()),
            found,
            locale=found.locale,
            picture=lambda: found.picture,
            groups=lambda: groups,
            services=lambda: access_token_holder.linked_service_ids(connection, user_id),
        )
        return UserInfoAnswer(200, body)
