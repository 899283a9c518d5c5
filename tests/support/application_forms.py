"""Opening the forms of a site's applications section (/admin/sites/{id}) in the simulated
browser, as an administrator does before filling them in: their forms are drawn when they
first open."""

from __future__ import annotations

from nicegui.testing import User


def open_new_application(user: User) -> None:
    """Open the "New application" section: a native ``<details>``, which the browser opens
    by itself and then reports with a ``toggle`` event, as here."""
    user.find(marker="new-application").trigger("toggle", {"newState": "open"})


def open_change(user: User, application_id: str) -> None:
    """Open an application's "Change" section (a native ``<details>`` too)."""
    user.find(marker=f"application-{application_id}-change").trigger("toggle", {"newState": "open"})
