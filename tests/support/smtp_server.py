"""A real SMTP server for the tests (aiosmtpd on 127.0.0.1): it keeps what it received,
parsed, so a test reads the letter the app sent and follows its link; it can be stopped
and started again on the same port, as a mail server that goes down for a while.

As real servers do, it may offer STARTTLS or speak TLS from the first byte (``security``,
with a certificate of ``tests.support.tls.LocalAuthority``), ask for a login (``login``),
and refuse recipients with the reply a test chooses (``refuse``), or hold every letter
unanswered (``holding``)."""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from typing import Any
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.support.app_server import free_port
from tests.support.tls import LocalAuthority

HOST = "127.0.0.1"
LINK = re.compile(r"https?://[^\s<>\"]+")


class _Keeper:
    def __init__(self, server: SmtpServer) -> None:
        self._server = server

    async def handle_RCPT(
        self, _server: Any, _session: Any, envelope: Any, address: str, _options: Any
    ) -> str:
        refusal = self._server.refused.get(address.lower())
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        while self._server.holding.is_set():  # a sender that hangs up meanwhile: not kept
            await asyncio.sleep(0.05)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self._server.lock:
            self._server.received.append((list(envelope.rcpt_tos), message))
        return "250 OK"


class _Controller(Controller):
    def factory(self) -> Any:
        with warnings.catch_warnings():  # "AUTH without TLS": smtps is TLS, aiosmtpd sees none
            warnings.simplefilter("ignore", UserWarning)
            return super().factory()


class SmtpServer:
    def __init__(
        self,
        port: int | None = None,
        *,
        security: str = "none",
        authority: LocalAuthority | None = None,
        login: tuple[str, str] | None = None,
        smtputf8: bool = True,
    ) -> None:
        """``security``: "none", "starttls" (offered and required before anything is
        sent) or "tls" (smtps); both need ``authority``. ``login``: the one user and
        password it accepts, and then it takes mail only after a login. ``smtputf8``:
        whether it takes addresses with non-ASCII letters."""
        assert security == "none" or authority is not None, "TLS needs a certificate"
        self.port = port or free_port()
        self.security = security
        self.authority = authority
        self.login = login
        self.smtputf8 = smtputf8
        self.received: list[tuple[list[str], EmailMessage]] = []
        #: recipient (lower case) -> the reply to its RCPT, e.g. "550 5.1.1 no such user"
        self.refused: dict[str, str] = {}
        #: the logins it was asked for: (user, accepted)
        self.logins: list[tuple[str, bool]] = []
        self.lock = threading.Lock()
        #: set: each letter's data is taken and then not answered until it is cleared, as
        #: a slow server's; a sender that hangs up meanwhile has sent nothing
        self.holding = threading.Event()
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        """The ``SOCIALSERVICES_SMTP_URL`` that reaches it."""
        scheme = "smtps" if self.security == "tls" else "smtp"
        who = (
            f"{quote(self.login[0], safe='')}:{quote(self.login[1], safe='')}@"
            if self.login
            else ""
        )
        options = "?starttls=1" if self.security == "starttls" else ""
        return f"{scheme}://{who}{HOST}:{self.port}{options}"

    def refuse(self, recipient: str, reply: str = "550 5.1.1 No such user here") -> None:
        self.refused[recipient.lower()] = reply

    def start(self) -> SmtpServer:
        options: dict[str, Any] = {"enable_SMTPUTF8": self.smtputf8}
        if self.security == "starttls":
            assert self.authority is not None
            options.update(tls_context=self.authority.server_context(), require_starttls=True)
        elif self.security == "tls":
            assert self.authority is not None
            options.update(ssl_context=self.authority.server_context())
        if self.login is not None:
            options.update(
                authenticator=self._authenticate,
                auth_required=True,
                # aiosmtpd sees TLS only when STARTTLS brought it: smtps is TLS throughout
                auth_require_tls=self.security == "starttls",
            )
        self._controller = _Controller(_Keeper(self), hostname=HOST, port=self.port, **options)
        self._controller.start()
        return self

    def _authenticate(
        self, _server: Any, _session: Any, _envelope: Any, _mechanism: str, data: Any
    ) -> AuthResult:
        assert self.login is not None
        given = (
            (data.login.decode(), data.password.decode())
            if isinstance(data, LoginPassword)
            else ("", "")
        )
        accepted = given == self.login
        with self.lock:
            self.logins.append((given[0], accepted))
        return AuthResult(success=accepted, handled=False)  # aiosmtpd answers 535

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def messages_to(self, recipient: str) -> list[EmailMessage]:
        with self.lock:
            return [
                message
                for recipients, message in self.received
                if recipient.lower() in (r.lower() for r in recipients)
            ]

    def wait_for(self, recipient: str, *, count: int = 1, timeout: float = 20) -> EmailMessage:
        """The ``count``-th letter to ``recipient``, waiting for it to arrive."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.messages_to(recipient)
            if len(found) >= count:
                return found[count - 1]
            time.sleep(0.05)
        raise AssertionError(
            f"no letter #{count} to {recipient} within {timeout} s "
            f"(received: {[r for r, _ in self.received]})"
        )


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "the letter has no plain-text part"
    return str(part.get_content())


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None, "the letter has no HTML part"
    return str(part.get_content())


def link_in(message: EmailMessage) -> str:
    """The one link of the letter's plain text."""
    links = LINK.findall(text_of(message))
    assert len(links) >= 1, f"no link in: {text_of(message)!r}"
    return str(links[0])


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A plain mail server for one test (a module uses it by importing it and naming it in
    its ``__all__``)."""
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp_servers() -> Iterator[Callable[..., SmtpServer]]:
    """Start mail servers with ``SmtpServer``'s options; each is stopped after the test."""
    started: list[SmtpServer] = []

    def start(**options: object) -> SmtpServer:
        server = SmtpServer(**options).start()  # type: ignore[arg-type]
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
