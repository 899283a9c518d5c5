"""``SOCIALSERVICES_SMTP_URL`` as operators write it, and the ones refused at start with the
reason: the app never guesses a mail server's security from a half-written URL."""

from __future__ import annotations

import pytest

from admin_app.core.settings import SettingsError, load_settings
from admin_app.core.smtp_url import SmtpTarget, SmtpUrlError, parse_smtp_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://localhost", SmtpTarget("localhost", 25, "none")),
        ("smtp://relay.lan:2525", SmtpTarget("relay.lan", 2525, "none")),
        (
            "smtp://me%40gmail.com:app%20pass%2F1@smtp.gmail.com:587?starttls=1",
            SmtpTarget("smtp.gmail.com", 587, "starttls", "me@gmail.com", "app pass/1"),
        ),
        (
            "smtps://robot@yandex.ru:secret@smtp.yandex.ru",
            SmtpTarget("smtp.yandex.ru", 465, "tls", "robot@yandex.ru", "secret"),
        ),
        (
            "SMTPS://u:p@smtp.mail.ru:465?timeout=5",
            SmtpTarget("smtp.mail.ru", 465, "tls", "u", "p", 5.0),
        ),
        ("smtp://mail:587?starttls=true", SmtpTarget("mail", 587, "starttls")),
        ("smtp://mail:25?starttls=0", SmtpTarget("mail", 25, "none")),
    ],
)
def test_the_urls_operators_write(url: str, expected: SmtpTarget) -> None:
    assert parse_smtp_url(url) == expected
    assert parse_smtp_url(url).password == expected.password  # not compared: repr=False


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://mail.example.org", "must be an smtp:// or smtps:// URL"),
        ("mail.example.org:25", "must be an smtp:// or smtps:// URL"),
        ("smtp://mail.example.org:99999", "has an invalid port"),
        ("smtp://mail.example.org:port", "has an invalid port"),
        ("smtp://:25", "must name the mail server's host"),
        ("smtp://mail.example.org/inbox", "must not have a path or a fragment"),
        ("smtp://mail.example.org#x", "must not have a path or a fragment"),
        ("smtp://mail.example.org?tls=1", "knows only the options starttls and timeout"),
        ("smtp://mail.example.org?starttls=maybe", "starttls must be 1 or 0"),
        ("smtps://mail.example.org?starttls=1", "smtps:// is TLS already: starttls is for smtp://"),
        ("smtp://mail.example.org?timeout=soon", "timeout must be a number of seconds"),
        ("smtp://mail.example.org?timeout=0", "timeout must be between 1 and 300 seconds"),
        ("smtp://mail.example.org?timeout=301", "timeout must be between 1 and 300 seconds"),
        ("smtp://:secret@mail.example.org", "names a password without a user"),
    ],
)
def test_a_url_that_does_not_say_clearly_where_and_how_is_refused(url: str, problem: str) -> None:
    with pytest.raises(SmtpUrlError) as error:
        parse_smtp_url(url)
    assert error.value.problem == problem


def test_the_password_is_never_shown() -> None:
    target = parse_smtp_url("smtp://mailer:hunter2@mail.example.org:587?starttls=1")
    assert "hunter2" not in repr(target)
    assert target.describe() == "mailer@mail.example.org:587 (starttls)"


def test_the_settings_refuse_a_bad_url_and_a_url_without_a_sender(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SOCIALSERVICES_SMTP_URL", "smtp://mail.example.org?starttls=maybe")
    monkeypatch.setenv("SOCIALSERVICES_MAIL_FROM", "noreply@example.org")
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert error.value.setting == "smtp_url"
    monkeypatch.setenv("SOCIALSERVICES_SMTP_URL", "smtp://mail.example.org")
    monkeypatch.delenv("SOCIALSERVICES_MAIL_FROM")
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert error.value.setting == "mail_from"
    monkeypatch.setenv("SOCIALSERVICES_MAIL_FROM", "Сервисы <noreply@example.org>")
    assert load_settings().smtp == SmtpTarget("mail.example.org", 25, "none")
