"""``/admin/services``: the common services (what every site without individual settings
offers), and ``/admin/services/tried``: what a "Try it" round trip received."""

from __future__ import annotations

from typing import Any

from nicegui import ui
from nicegui.elements.mixins.text_element import TextElement

from admin_app.auth.accounts import Viewer
from admin_app.auth.refusals import problem_message
from admin_app.auth.social_try import take_tried
from admin_app.auth.try_failures import TRIED_PAGE, cause
from admin_app.core.i18n import N_, _
from admin_app.pages.admin.frame import add_admin_area, admin_frame
from admin_app.pages.admin.service_editor import draw_services_editor
from admin_app.pages.guards import admin_page
from admin_app.web.plain_link import PlainLink
from models.services import COMMON

PATH = "/admin/services"

#: what the tried page shows, in order: (key in the stored profile, label)
TRIED_FIELDS = (
    ("service_id", N_("Service")),
    ("external_id", N_("External ID")),
    ("login_hint", N_("Login hint")),
    ("first_name", N_("First name")),
    ("last_name", N_("Last name")),
    ("email", N_("E-mail")),
    ("email_verified", N_("E-mail verified")),
    ("picture_url", N_("Picture URL")),
    ("profile_url", N_("Profile URL")),
    ("scopes", N_("Scopes granted")),
    ("refresh_token", N_("Refresh token received")),
)

#: what the service itself said about a failed try: (key in the kept failure, label)
SAID_FIELDS = (
    ("error", N_("Error")),
    ("error_description", N_("Error description")),
    ("redirect_uri", N_("Redirect URI sent")),
)


def _tried_value(key: str, value: Any, profile: dict[str, Any]) -> str:
    if key == "email" and not value:
        return _("no e-mail came")
    if key == "email_verified":
        if not profile.get("email"):
            return "—"
        return _("yes") if value else _("no")
    if key == "refresh_token":
        return _("yes") if value else _("no")
    if key == "scopes":
        return " ".join(str(scope) for scope in value) if isinstance(value, list) and value else "—"
    return str(value) if value not in (None, "") else "—"


def _draw_failure(failure: dict[str, Any]) -> None:
    """A failed try: the visitor's message, then its cause in the administrator's words
    and the service's own (shown as text: it may quote the service)."""
    service = _(str(failure.get("service_title") or failure.get("service_id", "")))
    ui.label(_("The sign-in with {service} failed.").format(service=service)).props(
        'role="alert"'
    ).classes("text-negative font-medium").mark("tried-failed")
    visitors = _(problem_message(str(failure.get("reason", "")))).format(service=service)
    ui.label(_("Visitors read: {message}").format(message=visitors)).classes(
        "text-sm text-gray-700"
    ).mark("tried-visitor-message")
    message, values = cause(failure)
    if message:
        ui.label(_(message).format(**values)).classes("break-words").mark("tried-cause")
    said = [(key, label) for key, label in SAID_FIELDS if failure.get(key)]
    if said:
        with ui.element("dl").classes("grid gap-x-4 gap-y-1 sm:grid-cols-[auto_1fr]"):
            for key, label in said:
                TextElement(tag="dt", text=_(label)).classes("font-medium")
                TextElement(tag="dd", text=str(failure[key])).classes("break-all").mark(
                    f"tried-{key}"
                )


def register() -> None:
    add_admin_area(PATH, N_("Services"), 10)

    @admin_page(PATH)
    def services(viewer: Viewer) -> None:
        with admin_frame(_("Services"), viewer, PATH):
            ui.label(
                _(
                    "The services every site offers unless it applies individual settings "
                    "(see Sites). Sign-in buttons appear in this order; a service appears "
                    "only when it is switched on and its settings are complete."
                )
            ).classes("text-gray-700")
            draw_services_editor(COMMON)

    @admin_page(TRIED_PAGE)
    def tried(viewer: Viewer) -> None:
        profile = take_tried(viewer.id)  # shown once
        with admin_frame(_("What the service sent"), viewer, PATH):
            if isinstance(profile, dict) and profile.get("failed"):
                _draw_failure(profile)
            elif not isinstance(profile, dict):
                ui.label(
                    _(
                        "Nothing to show: no sign-in was tried in this browser, or its result "
                        "was already shown."
                    )
                ).props('role="status"').mark("tried-nothing")
            else:
                ui.label(
                    _(
                        "The sign-in worked. This is what we received; nobody was signed in, "
                        "registered or linked."
                    )
                ).props('role="status"').classes("text-positive")
                with ui.element("dl").classes("grid gap-x-4 gap-y-1 sm:grid-cols-[auto_1fr]"):
                    for key, label in TRIED_FIELDS:
                        TextElement(tag="dt", text=_(label)).classes("font-medium")
                        TextElement(
                            tag="dd", text=_tried_value(key, profile.get(key), profile)
                        ).classes("break-all").mark(f"tried-{key}")
            PlainLink(_("Back to the services"), PATH)
