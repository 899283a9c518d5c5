"""Queuing a letter: in the caller's transaction, its bodies sealed with the token keys
(a letter may carry a one-time link, and the database is not where such a link should be
readable)."""

from __future__ import annotations

from sqlmodel import Session

from admin_app.core import runtime
from admin_app.mail.letters import Letter
from models import encryption, mail_outbox

#: what the sealed bodies are bound to (a body cannot be moved into another column)
TEXT_PLACE = encryption.MAIL_TEXT_PLACE
HTML_PLACE = encryption.MAIL_HTML_PLACE


def mail_is_configured() -> bool:
    """Whether the app can send mail at all (``SOCIALSERVICES_SMTP_URL`` is set)."""
    return runtime.settings().smtp is not None


def queue_letter(
    session: Session, *, recipient: str, kind: str, language: str, letter: Letter
) -> int:
    """Queue ``letter`` for ``recipient``; returns the message id. ``kind`` names it in the
    logs and on the overview ("verify_registration", "reset_password"...)."""
    keyring = runtime.keyring()
    message = mail_outbox.add(
        session,
        recipient=recipient,
        kind=kind,
        language=language,
        subject=letter.subject,
        body_text=keyring.encrypt(letter.text, TEXT_PLACE),
        body_html=keyring.encrypt(letter.html, HTML_PLACE),
    )
    assert message.id is not None
    return message.id
