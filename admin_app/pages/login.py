"""The sign-in page (local form, external services' buttons, "Forgot your password?" with
mail, "Register" while the form is open) and ``/``. An account registered in "verify
before the first sign-in" mode whose address is not proven yet is told so once its
password was right, with a button that sends the link again."""

from __future__ import annotations

from urllib.parse import quote

from fastapi.responses import RedirectResponse
from nicegui import context, ui

from admin_app.auth.accounts import current_viewer, sign_in_locally
from admin_app.auth.registration import TooManyAttemptsError, closed_reason, resend_verification
from admin_app.auth.round_trip import offered_services
from admin_app.auth.safe_next import safe_next
from admin_app.core.i18n import _
from admin_app.core.input_checks import MAX_LINE_LENGTH, MAX_PASSWORD_TYPED, typed_text_problem
from admin_app.mail.outbox import mail_is_configured
from admin_app.provider.authorize import application_asking
from admin_app.web import theme
from admin_app.web.layout import card_frame, service_button
from admin_app.web.plain_link import PlainLink


def _error_text(error: str | None, wait_seconds: int) -> str:
    if error == "throttled":
        return _("Too many failed attempts for this login. Try again in {seconds} s.").format(
            seconds=wait_seconds
        )
    if error == "unavailable":
        return _("The server is restarting. Try again in a moment.")
    if error == "email_unverified":
        return _(
            "Your e-mail address is not confirmed yet: follow the link in the letter we sent"
            " when you registered."
        )
    return _("Wrong login or password.")


def _typed_problem(identifier: str, password: str) -> str | None:
    """What keeps the typed login or password from being checked at all, in words."""
    for value, limit in ((identifier, MAX_LINE_LENGTH), (password, MAX_PASSWORD_TYPED)):
        if problem := typed_text_problem(value, limit):
            return _(problem).format(limit=limit)
    return None


def register() -> None:
    @ui.page("/")
    def home() -> RedirectResponse:
        return RedirectResponse("/profile" if current_viewer() else "/login", status_code=303)

    @ui.page("/login")
    def login(next: str = "", expired: str = "", again: str = "") -> RedirectResponse | None:
        target = safe_next(next, default="/profile")
        viewer = current_viewer()
        if viewer is not None and not again:  # "again": an application asks for a new sign-in
            return RedirectResponse(target, status_code=303)
        host = context.client.request.headers.get("host")
        application = application_asking(target, host)

        async def submit() -> None:
            if not identifier.value or not password.value:
                message.set_text(_("Enter your login (or e-mail) and password."))
                message.set_visibility(True)
                return
            if problem := _typed_problem(identifier.value, password.value):
                message.set_text(problem)
                message.set_visibility(True)
                return
            button.disable()
            try:
                result = await sign_in_locally(identifier.value, password.value, target)
            finally:
                button.enable()
            if result.completion_url is None:
                message.set_text(_error_text(result.error, result.wait_seconds))
                message.set_visibility(True)
                password.set_value("")
                unverified["user_id"] = result.unverified_user_id
                resend.set_visibility(result.unverified_user_id is not None)
                return
            ui.navigate.to(result.completion_url)

        def send_again() -> None:
            user_id = unverified["user_id"]  # known here only after a right password
            if user_id is None:
                return
            try:
                resend_verification(user_id)
            except TooManyAttemptsError:
                message.set_text(_("Too many attempts from your network. Try again in an hour."))
                return
            resend.set_visibility(False)
            message.set_text(_("We sent the link again. It may take a few minutes to arrive."))

        unverified: dict[str, int | None] = {"user_id": None}

        title = (
            _("Sign in to {application}").format(application=application)
            if application
            else _("Sign in")
        )
        with card_frame(title, None):  # the application's name as text, never markup
            identifier = (
                ui.input(_("Login or e-mail"))
                .props("autocomplete=username autofocus name=login")
                .classes("w-full")
                .on("keydown.enter", submit)
                .mark("login-identifier")
            )
            password = (
                ui.input(_("Password"), password=True)
                .props("autocomplete=current-password name=password")
                .classes("w-full")
                .on("keydown.enter", submit)
                .mark("login-password")
            )
            message = ui.label().classes("text-negative").props('role="alert"').mark("login-error")
            message.set_visibility(bool(expired))
            if expired:
                message.set_text(
                    _("The sign-in took too long or was already finished. Please sign in again.")
                )
            resend = (
                ui.button(_("Send the link again"), on_click=send_again)
                .props("outline")
                .mark("login-resend")
            )
            resend.set_visibility(False)
            button = (
                ui.button(_("Sign in"), on_click=submit)
                .props("color=primary")
                .classes("w-full")
                .mark("login-submit")
            )
            with ui.row().classes("w-full justify-between text-sm"):
                if mail_is_configured():
                    PlainLink(_("Forgot your password?"), "/password/forgot").mark("login-forgot")
                if closed_reason() is None:
                    PlainLink(_("Register"), "/register?next=" + quote(target, safe="/")).mark(
                        "login-register"
                    )
            services = offered_services(host)
            if services:
                ui.separator()
                ui.label(_("Or sign in with")).classes(theme.MUTED)
                for service in services:
                    service_button(
                        service,
                        f"/oauth/{quote(service.service_id)}/login?next=" + quote(target, safe="/"),
                    )
        return None
