"""The administrator's Mail page and the overview's mail lines: the settings' state (never
the password), what waits and what failed, and without a server which features are off
and why; a test message through the outbox to a real SMTP server, followed until it is
sent, audited, and refused to anyone who is not (or no longer) an administrator."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from nicegui.testing import User
from sqlmodel import col, delete, select

from admin_app.admin import mail_settings
from admin_app.auth.admin_access import NotAnAdministratorError
from admin_app.mail import delivery
from models import audit
from models.db import session_scope
from models.tables import Membership
from models.tables import User as UserRow
from models.users import ADMINISTRATORS, get_group_by_code
from tests.support.accounts import RETRIES, add_user, sign_in
from tests.support.admin_pages import everything_on_the_page, fill, open_as_admin, text_of
from tests.support.mail_setup import SENDER, queue, rows
from tests.support.smtp_server import SmtpServer, smtp_servers
from tests.support.smtp_server import text_of as letter_text

__all__ = ["smtp_servers"]

PATH = "/admin/mail"
PASSWORD = "mail-password-42"


@pytest.fixture
def mail_server(
    smtp_servers: Callable[..., SmtpServer], monkeypatch: pytest.MonkeyPatch
) -> SmtpServer:
    """A running mail server the app is set to send through (request it before ``user``:
    the app reads its settings when it starts)."""
    server = smtp_servers(login=("robot", PASSWORD))
    monkeypatch.setenv("SOCIALSERVICES_SMTP_URL", server.url)
    monkeypatch.setenv("SOCIALSERVICES_MAIL_FROM", SENDER)
    return server


def audit_actions() -> list[tuple[str, str]]:
    with session_scope() as session:
        return [(entry.action, entry.target) for entry in audit.entries(session)]


def demote(user_id: int) -> None:
    with session_scope() as session:
        group = get_group_by_code(session, ADMINISTRATORS)
        session.exec(
            delete(Membership).where(
                col(Membership.user_id) == user_id, col(Membership.group_id) == group.id
            )
        )


async def test_the_page_shows_the_server_and_the_sender_but_never_the_password(
    mail_server: SmtpServer, user: User
) -> None:
    await open_as_admin(user, PATH, "mail-status")
    await user.should_see("Mail is on")
    assert text_of(user, "mail-server") == f"Server: robot@127.0.0.1:{mail_server.port} (none)"
    assert text_of(user, "mail-sender") == f"Sender: {SENDER}"
    assert text_of(user, "mail-waiting") == "Messages waiting to be sent: 0"
    assert text_of(user, "mail-failed") == "Messages that could not be sent: 0"
    assert PASSWORD not in everything_on_the_page(user)
    await user.should_not_see(marker="mail-off-features")


async def test_a_test_message_is_sent_to_the_administrator_and_audited(
    mail_server: SmtpServer, user: User
) -> None:
    await open_as_admin(user, PATH, "mail-status")
    address = next(iter(user.find(marker="mail-test-address").elements))
    assert getattr(address, "value", None) == "root@example.org"
    user.find(marker="mail-test-send").click()
    await user.should_see("Queued. Waiting for the mail server…", retries=RETRIES)
    assert await delivery.deliver_due() == 1  # what the app's runner does when woken
    await user.should_see("Sent: the mail server took the test message.", retries=RETRIES)
    letter = mail_server.wait_for("root@example.org")
    assert letter["Subject"].startswith("Test message from ")
    assert "sent by the administrator root" in letter_text(letter)
    assert audit_actions() == [("mail.test", "root@example.org")]
    assert [(m.kind, m.status) for m in rows()] == [("test", "sent")]


async def test_another_address_and_a_refusal_are_shown(mail_server: SmtpServer, user: User) -> None:
    await open_as_admin(user, PATH, "mail-status")
    fill(user, "mail-test-address", "not an address")
    user.find(marker="mail-test-send").click()
    await user.should_see("This is not a valid e-mail address.", retries=RETRIES)
    assert rows() == [] and audit_actions() == []
    mail_server.refuse("gone@example.org", "550 5.1.1 mailbox unavailable")
    fill(user, "mail-test-address", "gone@example.org")
    user.find(marker="mail-test-send").click()
    await user.should_see("Queued. Waiting for the mail server…", retries=RETRIES)
    await delivery.deliver_due()
    await user.should_see(
        "The mail server refused it: recipient refused: 550 5.1.1 mailbox unavailable",
        retries=RETRIES,
    )
    await user.open(PATH)  # the failure, as the page shows it now
    assert text_of(user, "mail-failed") == "Messages that could not be sent: 1"
    assert "” to gone@example.org (attempts: 1): recipient refused: 550" in text_of(
        user, "mail-latest-failure"
    )
    assert " UTC: “" in text_of(user, "mail-latest-failure")  # no zone told yet: UTC, said
    user.http_client.cookies.set("tz", "Europe/Moscow")  # as the frame's script sets it
    await user.open(PATH)
    assert "UTC" not in text_of(user, "mail-latest-failure")  # the viewer's own time


async def test_while_the_server_is_down_the_page_and_the_overview_say_so(
    mail_server: SmtpServer, user: User
) -> None:
    add_user("root", admin=True)
    mail_server.stop()
    queue()
    await delivery.deliver_due()
    await sign_in(user, "root", path="/login?next=/admin")
    await user.should_see(marker="mail-retrying-warning", retries=RETRIES)
    await user.open(PATH)
    assert text_of(user, "mail-waiting") == "Messages waiting to be sent: 1"
    assert "cannot reach 127.0.0.1" in text_of(user, "mail-retrying")


async def test_failures_are_on_the_overview(mail_server: SmtpServer, user: User) -> None:
    add_user("root", admin=True)
    mail_server.refuse("nobody@example.org", "550 no such user")
    queue("nobody@example.org")
    await delivery.deliver_due()
    await sign_in(user, "root", path="/login?next=/admin")
    await user.should_see(marker="mail-failures-warning", retries=RETRIES)
    warning = text_of(user, "mail-failures-warning")
    assert "Messages that could not be sent: 1" in warning and "550 no such user" in warning
    await user.should_not_see(marker="mail-off-warning")


async def test_without_a_server_the_page_says_what_is_off_and_how_to_turn_it_on(
    user: User,
) -> None:
    await open_as_admin(user, PATH, "mail-status")
    await user.should_see("Mail is off")
    await user.should_see(marker="mail-off-features")
    for feature in mail_settings.OFF_WITHOUT_MAIL:
        await user.should_see(feature)
    how = text_of(user, "mail-how-to")
    assert "SOCIALSERVICES_SMTP_URL" in how and "SOCIALSERVICES_MAIL_FROM" in how
    await user.should_not_see(marker="mail-test-send")
    queue()  # a letter asked for meanwhile waits
    await user.open(PATH)
    assert text_of(user, "mail-waiting") == "Messages waiting to be sent: 1"
    await user.should_see("They are sent once a mail server is set.")
    await user.open("/admin")
    await user.should_see(marker="mail-off-warning")


async def test_a_non_administrator_gets_neither_the_page_nor_the_action(
    mail_server: SmtpServer, user: User
) -> None:
    add_user("alice")
    await sign_in(user, "alice")
    await user.should_see(marker="profile-login", retries=RETRIES)
    response = await user.http_client.get(PATH)
    assert response.status_code == 403 and "Mail is on" not in response.text
    with pytest.raises(NotAnAdministratorError):
        mail_settings.send_test("alice@example.org")
    with pytest.raises(NotAnAdministratorError):
        mail_settings.own_address()
    assert rows() == [] and audit_actions() == []


async def test_an_administrator_demoted_meanwhile_cannot_send(
    mail_server: SmtpServer, user: User
) -> None:
    await open_as_admin(user, PATH, "mail-status")
    with session_scope() as session:
        root = session.exec(select(UserRow).where(UserRow.login == "root")).one()
    assert root.id is not None
    demote(root.id)
    user.find(marker="mail-test-send").click()
    await user.should_see("Only administrators may do this.", retries=RETRIES)
    assert rows() == [] and audit_actions() == []
