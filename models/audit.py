"""The audit log: who changed which setting, when, from where."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, func, select

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


def entries(session: Session, *, offset: int = 0, limit: int = 50) -> list[AuditEntry]:
    """Newest first."""
    return list(
        session.exec(
            select(AuditEntry).order_by(col(AuditEntry.id).desc()).offset(offset).limit(limit)
        )
    )


def count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(AuditEntry)).one()
