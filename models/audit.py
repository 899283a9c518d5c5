"""The audit log: who changed which setting, when, from where."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session, col, func, select

from models.tables import AuditEntry


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


def entries(session: Session, *, offset: int = 0, limit: int = 50) -> list[AuditEntry]:
    """Newest first."""
    return list(
        session.exec(
            select(AuditEntry).order_by(col(AuditEntry.id).desc()).offset(offset).limit(limit)
        )
    )


def count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(AuditEntry)).one()
