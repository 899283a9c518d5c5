"""``/signup/email``: "complete your profile" — the address a service did not give, asked
for and proven by a link before the account is made; then "check your mail" (the same
whether or not the address has an account). ``/signup/email/confirm?token=``: the link
from the letter (``admin_app/auth/profile_completion.py``).

The link's page acts when opened: only the browser that signed in with the service can
use the link (a mail scanner elsewhere changes nothing, and the link still works there).
"""

from __future__ import annotations

from fastapi.responses import RedirectResponse
from nicegui import ui

from admin_app.auth import profile_completion
from admin_app.auth.accounts import current_viewer
from admin_app.auth.refusals import problem_message
from admin_app.core.i18n import _
from admin_app.web.layout import card_frame
from admin_app.web.plain_link import PlainLink
from models.users import MAX_EMAIL_LENGTH


def _refused(reason: str) -> None:
    with card_frame(_("Could not sign up"), current_viewer()):
        ui.label(_(problem_message(reason)).format(service=_("the service"))).props(
            'role="alert"'
        ).mark("complete-profile-refused")
        PlainLink(_("Sign in"), "/login")


def register() -> None:
    @ui.page("/signup/email")
    def complete_profile(ticket: str = "") -> None:
        found = profile_completion.look(ticket)
        if isinstance(found, str):
            _refused(found)
            return
        name = _(found.service.title)

        def send() -> None:
            sent = profile_completion.send_link(ticket, address.value or "")
            if sent.error is not None:
                message.set_text(
                    _("Enter a valid e-mail address.")
                    if sent.error == "invalid_email"
                    else _("Too many letters were asked for. Try again in an hour.")
                    if sent.error == "throttled"
                    else _(problem_message(sent.error)).format(service=name)
                )
                return
            message.set_text("")
            form.set_visibility(False)
            check.set_text(
                _(
                    "We sent a link to {email}. Open it in this browser within an hour to "
                    "finish. No letter? Check the spam folder, or send it again."
                ).format(email=sent.masked_email)
            )
            done.set_visibility(True)

        with card_frame(_("Complete your profile"), current_viewer()):
            with ui.column().classes("w-full gap-3") as form:
                ui.label(
                    _(
                        "{service} did not give us your e-mail address, and this site needs "
                        "one. Enter it: we will send a link to confirm it, and your account is "
                        "created when you follow the link."
                    ).format(service=name)
                ).mark("complete-profile-ask")
                address = (
                    ui.input(_("E-mail"), value=found.suggested)
                    .props(f"autocomplete=email type=email name=email maxlength={MAX_EMAIL_LENGTH}")
                    .classes("w-full")
                    .on("keydown.enter", send)
                    .mark("complete-profile-email")
                )
                ui.button(_("Send the link"), on_click=send).props("color=primary").mark(
                    "complete-profile-send"
                )
            message = (
                ui.label()
                .classes("text-negative")
                .props('role="alert"')
                .mark("complete-profile-error")
            )
            with ui.column().classes("w-full gap-3") as done:
                ui.label(_("Check your mail")).classes("text-lg font-medium").props(
                    'role="heading" aria-level="2"'
                )
                check = ui.label().mark("complete-profile-sent")
                ui.button(
                    _("Send it again, or to another address"),
                    on_click=lambda: (form.set_visibility(True), done.set_visibility(False)),
                ).props("flat").mark("complete-profile-again")
            done.set_visibility(False)

    @ui.page("/signup/email/confirm")
    def confirm(token: str = "") -> RedirectResponse | None:
        followed = profile_completion.follow(token)
        if followed.url is not None and followed.refusal is None:
            return RedirectResponse(followed.url, status_code=303)
        _refused(followed.refusal or "profile_link_unknown")
        return None
