"""The problem page offers "Try again" only where signing in again may end otherwise."""

from __future__ import annotations

import pytest
import yaml
from nicegui.testing import User

from admin_app.services.config_file import import_configuration
from tests.support.accounts import RETRIES


@pytest.fixture(autouse=True)
def github_offered(user: User) -> None:
    credentials = {"client_id": "id", "client_secret": "secret"}
    import_configuration(
        yaml.safe_dump({"services": {"github": {"enabled": True, "settings": credentials}}})
    )


@pytest.mark.parametrize(
    "reason", ["provider:cancelled", "state_invalid", "provider:unavailable", "held_gone"]
)
async def test_a_passing_problem_offers_to_try_again(user: User, reason: str) -> None:
    await user.open(f"/signin/problem?reason={reason}&service=github")
    await user.should_see(marker="problem-message", retries=RETRIES)
    await user.should_see(marker="problem-retry")


@pytest.mark.parametrize(
    "reason",
    ["user_blocked", "registration_closed", "email_exists", "provider:misconfigured"],
)
async def test_a_refusal_that_would_repeat_offers_the_password_instead(
    user: User, reason: str
) -> None:
    await user.open(f"/signin/problem?reason={reason}&service=github")
    await user.should_see(marker="problem-message", retries=RETRIES)
    await user.should_not_see(marker="problem-retry")
    await user.should_see("Sign in with a password")
