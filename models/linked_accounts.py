"""External accounts linked to users, and the one function that stores their tokens."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy import select as core_select
from sqlmodel import Session, col, func, select

from models.encryption import sealed_value, token_place, writing_keyring
from models.tables import LinkedAccount, table_of, utcnow
from models.token_cipher import Keyring, UndecryptableError

log = logging.getLogger("socialservices.links")


#: built once, with bound parameters: a returning user's every sign-in asks it, and
#: building a statement and its cache key anew cost more than running it on SQLite
_LINK = select(LinkedAccount).where(
    col(LinkedAccount.service_id) == bindparam("service_id"),
    col(LinkedAccount.issuer) == bindparam("issuer"),
    col(LinkedAccount.external_id) == bindparam("external_id"),
)


def find_link(
    session: Session, *, service_id: str, issuer: str, external_id: str
) -> LinkedAccount | None:
    """The link of this account at this issuer: both compared byte for byte (the column's
    collation is binary on SQLite and PostgreSQL's default ones), so " alice" is not
    "alice", and another issuer's "alice" is nobody here."""
    params = {"service_id": service_id, "issuer": issuer, "external_id": external_id}
    return session.exec(_LINK, params=params).first()


@dataclass(frozen=True)
class LinkKey:
    """What a returning sign-in needs of its link: which row, whose, and the natural key
    its tokens are sealed under. Read as a plain row: loading the ORM object, and later
    flushing what changed on it, cost more than the sign-in's SQL."""

    id: int
    user_id: int
    service_id: str
    external_id: str


_links = table_of(LinkedAccount)
_LINK_KEY = core_select(
    _links.c.id, _links.c.user_id, _links.c.service_id, _links.c.external_id
).where(
    _links.c.service_id == bindparam("service_id"),
    _links.c.issuer == bindparam("issuer"),
    _links.c.external_id == bindparam("external_id"),
)
#: the columns a sign-in rewrites: what the service said, the tokens, when it was used
_REFRESHED = (
    "login_hint", "first_name", "last_name", "email", "email_verified", "picture_url",
    "profile_url", "raw_profile", "access_token", "refresh_token", "token_expires_at",
    "scopes", "last_used_at",
)  # fmt: skip
_REFRESH = (
    update(_links)
    .where(_links.c.id == bindparam("link_id"))
    .values({name: bindparam(f"new_{name}") for name in _REFRESHED})
)


def find_link_key(
    session: Session, *, service_id: str, issuer: str, external_id: str
) -> LinkKey | None:
    """``find_link``'s row, as its key only (the same comparison byte for byte)."""
    params = {"service_id": service_id, "issuer": issuer, "external_id": external_id}
    row = session.connection().execute(_LINK_KEY, params).first()
    return LinkKey(*row) if row is not None else None


def refresh_link(session: Session, link: LinkKey, values: Mapping[str, Any]) -> None:
    """Write a returning sign-in's new profile (``profile_values``) and tokens
    (``token_values``) to the link, and mark it used, in one UPDATE."""
    params = {f"new_{name}": values[name] for name in _REFRESHED if name != "last_used_at"}
    session.connection().execute(
        _REFRESH, {**params, "new_last_used_at": utcnow(), "link_id": link.id}
    )


def linked_issuers(session: Session, service_id: str) -> dict[str, int]:
    """How many accounts are linked through a service id (configured or not any more),
    by the issuer that vouched for them ("": made before issuers were recorded)."""
    rows = session.exec(
        select(LinkedAccount.issuer, func.count())
        .where(LinkedAccount.service_id == service_id)
        .group_by(col(LinkedAccount.issuer))
    )
    return dict(rows.all())


def services_with_unknown_issuers(session: Session) -> list[tuple[str, str]]:
    """(service id, provider) of links made before issuers were recorded."""
    rows = session.exec(
        select(LinkedAccount.service_id, LinkedAccount.provider)
        .where(LinkedAccount.issuer == "")
        .distinct()
    )
    return list(rows.all())


def record_unknown_issuers(session: Session, service_id: str, issuer: str) -> int:
    """Give the links of a service id made before issuers were recorded the issuer they
    were made with; returns how many."""
    links = session.exec(
        select(LinkedAccount).where(
            LinkedAccount.service_id == service_id, LinkedAccount.issuer == ""
        )
    ).all()
    for link in links:
        link.issuer = issuer
        session.add(link)
    return len(links)


def links_of(session: Session, user_id: int) -> list[LinkedAccount]:
    return list(
        session.exec(
            select(LinkedAccount)
            .where(LinkedAccount.user_id == user_id)
            .order_by(col(LinkedAccount.created_at))
        )
    )


@dataclass(frozen=True)
class LinkSummary:
    """What an application may learn of a person's link: no tokens, no raw profile."""

    service_id: str
    email: str | None
    email_verified: bool
    picture_url: str | None


#: built once, with a bound parameter: the provider role asks it twice per sign-in
_LINK_SUMMARIES = (
    select(
        LinkedAccount.service_id,
        LinkedAccount.email,
        LinkedAccount.email_verified,
        LinkedAccount.picture_url,
    )
    .where(col(LinkedAccount.user_id) == bindparam("user_id"))
    .order_by(col(LinkedAccount.created_at))
)


def link_summaries(session: Session, user_id: int) -> list[LinkSummary]:
    """The person's links, oldest first, read without their tokens and profiles (the
    provider role reads them at every token and UserInfo call)."""
    rows = session.exec(_LINK_SUMMARIES, params={"user_id": user_id})
    return [LinkSummary(*row) for row in rows]


def token_values(
    session: Session,
    keyring: Keyring,
    service_id: str,
    external_id: str,
    *,
    access_token: str,
    refresh_token: str | None,
    expires_at: datetime | None,
    scopes: Sequence[str],
) -> dict[str, Any]:
    """The token columns of the link (``service_id``, ``external_id``) as they are
    stored: sealed once encryption is on. Every token written to a link goes through here
    (``admin_app.core.token_storage`` for the ORM paths and a returning sign-in alike)."""
    sealer = writing_keyring(session, keyring)
    return {
        "access_token": sealed_value(
            sealer, access_token, token_place("access_token", service_id, external_id)
        ),
        "refresh_token": sealed_value(
            sealer, refresh_token, token_place("refresh_token", service_id, external_id)
        )
        if refresh_token
        else refresh_token,
        "token_expires_at": expires_at,
        "scopes": " ".join(scopes),
    }


@dataclass(frozen=True)
class StoredTokens:
    access_token: str
    refresh_token: str | None


def read_tokens(keyring: Keyring, link: LinkedAccount) -> StoredTokens | None:
    """A link's tokens in plain text; None when they cannot be decrypted (logged): the link
    then needs its user to sign in with the service again, which stores new ones."""
    try:
        return StoredTokens(
            keyring.decrypt(
                link.access_token,
                token_place("access_token", link.service_id, link.external_id),
            ),
            keyring.decrypt(
                link.refresh_token,
                token_place("refresh_token", link.service_id, link.external_id),
            )
            if link.refresh_token
            else link.refresh_token,
        )
    except UndecryptableError as error:
        log.error(
            "encryption.undecryptable link_id=%s service=%s: needs re-authorization (%s)",
            link.id,
            link.service_id,
            error,
        )
        return None


def profile_values(
    *,
    login_hint: str,
    first_name: str,
    last_name: str,
    email: str | None,
    email_verified: bool,
    picture_url: str | None,
    profile_url: str | None,
    raw: Mapping[str, Any],
) -> dict[str, Any]:
    """A link's profile columns from what the service said, cut to the columns' sizes."""
    return {
        "login_hint": login_hint[:255],
        "first_name": first_name[:100],
        "last_name": last_name[:100],
        "email": (email or None) and email[:254],
        "email_verified": email_verified,
        "picture_url": (picture_url or None) and picture_url[:2000],
        "profile_url": (profile_url or None) and profile_url[:2000],
        "raw_profile": dict(raw),
    }


def mark_used(link: LinkedAccount) -> None:
    link.last_used_at = utcnow()


def count_by_service(session: Session) -> dict[str, int]:
    rows = session.exec(
        select(LinkedAccount.service_id, func.count()).group_by(col(LinkedAccount.service_id))
    )
    return dict(rows.all())
