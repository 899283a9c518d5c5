"""The audit log as the administrator reads it: sentences, filters, a CSV export."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from sqlmodel import Session, col, select

from admin_app.admin.audit_sentences import ACTION_KINDS, Names, sentence, stored_names, user_id_in
from admin_app.core.i18n import N_, _
from admin_app.core.input_checks import BadInputError
from models import audit
from models.db import session_scope
from models.tables import Application, AuditEntry, ConfiguredService, Group, Site, User
from providers import PROVIDERS

#: actors that are no person, by the ``actor_login`` stored for them
ACTOR_LABELS = {audit.COMMAND_LINE_LOGIN: N_("An operator (command line)")}

PAGE_SIZE = 50

#: a cell a spreadsheet would run as a formula starts with one of these
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class AuditLine:
    at: datetime
    actor: str
    address: str
    action: str  # the code, e.g. "service.disable"
    target: str
    details: str  # compact JSON, as text
    sentence: str  # what happened, in the reader's language


def actor_label(login: str, actor_id: int | None = None) -> str:
    """Who did it, as shown: the login, or what a non-person actor is called."""
    label = ACTOR_LABELS.get(login)
    return _(label) if label is not None and actor_id is None else login


def audit_filter(
    *, who: str, what: str, since: str, until: str, zone: tzinfo | None
) -> audit.AuditFilter:
    """The filter a page's query asks for: dates (YYYY-MM-DD, both days included) are
    days in the viewer's ``zone`` (None: UTC). BadInputError for a kind we do not know or
    a date that is none."""
    if what and what not in ACTION_KINDS:
        raise BadInputError("audit_kind")
    return audit.AuditFilter(
        actor_login=who[:100],
        kind=what,
        since=_day_start(since, zone, 0),
        until=_day_start(until, zone, 1),
    )


def _day_start(text: str, zone: tzinfo | None, days_after: int) -> datetime | None:
    if not text:
        return None
    try:
        day = date.fromisoformat(text) + timedelta(days=days_after)
    except (ValueError, OverflowError):
        raise BadInputError("audit_date") from None
    return datetime.combine(day, time(), tzinfo=zone or UTC).astimezone(UTC)


def audit_page(
    page: int, wanted: audit.AuditFilter = audit.EVERYTHING
) -> tuple[list[AuditLine], int]:
    """One page (0 first) of the entries ``wanted``, newest first, and how many there are."""
    with session_scope() as session:
        rows = audit.entries(session, wanted, offset=max(page, 0) * PAGE_SIZE, limit=PAGE_SIZE)
        total = audit.count(session, wanted)
        return _lines(session, rows), total


def audit_csv(wanted: audit.AuditFilter = audit.EVERYTHING) -> str:
    """Every entry ``wanted`` as CSV (newest first), safe to open in a spreadsheet."""
    with session_scope() as session:
        lines = _lines(session, audit.entries(session, wanted, limit=None))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [_("When (UTC)"), _("Who"), _("From"), _("What happened"), _("Action"), _("Details")]
    )
    for line in lines:
        writer.writerow(
            _cell(value)
            for value in (
                line.at.replace(tzinfo=None).isoformat(sep=" ", timespec="seconds"),
                line.actor,
                line.address,
                line.sentence,
                line.action,
                line.details,
            )
        )
    return out.getvalue()


def _cell(value: str) -> str:
    """A cell a spreadsheet shows as text: one that would start a formula gets a quote."""
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


def actor_choices() -> list[tuple[str, str]]:
    """Everyone who has an entry: (login as stored, as shown), for the "who" filter."""
    with session_scope() as session:
        return [(login, actor_label(login)) for login in audit.actor_logins(session)]


def kind_choices() -> list[tuple[str, str]]:
    """Every kind of action: (code, name in the reader's language), for the "what" filter."""
    return [(kind, _(label)) for kind, label in ACTION_KINDS.items()]


def _lines(session: Session, rows: list[AuditEntry]) -> list[AuditLine]:
    names = _names(session, rows)
    lines = []
    for row in rows:
        actor = actor_label(row.actor_login, row.actor_id)
        lines.append(
            AuditLine(
                at=row.at,
                actor=actor,
                address=row.address,
                action=row.action,
                target=row.target,
                details=json.dumps(row.details, ensure_ascii=False, sort_keys=True),
                sentence=sentence(row, actor, names),
            )
        )
    return lines


def _names(session: Session, rows: Iterable[AuditEntry]) -> Names:
    """What the entries' ids are called now (sites, groups, services and applications are
    few; users are read only for the ids the entries name)."""
    user_ids = {user_id for row in rows if (user_id := user_id_in(row)) is not None}
    users = (
        session.exec(select(User.id, User.login).where(col(User.id).in_(user_ids))).all()
        if user_ids
        else []
    )
    services = {
        (config.scope, config.service_id): config.name
        or (_(PROVIDERS[config.provider].title) if config.provider in PROVIDERS else "")
        for config in session.exec(select(ConfiguredService))
    }
    return stored_names(
        services=services,
        sites={site.id: site.name for site in session.exec(select(Site))},
        groups={group.code: group.name for group in session.exec(select(Group))},
        applications={app.id: app.name for app in session.exec(select(Application))},
        users={user_id: login for user_id, login in users if user_id is not None},
    )
