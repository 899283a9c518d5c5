"""The audit log: who changed which setting, when, from where."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select
from sqlmodel.sql.expression import SelectOfScalar

from models.tables import AuditEntry

#: the ``actor_login`` of what an operator did from a shell (logins cannot hold spaces or
#: brackets, so no person's login is ever this); the audit page shows it translated
COMMAND_LINE_LOGIN = "(command line)"


@dataclass(frozen=True)
class Actor:
    """Who did it: a person (``id``, ``login``, the ``address`` they came from), or the
    command line (``COMMAND_LINE``)."""

    id: int | None
    login: str
    address: str = ""


COMMAND_LINE = Actor(None, COMMAND_LINE_LOGIN)


def record(
    session: Session,
    *,
    actor_id: int | None,
    actor_login: str,
    address: str,
    action: str,
    target: str = "",
    details: Mapping[str, Any] | None = None,
) -> None:
    """One entry. ``details`` must not hold secret values: name the secret fields that
    changed instead."""
    session.add(
        AuditEntry(
            actor_id=actor_id,
            actor_login=actor_login[:100],
            address=address[:64],
            action=action[:50],
            target=target[:200],
            details=dict(details or {}),
        )
    )


def record_by(
    session: Session,
    actor: Actor,
    action: str,
    target: str = "",
    details: Mapping[str, Any] | None = None,
) -> None:
    """``record`` for an ``Actor``, e.g. ``COMMAND_LINE``."""
    record(
        session,
        actor_id=actor.id,
        actor_login=actor.login,
        address=actor.address,
        action=action,
        target=target,
        details=details,
    )


@dataclass(frozen=True)
class AuditFilter:
    """Which entries to read: by whom (``actor_login``), of which kind (``kind``: the
    action code's part before the dot, e.g. "service"), from ``since`` and before
    ``until`` (UTC). Empty or None: any."""

    actor_login: str = ""
    kind: str = ""
    since: datetime | None = None
    until: datetime | None = None


EVERYTHING = AuditFilter()


def _filtered(query: SelectOfScalar[Any], wanted: AuditFilter) -> SelectOfScalar[Any]:
    if wanted.actor_login:
        query = query.where(AuditEntry.actor_login == wanted.actor_login)
    if wanted.kind:
        query = query.where(col(AuditEntry.action).startswith(f"{wanted.kind}.", autoescape=True))
    if wanted.since is not None:
        query = query.where(col(AuditEntry.at) >= wanted.since)
    if wanted.until is not None:
        query = query.where(col(AuditEntry.at) < wanted.until)
    return query


def entries(
    session: Session,
    wanted: AuditFilter = EVERYTHING,
    *,
    offset: int = 0,
    limit: int | None = 50,
) -> list[AuditEntry]:
    """Newest first; ``limit`` None: all of them."""
    query = _filtered(select(AuditEntry), wanted).order_by(col(AuditEntry.id).desc())
    return list(session.exec(query.offset(offset).limit(limit)))


def count(session: Session, wanted: AuditFilter = EVERYTHING) -> int:
    return session.exec(_filtered(select(func.count()).select_from(AuditEntry), wanted)).one()


def actor_logins(session: Session) -> list[str]:
    """Everyone who has an entry, by login, in alphabetical order (the "who" filter)."""
    query = select(AuditEntry.actor_login).distinct().order_by(col(AuditEntry.actor_login))
    return list(session.exec(query))
