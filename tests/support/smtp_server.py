"""A real SMTP server for the tests (aiosmtpd on 127.0.0.1): it keeps what it received,
parsed, so a test reads the letter the app sent and follows its link; it can be stopped
and started again on the same port, as a mail server that goes down for a while."""

from __future__ import annotations

import email
import email.policy
import re
import threading
import time
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.support.app_server import free_port

HOST = "127.0.0.1"
LINK = re.compile(r"https?://[^\s<>\"]+")


class _Keeper:
    def __init__(self, server: SmtpServer) -> None:
        self._server = server

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self._server.lock:
            self._server.received.append((list(envelope.rcpt_tos), message))
        return "250 OK"


class SmtpServer:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.received: list[tuple[list[str], EmailMessage]] = []
        self.lock = threading.Lock()
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://{HOST}:{self.port}"

    def start(self) -> SmtpServer:
        self._controller = Controller(_Keeper(self), hostname=HOST, port=self.port)
        self._controller.start()
        return self

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
