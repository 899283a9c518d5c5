"""Opening services' settings panels, and the "Add" section, in the simulated browser, as an
administrator does before filling them in: their forms are drawn when they first open."""

from __future__ import annotations

from nicegui.testing import User

from tests.support.disclosures import open_disclosure


def open_settings(user: User, *service_ids: str) -> None:
    """Click "Settings" of each of these services shown on the page (the others are skipped:
    a test may name one that is added or shown later)."""
    for service_id in service_ids:
        user.find(marker=f"settings-{service_id}").click()


def open_add_form(user: User) -> None:
    """Open the "Add an OpenID Connect service" section (a ``disclosure``)."""
    open_disclosure(user, "add-service")
