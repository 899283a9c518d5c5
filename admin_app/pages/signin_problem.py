"""``/signin/problem``: why a round trip to an external service did not sign in or link.

The page is chosen by a reason code only (never by text from the URL), so nothing a
provider or a link sends can be shown as it is.
"""

from __future__ import annotations

from urllib.parse import quote

from nicegui import context, ui

from admin_app.auth.accounts import current_viewer
from admin_app.auth.refusals import problem_message, retry_can_succeed
from admin_app.auth.round_trip import offered_services
from admin_app.auth.safe_next import safe_next
from admin_app.core.i18n import _
from admin_app.web.layout import card_frame
from admin_app.web.plain_link import PlainLink

LINKING_REASONS = {"link_denied", "linked_elsewhere", "not_signed_in", "link_session_changed"}


def register() -> None:
    @ui.page("/signin/problem")
    def problem(reason: str = "", service: str = "", next: str = "/") -> None:
        services = {
            s.service_id: s for s in offered_services(context.client.request.headers.get("host"))
        }
        known = services.get(service)
        name = _(known.title) if known else _("the service")
        viewer = current_viewer()
        with card_frame(_("Could not sign in"), viewer):
            ui.label(_(problem_message(reason)).format(service=name)).props('role="alert"').mark(
                "problem-message"
            )
            with ui.row().classes("gap-3 items-center"):
                if reason in LINKING_REASONS or reason == "service_unavailable":
                    PlainLink(_("Back to your profile"), "/profile")
                elif known is not None and retry_can_succeed(reason):
                    retry = f"/oauth/{quote(known.service_id)}/login?next=" + quote(
                        safe_next(next), safe="/"
                    )
                    ui.button(_("Try again"), on_click=lambda: ui.navigate.to(retry)).props(
                        "color=primary"
                    ).mark("problem-retry")
                PlainLink(_("Sign in with a password"), "/login")
