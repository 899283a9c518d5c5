"""The audit log as the administrator reads it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from admin_app.core.i18n import N_, _
from models import audit
from models.db import session_scope

#: actors that are no person, by the ``actor_login`` stored for them
ACTOR_LABELS = {audit.COMMAND_LINE_LOGIN: N_("(command line)")}

PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditLine:
    at: datetime
    actor: str
    address: str
    action: str
    target: str
    details: str  # compact JSON, as text


def audit_page(page: int) -> tuple[list[AuditLine], int]:
    """One page (0 first) of the log, newest first, and the number of entries."""
    with session_scope() as session:
        rows = audit.entries(session, offset=max(page, 0) * PAGE_SIZE, limit=PAGE_SIZE)
        total = audit.count(session)
        lines = [
            AuditLine(
                at=row.at,
                actor=_(ACTOR_LABELS[row.actor_login])
                if row.actor_id is None and row.actor_login in ACTOR_LABELS
                else row.actor_login,
                address=row.address,
                action=row.action,
                target=row.target,
                details=json.dumps(row.details, ensure_ascii=False, sort_keys=True),
            )
            for row in rows
        ]
    return lines, total
