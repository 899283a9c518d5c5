"""Opening services' settings panels in the simulated browser, as an administrator does
before filling them in: a panel's form is drawn when it first opens."""

from __future__ import annotations

from nicegui.testing import User


def open_settings(user: User, *service_ids: str) -> None:
    """Click "Settings" of each of these services shown on the page (the others are skipped:
    a test may name one that is added or shown later)."""
    for service_id in service_ids:
        user.find(marker=f"settings-{service_id}").click()
