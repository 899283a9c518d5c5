"""UserInfo (OpenID Connect Core 5.3): the claims an access token's scopes give.

The person is checked again at every call: a blocked user's token gets ``invalid_token``
at once, not when it expires."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from models import provider_grants
from models.db import read_scope

from . import access
from .claims import claims


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
    if not token:
        return UserInfoAnswer(401, {}, "Bearer")
    with read_scope() as session:
        holder = provider_grants.holder_of_access_token(session, token)
        if holder is None or access.refusal(session, holder.application, holder.user):
            return _INVALID
        return UserInfoAnswer(200, claims(session, holder.site, holder.user, holder.grant))
