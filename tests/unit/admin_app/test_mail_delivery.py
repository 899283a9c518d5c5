"""Mail reaches a real SMTP server (aiosmtpd on 127.0.0.1): as plain text and HTML with the
headers a mail client and a spam filter expect; through STARTTLS or TLS with a login; again
and again while the server is down until it is back, and then once, however many runners
race for it; at once failed when the server refuses it for good; sent by the next runner
when the one that claimed it stopped. On SQLite, and on PostgreSQL under make test-pg."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import update

from admin_app.core import runtime
from admin_app.core.backoff import FIRST_DELAY, LONGEST_DELAY
from admin_app.mail import delivery
from admin_app.mail.outbox import TEXT_PLACE
from models import mail_outbox
from models.db import session_scope
from models.queue_rows import FAILED, PENDING, SENT
from models.tables import MailMessage, utcnow
from models.token_cipher import Keyring, new_key
from tests.support.mail_setup import SENDER, configure, later, queue, row, rows
from tests.support.smtp_server import SmtpServer, html_of, link_in, smtp, smtp_servers, text_of
from tests.support.tls import LocalAuthority

__all__ = ["smtp", "smtp_servers"]

Servers = Callable[..., SmtpServer]
LINK = "https://id.example.org/verify?token=secret-token"


@pytest.fixture
def authority(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> LocalAuthority:
    """The tests' certificate authority, trusted by the app's TLS (as a real one is)."""
    made = LocalAuthority(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(made.ca_file))
    return made


def logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(r.getMessage() for r in caplog.records if r.name == "socialservices.mail")


# ------------------------------------------------------------------ the letter


async def test_a_letter_arrives_in_text_and_html_with_its_headers_and_is_sent_once(
    smtp: SmtpServer,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    configure(monkeypatch, database_url, smtp.url)
    caplog.set_level(logging.INFO, "socialservices.mail")
    message_id = queue(subject="Подтвердите адрес — Confirm")
    assert await delivery.deliver_due() == 1
    letter = smtp.wait_for("bob@example.org")
    assert letter["Subject"] == "Подтвердите адрес — Confirm"
    assert letter["From"] == SENDER and letter["To"] == "bob@example.org"
    assert letter["Auto-Submitted"] == "auto-generated"
    assert letter["Date"] and letter["Message-ID"].endswith("@example.org>")
    assert letter.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in letter.iter_parts()] == [
        "text/plain",
        "text/html",
    ]
    assert all(part.get_content_charset() == "utf-8" for part in letter.iter_parts())
    assert "Please confirm your address." in text_of(letter) and link_in(letter) == LINK
    assert f'href="{LINK}"' in html_of(letter)
    raw = letter.as_bytes()
    assert raw.isascii() and b"=?utf-8?" in raw.lower()  # the subject, encoded
    sent = row(message_id)
    assert (sent.status, sent.attempts, sent.body_text, sent.body_html) == (SENT, 1, "", "")
    assert await delivery.deliver_due(later(7200)) == 0
    assert len(smtp.messages_to("bob@example.org")) == 1
    lines = logged(caplog)
    assert f"mail.sent id={message_id} kind=verify_registration to=@example.org" in lines
    assert "bob@" not in lines and "secret-token" not in lines


async def test_the_bodies_wait_sealed_in_the_database(
    smtp: SmtpServer, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch, database_url, smtp.url)
    waiting = row(queue())
    assert "secret-token" not in waiting.body_text + waiting.body_html
    assert runtime.keyring().decrypt(waiting.body_text, TEXT_PLACE).count(LINK) == 1


async def test_starttls_and_a_login(
    smtp_servers: Servers,
    authority: LocalAuthority,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = smtp_servers(security="starttls", authority=authority, login=("mailer", "p@ss:w/rd"))
    assert "?starttls=1" in server.url and "p%40ss%3Aw%2Frd" in server.url
    configure(monkeypatch, database_url, server.url)
    queue()
    assert await delivery.deliver_due() == 1
    assert link_in(server.wait_for("bob@example.org")) == LINK
    assert server.logins == [("mailer", True)]


async def test_smtps_and_a_login(
    smtp_servers: Servers,
    authority: LocalAuthority,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = smtp_servers(security="tls", authority=authority, login=("mailer", "secret"))
    configure(monkeypatch, database_url, server.url)
    message_id = queue()
    assert await delivery.deliver_due() == 1
    server.wait_for("bob@example.org")
    assert row(message_id).status == SENT


async def test_no_letter_goes_in_clear_when_the_server_offers_no_starttls(
    smtp: SmtpServer, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch, database_url, smtp.url + "?starttls=1")
    message_id = queue()
    assert await delivery.deliver_due() == 1
    waiting = row(message_id)
    assert waiting.status == PENDING and "STARTTLS" in waiting.last_problem
    assert smtp.received == []


async def test_an_untrusted_certificate_is_a_problem_tried_again(
    smtp_servers: Servers, tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the authority is not trusted: SSL_CERT_FILE is not set
    server = smtp_servers(security="tls", authority=LocalAuthority(tmp_path))
    configure(monkeypatch, database_url, server.url)
    message_id = queue()
    assert await delivery.deliver_due() == 1
    waiting = row(message_id)
    assert waiting.status == PENDING and waiting.last_problem.startswith("TLS failed")
    assert server.received == []


async def test_a_refused_login_is_tried_again_and_never_shows_the_password(
    smtp_servers: Servers,
    authority: LocalAuthority,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = smtp_servers(security="starttls", authority=authority, login=("mailer", "right"))
    url = server.url.replace("mailer:right@", "mailer:wrong-password@")
    configure(monkeypatch, database_url, url)
    message_id = queue()
    assert await delivery.deliver_due() == 1
    waiting = row(message_id)
    assert waiting.status == PENDING and waiting.last_problem.startswith("login refused")
    assert "wrong-password" not in waiting.last_problem
    assert set(server.logins) == {("mailer", False)}  # smtplib tries PLAIN, then LOGIN
    assert server.received == []


async def test_an_international_domain_goes_in_ascii_to_any_server(
    smtp_servers: Servers, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = smtp_servers(smtputf8=False)
    configure(monkeypatch, database_url, server.url)
    domain_only, local_part = queue("ivan@почта.рф"), queue("иван@почта.рф")
    assert await delivery.deliver_due() == 2
    letter = server.wait_for("ivan@xn--80a1acny.xn--p1ai")
    assert letter["To"] == "ivan@xn--80a1acny.xn--p1ai"
    assert row(domain_only).status == SENT
    refused = row(local_part)  # this server can never take it
    assert (refused.status, refused.last_problem) == (
        FAILED,
        "the server cannot take a non-ASCII address (no SMTPUTF8)",
    )


# ------------------------------------------------------------------ outages and refusals


async def test_while_the_server_is_down_it_is_tried_again_later_and_sent_once_when_back(
    smtp: SmtpServer, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch, database_url, smtp.url)
    smtp.stop()
    message_id = queue()
    assert await delivery.deliver_due() == 1
    first = row(message_id)
    assert (first.status, first.attempts) == (PENDING, 1)
    assert first.last_problem.startswith("cannot reach 127.0.0.1")
    assert 27 <= (first.next_attempt_at - first.updated_at).total_seconds() <= 33
    assert await delivery.deliver_due() == 0  # not before its time
    assert await delivery.deliver_due(later(40)) == 1
    second = row(message_id)
    assert second.attempts == 2
    assert 54 <= (second.next_attempt_at - later(40)).total_seconds() <= 66
    smtp.start()  # back, on the same port
    both = await asyncio.gather(
        delivery.deliver_due(later(200), owner="one"),
        delivery.deliver_due(later(200), owner="two"),
    )
    assert sorted(both) == [0, 1]
    smtp.wait_for("bob@example.org")
    await asyncio.sleep(0.3)
    assert len(smtp.messages_to("bob@example.org")) == 1
    assert (row(message_id).status, row(message_id).attempts) == (SENT, 3)


async def test_after_a_day_of_attempts_it_is_failed_with_its_problem(
    smtp: SmtpServer, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch, database_url, smtp.url)
    smtp.stop()
    message_id = queue()
    with session_scope() as session:
        session.exec(update(MailMessage).values(attempts=delivery.MAX_ATTEMPTS - 1))
    assert await delivery.deliver_due() == 1
    failed = row(message_id)
    assert (failed.status, failed.attempts) == (FAILED, delivery.MAX_ATTEMPTS)
    assert failed.last_problem.startswith("cannot reach")
    with session_scope() as session:
        count, latest = mail_outbox.failures(session)
    assert count == 1 and latest is not None and latest.id == message_id


def test_the_attempts_cover_a_day_of_outage() -> None:
    waits = [
        min(FIRST_DELAY * 2 ** (n - 1), LONGEST_DELAY) for n in range(1, delivery.MAX_ATTEMPTS)
    ]
    assert 23.5 * 3600 <= sum(w.total_seconds() for w in waits) <= 25 * 3600


async def test_a_recipient_refused_for_good_is_failed_at_once(
    smtp: SmtpServer,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    configure(monkeypatch, database_url, smtp.url)
    caplog.set_level(logging.INFO, "socialservices.mail")
    smtp.refuse("nobody@example.org", "550 5.1.1 <nobody@example.org>: no such user")
    refused, fine = queue("nobody@example.org"), queue("carol@example.org")
    assert await delivery.deliver_due() == 2
    failed = row(refused)
    assert (failed.status, failed.attempts) == (FAILED, 1)
    assert failed.last_problem.startswith("recipient refused: 550 5.1.1")
    assert row(fine).status == SENT
    assert "mail.failed id=" in logged(caplog) and "nobody@" not in logged(caplog)


async def test_a_recipient_refused_for_now_is_tried_again(
    smtp: SmtpServer, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch, database_url, smtp.url)
    smtp.refuse("busy@example.org", "451 4.2.1 mailbox busy, try later")
    message_id = queue("busy@example.org")
    assert await delivery.deliver_due() == 1
    assert row(message_id).status == PENDING
    smtp.refused.clear()
    assert await delivery.deliver_due(later(60)) == 1
    assert row(message_id).status == SENT
    smtp.wait_for("busy@example.org")


async def test_a_runner_that_stopped_mid_attempt_leaves_it_to_the_next(
    smtp: SmtpServer, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch, database_url, smtp.url)
    message_id = queue()
    target = runtime.settings().smtp
    assert target is not None
    lease = delivery.lease_for(target)
    now = utcnow()
    with session_scope() as session:  # a process claimed it, then was stopped
        assert mail_outbox.claim(session, message_id, "gone", now, lease)
    assert await delivery.deliver_due(now) == 0
    assert await delivery.deliver_due(now + lease / 2) == 0
    assert await delivery.deliver_due(now + lease + timedelta(seconds=1)) == 1
    smtp.wait_for("bob@example.org")
    with session_scope() as session:  # the stopped one, come back, changes nothing
        assert not mail_outbox.finish(session, message_id, "gone", FAILED, problem="late")
    assert (row(message_id).status, row(message_id).attempts) == (SENT, 2)


async def test_a_body_sealed_with_an_unknown_key_is_failed(
    smtp: SmtpServer, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch, database_url, smtp.url)
    message_id = queue()
    foreign = Keyring([new_key()]).encrypt("text", TEXT_PLACE)
    with session_scope() as session:
        session.exec(update(MailMessage).values(body_text=foreign))
    assert await delivery.deliver_due() == 1
    failed = row(message_id)
    assert failed.status == FAILED and "cannot be decrypted" in failed.last_problem
    assert smtp.received == []


# ------------------------------------------------------------------ the runner


async def test_without_a_mail_server_nothing_runs_and_letters_wait(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch, database_url)
    message_id = queue()
    await asyncio.wait_for(delivery.run_delivery(), 1)  # returns at once
    assert await delivery.deliver_due() == 0
    assert row(message_id).status == PENDING
    with session_scope() as session:
        assert mail_outbox.waiting(session) == 1


async def test_the_runner_is_woken_by_a_queued_letter(
    smtp: SmtpServer, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch, database_url, smtp.url)
    monkeypatch.setattr(delivery, "POLL_SECONDS", 600.0)
    runner = asyncio.create_task(delivery.run_delivery())
    try:
        await asyncio.sleep(0.2)  # its first round found nothing; it waits ten minutes
        message_id = await asyncio.to_thread(queue)
        for _ in range(100):
            if row(message_id).status == SENT:
                break
            await asyncio.sleep(0.05)
        assert row(message_id).status == SENT
        assert [m.id for m in rows()] == [message_id]
    finally:
        runner.cancel()
