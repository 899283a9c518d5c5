"""``/register``: the registration form; ``/register/sent``: "check your mail" (the same
page whatever the address); ``/register/verify?token=``: the link from the letter.

The form is open only while visitors may register themselves and mail is configured;
otherwise the page says which of the two keeps it closed. The link's page uses the link
only when its button is pressed, so that a mail scanner opening the link does nothing.
"""

from __future__ import annotations

from fastapi.responses import RedirectResponse
from nicegui import ui

from admin_app.auth.accounts import current_viewer
from admin_app.auth.registration import (
    RegistrationClosedError,
    RegistrationFormError,
    TooManyAttemptsError,
    Verified,
    closed_reason,
    link_refusal,
    verify,
)
from admin_app.auth.registration import (
    register as register_account,
)
from admin_app.auth.safe_next import safe_next
from admin_app.core.i18n import N_, _
from admin_app.core.messages import LINK_REFUSALS
from admin_app.pages.widgets import ProblemLabel, attributes
from admin_app.web import theme
from admin_app.web.layout import card_frame
from admin_app.web.plain_link import PlainLink
from models.users import MAX_EMAIL_LENGTH

CLOSED = {
    "registration_off": N_(
        "Registration is closed: the administrator does not let visitors register themselves."
    ),
    "mail_off": N_(
        "Registration is closed: this site cannot send e-mail, and a new account needs a"
        " letter to confirm its address."
    ),
}
TOO_MANY = N_("Too many attempts from your network. Try again in an hour.")
VERIFIED = {
    Verified.ALREADY_SIGNED_IN: N_("Your e-mail address is confirmed."),
    Verified.SIGN_IN: N_("Your e-mail address is confirmed. You can sign in now."),
    Verified.EMAIL_TAKEN: N_(
        "Another account confirmed this address first, so it cannot be yours here. Sign in"
        " and give another address on your profile."
    ),
    Verified.CHANGED: N_(
        "This link is for an address your account no longer has. Nothing was changed."
    ),
}


def _closed(reason: str) -> None:
    ui.label(_(CLOSED.get(reason, CLOSED["registration_off"]))).mark("registration-closed")
    PlainLink(_("Sign in"), "/login").mark("to-login")


def _form(next_path: str) -> None:
    inputs: dict[str, ui.input] = {}
    problems: dict[str, ProblemLabel] = {}
    fields = (  # name, label, autocomplete, password?
        ("login", _("Login"), "username", False),
        ("email", _("E-mail"), "email", False),
        ("password", _("Password"), "new-password", True),
        ("repeat_password", _("Password again"), "new-password", True),
    )

    async def submit() -> None:
        for label in problems.values():
            label.show(None)
        message.set_visibility(False)
        values = {name: element.value or "" for name, element in inputs.items()}
        button.disable()
        try:
            registered = await register_account(
                values["login"],
                values["email"],
                values["password"],
                values["repeat_password"],
                next_path,
            )
        except RegistrationFormError as error:
            for name, label in problems.items():
                label.show(error.problems.get(name))
            return
        except TooManyAttemptsError:
            message.set_text(_(TOO_MANY))
            message.set_visibility(True)
            return
        except RegistrationClosedError as error:
            message.set_text(_(CLOSED.get(error.reason, CLOSED["registration_off"])))
            message.set_visibility(True)
            return
        finally:
            button.enable()
        ui.navigate.to(registered.completion_url or "/register/sent")

    with ui.column().classes("w-full gap-3").mark("register-form"):
        for name, label, autocomplete, secret in fields:
            element = attributes(
                ui.input(label, password=secret), {"autocomplete": autocomplete, "name": name}
            ).classes("w-full")
            if name == "email":
                attributes(element.props("type=email"), {"maxlength": str(MAX_EMAIL_LENGTH)})
            inputs[name] = element.on("keydown.enter", submit).mark(f"register-{name}")
            problems[name] = ProblemLabel(f"problem-{name}", element)
        message = ui.label().classes("text-negative").props('role="alert"').mark("register-error")
        message.set_visibility(False)
        button = (
            ui.button(_("Register"), on_click=submit)
            .props("color=primary")
            .classes("w-full")
            .mark("register-submit")
        )
        PlainLink(_("I have an account: sign in"), "/login").classes("text-sm")


def _verify_page(token: str) -> None:
    refusal = link_refusal(token)
    if refusal is not None:
        ui.label(_(LINK_REFUSALS[refusal.value])).props('role="alert"').mark("link-refused")
        return
    ui.label(_("Press the button to confirm your e-mail address.")).mark("verify-intro")
    result = ui.label().props('role="status"').mark("verify-result")
    result.set_visibility(False)
    to_login = PlainLink(_("Sign in"), "/login").mark("to-login")
    to_profile = PlainLink(_("Your profile"), "/profile").mark("to-profile")
    to_login.set_visibility(False)
    to_profile.set_visibility(False)

    def confirm() -> None:
        outcome = verify(token)
        button.set_visibility(False)
        if outcome.completion_url is not None:
            ui.navigate.to(outcome.completion_url)
            return
        if isinstance(outcome.result, Verified):
            words = VERIFIED.get(outcome.result, LINK_REFUSALS["unknown"])
        else:
            words = LINK_REFUSALS[outcome.result.value]
        result.set_text(_(words))
        result.set_visibility(True)
        signed_in = outcome.result is Verified.ALREADY_SIGNED_IN
        (to_profile if signed_in else to_login).set_visibility(True)

    button = (
        ui.button(_("Confirm my address"), on_click=confirm)
        .props("color=primary")
        .mark("verify-confirm")
    )


def register() -> None:
    @ui.page("/register")
    def registration_page(next: str = "") -> RedirectResponse | None:
        target = safe_next(next, default="/profile")
        if current_viewer() is not None:
            return RedirectResponse(target, status_code=303)
        reason = closed_reason()
        with card_frame(_("Register"), None):
            if reason is not None:
                _closed(reason)
            else:
                _form(target)
        return None

    @ui.page("/register/sent")
    def sent_page() -> None:
        with card_frame(_("Check your mail"), None):
            ui.label(
                _(
                    "We sent a letter to the address you gave. Follow its link to confirm the"
                    " address and finish registering."
                )
            ).mark("register-sent")
            ui.label(
                _(
                    "It may take a few minutes, longer if our mail server is busy: it will"
                    " come. Nothing after a while? Look in the spam folder, or register again"
                    " later."
                )
            ).classes(theme.MUTED)
            PlainLink(_("Sign in"), "/login")

    @ui.page("/register/verify")
    def verify_page(token: str = "") -> None:
        with card_frame(_("Confirm your e-mail address"), current_viewer()):
            _verify_page(token)
