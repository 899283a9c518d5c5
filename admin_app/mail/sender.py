"""Handing one letter to the mail server (``SOCIALSERVICES_SMTP_URL``) with the standard
library's ``smtplib``, in a worker thread, and saying how it went.

The outcome tells a permanent refusal (the server answered 5xx to the recipient or to the
message itself: sending it again would be refused again) from a temporary one (4xx, no
connection, a timeout, a TLS failure, a server without STARTTLS, refused credentials or
sender: the server or the settings may be fixed, and the message is then still worth
sending). A problem never carries the password.

Every letter is ``multipart/alternative`` (plain text first, then HTML), UTF-8, with
``Auto-Submitted: auto-generated`` (RFC 3834: vacation responders do not answer it) and a
Message-ID derived from the outbox row, the same on every attempt, so a receiver that got
it twice (the server took it but the answer was lost) can tell. Its Date is the attempt's
that succeeds: a letter held up by an outage shows among the new ones.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from enum import StrEnum

from admin_app.core.smtp_url import SmtpTarget


class Outcome(StrEnum):
    SENT = "sent"
    #: worth trying again later
    TEMPORARY = "temporary"
    #: refused for good: the same message would be refused again
    PERMANENT = "permanent"


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    #: what went wrong ("" when sent), for the administrator; never the password
    problem: str = ""


@dataclass(frozen=True)
class Outgoing:
    """One letter as the outbox holds it, its bodies opened."""

    message_id: int
    created_at: datetime
    recipient: str
    subject: str
    text: str
    html: str
    language: str = "en"


class _StarttlsMissingError(Exception):
    """The server does not offer STARTTLS although the settings ask for it."""


class _NoSmtpUtf8Error(Exception):
    """The address has non-ASCII letters before the @, and the server cannot take them."""


def build_message(letter: Outgoing, sender: str) -> EmailMessage:
    """The letter as it goes out, from ``sender`` (``settings.mail_from``)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ascii_domain(letter.recipient)
    message["Subject"] = letter.subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = message_id_of(letter, sender)
    message["Auto-Submitted"] = "auto-generated"
    message["Content-Language"] = letter.language
    message.set_content(letter.text, charset="utf-8")
    message.add_alternative(letter.html, subtype="html", charset="utf-8")
    return message


def ascii_domain(address: str) -> str:
    """``user@почта.рф`` as ``user@xn--80a1acny.xn--p1ai``: every server takes a domain in
    its ASCII form, while a non-ASCII one needs the server's SMTPUTF8."""
    local, _, domain = address.rpartition("@")
    try:
        return f"{local}@{domain.encode('idna').decode('ascii')}"
    except UnicodeError:
        return address


def message_id_of(letter: Outgoing, sender: str) -> str:
    """``<socialservices.{row}.{created}@{the sender's domain}>``: stable across attempts,
    unique per installation's outbox row."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    try:
        domain = Address(domain=domain).domain
    except (ValueError, IndexError):
        domain = "localhost"
    created = letter.created_at
    if created.tzinfo is None:  # SQLite gives its timestamps back without their zone (UTC)
        created = created.replace(tzinfo=UTC)
    stamp = int(created.timestamp() * 1000)
    return f"<socialservices.{letter.message_id}.{stamp}@{domain}>"


async def send(target: SmtpTarget, sender: str, letter: Outgoing) -> Result:
    """Send ``letter`` through ``target``; the blocking conversation runs in a worker
    thread (each of its steps waits at most ``target.timeout``)."""
    message = build_message(letter, sender)
    return await asyncio.to_thread(send_now, target, message)


def send_now(target: SmtpTarget, message: EmailMessage) -> Result:
    """The blocking conversation with the server, classified."""
    try:
        _converse(target, message)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _reply in error.recipients.values()]
        replies = "; ".join(_reply_text(code, reply) for code, reply in error.recipients.values())
        permanent = any(500 <= code < 600 for code in codes)
        return _result(target, permanent, f"recipient refused: {replies}")
    except smtplib.SMTPAuthenticationError as error:
        return _result(
            target, False, f"login refused: {_reply_text(error.smtp_code, error.smtp_error)}"
        )
    except smtplib.SMTPSenderRefused as error:
        # the sender is a setting: once it is fixed, the message is worth sending
        return _result(
            target, False, f"sender refused: {_reply_text(error.smtp_code, error.smtp_error)}"
        )
    except smtplib.SMTPDataError as error:
        permanent = 500 <= error.smtp_code < 600
        return _result(
            target, permanent, f"message refused: {_reply_text(error.smtp_code, error.smtp_error)}"
        )
    except smtplib.SMTPResponseException as error:
        return _result(
            target, False, f"server answered {_reply_text(error.smtp_code, error.smtp_error)}"
        )
    except _NoSmtpUtf8Error:
        return _result(target, True, "the server cannot take a non-ASCII address (no SMTPUTF8)")
    except _StarttlsMissingError:
        return _result(target, False, "the server does not offer STARTTLS; nothing was sent")
    except smtplib.SMTPNotSupportedError as error:
        return _result(target, False, f"the server does not support it: {error}")
    except ssl.SSLError as error:
        return _result(target, False, f"TLS failed: {error.reason or error}")
    except (TimeoutError, smtplib.SMTPServerDisconnected) as error:
        return _result(target, False, f"no answer: {type(error).__name__}: {error}")
    except (OSError, smtplib.SMTPException) as error:
        return _result(target, False, f"cannot reach {target.host}:{target.port}: {error}")
    return Result(Outcome.SENT)


def _converse(target: SmtpTarget, message: EmailMessage) -> None:
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if target.security == "tls":
        smtp = smtplib.SMTP_SSL(target.host, target.port, timeout=target.timeout, context=context)
    else:
        smtp = smtplib.SMTP(target.host, target.port, timeout=target.timeout)
    with smtp:
        smtp.ehlo()
        if target.security == "starttls":
            if not smtp.has_extn("starttls"):
                raise _StarttlsMissingError
            smtp.starttls(context=context)
            smtp.ehlo()
        if target.user:
            smtp.login(target.user, target.password)
        try:
            smtp.send_message(message)
        except smtplib.SMTPNotSupportedError:  # only SMTPUTF8 is asked for at this point
            raise _NoSmtpUtf8Error from None


def _reply_text(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return f"{code} {text}".strip()


def _result(target: SmtpTarget, permanent: bool, problem: str) -> Result:
    """The problem on one printable line, without the password (a server may quote what
    it was sent)."""
    if target.password:
        problem = problem.replace(target.password, "********")
    problem = " ".join("".join(c if c.isprintable() else " " for c in problem).split())
    return Result(Outcome.PERMANENT if permanent else Outcome.TEMPORARY, problem[:400])
