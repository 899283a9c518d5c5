"""The profile's line under the e-mail field: whether the address is verified, the new
address waiting for its link to be followed (send again, cancel), or why an address cannot
be verified here (the site sends no mail)."""

from __future__ import annotations

from collections.abc import Callable

from nicegui import ui

from admin_app.core.i18n import _
from admin_app.profile.email_change import TooManyLettersError
from admin_app.profile.own_account import (
    TOO_MANY_LETTERS,
    AccountView,
    NotSignedInError,
    cancel_email_change,
    own_account,
    resend_email_link,
    verify_present_email,
)
from admin_app.web import theme
from admin_app.web.viewer_time import moment_text


class EmailStatus:
    """Drawn where it is created; ``draw.refresh(view)`` after the address changed."""

    def __init__(self, on_error: Callable[[Exception], None]) -> None:
        self.on_error = on_error

    @ui.refreshable_method
    def draw(self, view: AccountView | None = None) -> None:
        view = view or own_account()
        with ui.column().classes("gap-1 w-full").mark("email-status"):
            if view.email:
                self._present(view)
            if view.pending is not None:
                with ui.row().classes("items-center gap-2 flex-wrap"):
                    ui.label(
                        _(
                            "Waiting for confirmation of {email} (sent at {time}): follow the "
                            "link in the letter sent there."
                        ).format(
                            email=view.pending.email,
                            time=moment_text(view.pending.sent_at),
                        )
                    ).classes("text-sm break-all").props('role="status"').mark("email-pending")
                    ui.button(_("Send again"), on_click=self._send_again).props("flat dense").mark(
                        "email-send-again"
                    )
                    ui.button(_("Cancel the change"), on_click=self._cancel).props(
                        "flat dense color=negative"
                    ).mark("email-cancel")

    def _present(self, view: AccountView) -> None:
        if view.email_verified:
            ui.label(_("Your address is verified.")).classes("text-sm text-positive").mark(
                "email-verified"
            )
            return
        with ui.row().classes("items-center gap-2 flex-wrap"):
            if not view.mail_on:
                ui.label(
                    _("Your address is not verified: it cannot be, as this site sends no mail.")
                ).classes(theme.MUTED).mark("email-unverified")
                return
            ui.label(_("Your address is not verified.")).classes(theme.MUTED).mark(
                "email-unverified"
            )
            if view.pending is None:
                ui.button(_("Send a confirmation link"), on_click=self._verify).props(
                    "flat dense"
                ).mark("email-verify")

    def _act(self, action: Callable[[], None], done: str) -> None:
        try:
            action()
        except TooManyLettersError:
            ui.notify(_(TOO_MANY_LETTERS), type="warning")
            return
        except NotSignedInError as error:
            self.on_error(error)
            return
        ui.notify(done, type="positive")
        self.draw.refresh(None)

    def _send_again(self) -> None:
        self._act(resend_email_link, _("A new link is on its way."))

    def _verify(self) -> None:
        self._act(verify_present_email, _("A confirmation link is on its way."))

    def _cancel(self) -> None:
        self._act(cancel_email_change, _("The change is cancelled: the link no longer works."))
