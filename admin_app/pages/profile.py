"""``/profile``: the signed-in person's account and their linked external accounts."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from admin_app.accounts import Viewer
from admin_app.i18n import N_, _
from admin_app.layout import NavEntry, add_navigation, frame
from admin_app.pages.guards import signed_in
from admin_app.profile_links import profile_links
from admin_app.service_badges import badge_svg
from admin_app.session import csrf_token


def _link_form(service_id: str, title: str, csrf: str) -> None:
    """A real HTML form: linking starts with a POST carrying our CSRF token."""
    with (
        ui.element("form")
        .props(f'method="post" action="/oauth/{quote(service_id)}/link"')
        .mark(f"link-{service_id}")
    ):
        ui.element("input").props(f'type="hidden" name="csrf" value="{csrf}"')
        ui.button(_("Link {service}").format(service=title)).props("type=submit outline")


def register() -> None:
    add_navigation(NavEntry("/profile", N_("Profile")))

    @ui.page("/profile")
    def profile(request: Request, linked: str = "") -> RedirectResponse | None:
        viewer = signed_in(request)
        if not isinstance(viewer, Viewer):
            return viewer
        links = profile_links(viewer.id, request.headers.get("host"))
        with frame(_("Profile"), viewer):
            with ui.card().classes("w-full max-w-md"):
                ui.label(viewer.display_name).classes("text-lg")
                ui.label(_("Login: {login}").format(login=viewer.login))
            ui.label(_("Linked accounts")).classes("text-xl font-semibold").props(
                'role="heading" aria-level="2"'
            )
            just_linked = next((v for v in links.linked if v.service_id == linked), None)
            if just_linked is not None:
                ui.label(
                    _("{service} is now linked to your account.").format(
                        service=_(just_linked.service_title)
                    )
                ).classes("text-positive").props('role="status"').mark("linked-confirmation")
            if not links.linked:
                ui.label(_("No external accounts are linked yet."))
            for view in links.linked:
                with ui.row().classes("items-center gap-3").mark(f"linked-{view.service_id}"):
                    ui.html(badge_svg(view.provider_id), sanitize=False)
                    ui.label(_(view.service_title)).classes("font-medium")
                    ui.label(view.external_name)  # text, never HTML
            if not links.may_link:
                ui.label(
                    _(
                        "Your account may not link external services. Ask an administrator if you "
                        "need to."
                    )
                ).mark("link-denied")
            elif links.linkable:
                csrf = csrf_token()
                with ui.row().classes("gap-2 flex-wrap"):
                    for service in links.linkable:
                        _link_form(service.service_id, _(service.title), csrf)
        return None
