"""``/profile``: the signed-in person's account (linking services joins it later)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from admin_app.accounts import Viewer
from admin_app.i18n import N_, _
from admin_app.layout import NavEntry, add_navigation, frame
from admin_app.pages.guards import signed_in


def register() -> None:
    add_navigation(NavEntry("/profile", N_("Profile")))

    @ui.page("/profile")
    def profile(request: Request) -> RedirectResponse | None:
        viewer = signed_in(request)
        if not isinstance(viewer, Viewer):
            return viewer
        with frame(_("Profile"), viewer), ui.card().classes("w-full max-w-md"):
            ui.label(viewer.display_name).classes("text-lg")
            ui.label(_("Login: {login}").format(login=viewer.login))
        return None
