"""End-to-end fixtures: the real app in a subprocess and Debian's Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.app_server import AppServer, make_app_server
from tests.e2e.callback_catcher import callback
from tests.e2e.oidc_provider import oidc_provider_factory
from tests.e2e.social_setup import setup

__all__ = ["callback", "oidc_provider_factory", "setup"]  # fixtures for every e2e test

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:  # type: ignore[type-arg]
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_FLAGS}


@pytest.fixture
def app_server(tmp_path: Path) -> Iterator[AppServer]:
    """A freshly installed app, started; stopped after the test."""
    server = make_app_server(tmp_path)
    server.start()
    yield server
    server.stop()
