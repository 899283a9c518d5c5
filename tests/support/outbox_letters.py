"""The letters the app queued, read back from the outbox (unit tests: no server needed),
and the path of the link a letter carries."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlmodel import col, select

from admin_app.core import runtime
from admin_app.mail.outbox import TEXT_PLACE
from models.db import session_scope
from models.tables import MailMessage

URL = re.compile(r"https?://\S+")


@dataclass(frozen=True)
class QueuedLetter:
    kind: str
    subject: str
    text: str
    language: str


def letters(recipient: str) -> list[QueuedLetter]:
    """The letters queued for ``recipient``, oldest first."""
    keyring = runtime.keyring()
    with session_scope() as session:
        rows = session.exec(
            select(MailMessage)
            .where(MailMessage.recipient == recipient)
            .order_by(col(MailMessage.id))
        )
        return [
            QueuedLetter(r.kind, r.subject, keyring.decrypt(r.body_text, TEXT_PLACE), r.language)
            for r in rows
        ]


def link_path(text: str, path: str) -> str:
    """The path and query of the letter's link to ``path`` (``/register/verify``)."""
    for found in URL.finditer(text):
        url = urlsplit(found.group(0))
        if url.path == path:
            return f"{url.path}?{url.query}"
    raise AssertionError(f"no link to {path} in:\n{text}")
