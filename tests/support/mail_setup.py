"""The mail outbox as the tests meet it: an installation sending to a test SMTP server,
letters queued as the app queues them, and the rows read back."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import col, select

from admin_app.core import startup
from admin_app.core.settings import load_settings
from admin_app.mail.letters import Action, compose
from admin_app.mail.outbox import queue_letter
from models.db import session_scope
from models.tables import MailMessage, utcnow

SENDER = "Social services <noreply@example.org>"


def configure(monkeypatch: pytest.MonkeyPatch, database_url: str, smtp_url: str = "") -> None:
    """The settings and the database of an installation that sends through ``smtp_url``
    ("": none)."""
    monkeypatch.setenv("SOCIALSERVICES_DATABASE_URL", database_url)
    if smtp_url:
        monkeypatch.setenv("SOCIALSERVICES_SMTP_URL", smtp_url)
        monkeypatch.setenv("SOCIALSERVICES_MAIL_FROM", SENDER)
    else:
        monkeypatch.delenv("SOCIALSERVICES_SMTP_URL", raising=False)
        monkeypatch.delenv("SOCIALSERVICES_MAIL_FROM", raising=False)
    startup.prepare(load_settings())


def queue(
    recipient: str = "bob@example.org",
    *,
    subject: str = "Confirm your address",
    url: str = "https://id.example.org/verify?token=secret-token",
    kind: str = "verify_registration",
) -> int:
    """A letter with a button, queued in its own transaction; its id."""
    letter = compose(
        subject,
        ["Hello Bob,", "Please confirm your address."],
        action=Action("Confirm", url),
        closing="If you did not ask for this, ignore this letter.",
    )
    with session_scope() as session:
        return queue_letter(session, recipient=recipient, kind=kind, language="en", letter=letter)


def row(message_id: int) -> MailMessage:
    with session_scope() as session:
        found = session.get(MailMessage, message_id)
        assert found is not None
        return found


def rows() -> list[MailMessage]:
    with session_scope() as session:
        return list(session.exec(select(MailMessage).order_by(col(MailMessage.id))))


def later(seconds: float) -> datetime:
    return utcnow() + timedelta(seconds=seconds)
