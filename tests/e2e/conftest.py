"""End-to-end fixtures: the real app in a subprocess and Debian's Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.app_server import AppServer, make_app_server
from tests.support.callback_catcher import callback
from tests.support.chromium import browser_type_launch_args
from tests.support.oidc_provider import oidc_provider_factory
from tests.support.smtp_server import SmtpServer
from tests.support.social_setup import setup

__all__ = [
    "browser_type_launch_args",
    "callback",
    "oidc_provider_factory",
    "setup",
]  # fixtures for every e2e test


@pytest.fixture
def app_server(tmp_path: Path) -> Iterator[AppServer]:
    """A freshly installed app, started; stopped after the test."""
    server = make_app_server(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A real SMTP server on 127.0.0.1 for the app to send to (``smtp.url``); stopped after
    the test."""
    server = SmtpServer().start()
    yield server
    server.stop()
