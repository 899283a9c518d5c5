"""Opening the forms of a site's applications section (/admin/sites/{id}) in the simulated
browser, as an administrator does before filling them in: their forms are drawn when they
first open."""

from __future__ import annotations

from nicegui.testing import User

from tests.support.disclosures import open_disclosure


def open_new_application(user: User) -> None:
    """Open the "New application" section (a ``disclosure``)."""
    open_disclosure(user, "new-application")


def open_change(user: User, application_id: str) -> None:
    """Open an application's "Change" section (a native ``<details>`` too)."""
    open_disclosure(user, f"application-{application_id}-change")
