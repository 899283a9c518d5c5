"""``/password/forgot``: a login or address, then the same answer whatever it names;
``/password/reset?token=``: the link from the letter asks for the new password twice,
then signs this browser in (every other session of the account is ended)."""

from __future__ import annotations

from nicegui import ui

from admin_app.auth.accounts import current_viewer
from admin_app.auth.password_reset import (
    LinkRefusedError,
    MailOffError,
    ResetFormError,
    TooManyAttemptsError,
    ask_for_reset,
    reset_link,
    reset_password,
)
from admin_app.core.i18n import N_, _
from admin_app.core.messages import LINK_REFUSALS
from admin_app.mail.outbox import mail_is_configured
from admin_app.pages.widgets import ProblemLabel, attributes
from admin_app.web import theme
from admin_app.web.layout import card_frame
from admin_app.web.plain_link import PlainLink

MAIL_OFF = N_(
    "This site cannot send e-mail, so a forgotten password cannot be reset here. Ask an"
    " administrator."
)
TOO_MANY = N_("Too many attempts from your network. Try again in an hour.")
SENT = N_(
    "If this login or address belongs to an account, we sent a letter to the account's"
    " address with a link to choose a new password. The link works once, for one hour."
)


def _forgot_form() -> None:
    async def submit() -> None:
        problem.show(None)
        message.set_visibility(False)
        button.disable()
        try:
            await ask_for_reset(identifier.value or "")
        except ResetFormError as error:
            problem.show(error.problems.get("identifier"))
            return
        except (TooManyAttemptsError, MailOffError) as error:
            refused = TOO_MANY if isinstance(error, TooManyAttemptsError) else MAIL_OFF
            message.set_text(_(refused))
            message.set_visibility(True)
            return
        finally:
            button.enable()
        card.set_visibility(False)
        sent.set_visibility(True)

    with ui.column().classes("w-full gap-3").mark("forgot-form") as card:
        ui.label(
            _("Enter your login or e-mail address: we will send a link to choose a new password.")
        ).classes("text-sm")
        identifier = (
            attributes(ui.input(_("Login or e-mail")), {"autocomplete": "username"})
            .classes("w-full")
            .on("keydown.enter", submit)
            .mark("forgot-identifier")
        )
        problem = ProblemLabel("problem-identifier", identifier)
        message = ui.label().classes("text-negative").props('role="alert"').mark("forgot-error")
        message.set_visibility(False)
        button = (
            ui.button(_("Send the link"), on_click=submit)
            .props("color=primary")
            .classes("w-full")
            .mark("forgot-submit")
        )
    sent = ui.label(_(SENT)).props('role="status"').mark("forgot-sent")
    sent.set_visibility(False)
    PlainLink(_("Back to sign-in"), "/login").classes("text-sm")


def _reset_form(token: str, login: str) -> None:
    inputs: dict[str, ui.input] = {}
    problems: dict[str, ProblemLabel] = {}

    async def submit() -> None:
        for label in problems.values():
            label.show(None)
        button.disable()
        try:
            url = await reset_password(
                token, inputs["new_password"].value or "", inputs["repeat_password"].value or ""
            )
        except ResetFormError as error:
            for name, label in problems.items():
                label.show(error.problems.get(name))
            return
        except LinkRefusedError as error:
            card.set_visibility(False)
            refused.set_text(_(LINK_REFUSALS[error.refusal.value]))
            refused.set_visibility(True)
            return
        finally:
            button.enable()
        ui.navigate.to(url)

    with ui.column().classes("w-full gap-3").mark("reset-form") as card:
        ui.label(_("Choose a new password for {login}.").format(login=login)).mark("reset-login")
        for name, label in (
            ("new_password", _("New password")),
            ("repeat_password", _("Repeat it")),
        ):
            inputs[name] = (
                attributes(ui.input(label, password=True), {"autocomplete": "new-password"})
                .classes("w-full")
                .on("keydown.enter", submit)
                .mark(f"reset-{name}")
            )
            problems[name] = ProblemLabel(f"problem-{name}", inputs[name])
        ui.label(_("Every browser signed in to your account will be signed out.")).classes(
            theme.MUTED
        )
        button = (
            ui.button(_("Save the new password"), on_click=submit)
            .props("color=primary")
            .classes("w-full")
            .mark("reset-submit")
        )
    refused = ui.label().props('role="alert"').mark("link-refused")
    refused.set_visibility(False)


def register() -> None:
    @ui.page("/password/forgot")
    def forgot_page() -> None:
        with card_frame(_("Forgot your password?"), current_viewer()):
            if not mail_is_configured():
                ui.label(_(MAIL_OFF)).mark("reset-closed")
                return
            _forgot_form()

    @ui.page("/password/reset")
    def reset_page(token: str = "") -> None:
        with card_frame(_("Choose a new password"), current_viewer()):
            try:
                link = reset_link(token)
            except LinkRefusedError as error:
                ui.label(_(LINK_REFUSALS[error.refusal.value])).props('role="alert"').mark(
                    "link-refused"
                )
                PlainLink(_("Ask for a new link"), "/password/forgot")
                return
            _reset_form(token, link.login)
