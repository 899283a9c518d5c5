"""Opening a closed section (``admin_app.pages.disclosure``) in the simulated browser, as
an administrator does before filling in its form: a native ``<details>``, which the browser
opens by itself and then reports with a ``toggle`` event, as here."""

from __future__ import annotations

from nicegui.testing import User


def open_disclosure(user: User, marker: str) -> None:
    user.find(marker=marker).trigger("toggle", {"newState": "open"})
