"""``/link/existing``: "this address already has an account" — sign in to it (its password,
or a service linked to it) to add the service that gave the address
(``admin_app/auth/existing_account.py``). The page works only in the browser that brought
the service's answer; a problem of a service's round trip comes back here by its code."""

from __future__ import annotations

from urllib.parse import quote

from nicegui import context, ui

from admin_app.auth import existing_account
from admin_app.auth.accounts import current_viewer
from admin_app.auth.refusals import problem_message
from admin_app.core.i18n import _
from admin_app.core.input_checks import MAX_PASSWORD_TYPED, typed_text_problem
from admin_app.web import theme
from admin_app.web.layout import card_frame, service_button
from admin_app.web.plain_link import PlainLink


def _password_error(error: str | None, wait_seconds: int, service: str) -> str:
    if error == "invalid_password":
        return _("Wrong password.")
    if error == "throttled":
        return _("Too many failed attempts for this account. Try again in {seconds} s.").format(
            seconds=wait_seconds
        )
    return _(problem_message(error or "")).format(service=service)


def _refused(reason: str) -> None:
    with card_frame(_("Could not link"), current_viewer()):
        ui.label(_(problem_message(reason)).format(service=_("the service"))).props(
            'role="alert"'
        ).mark("link-existing-refused")
        PlainLink(_("Sign in"), "/login")


def register() -> None:
    @ui.page("/link/existing")
    def link_existing(ticket: str = "", problem: str = "", service: str = "") -> None:
        found = existing_account.look(ticket, context.client.request.headers.get("host"))
        if isinstance(found, str):
            _refused(found)
            return
        name = _(found.service.title)
        titles = {s.service_id: _(s.title) for s in (found.service, *found.proofs)}

        async def submit() -> None:
            if not password.value:
                message.set_text(_("Enter the account's password."))
                return
            if typed := typed_text_problem(password.value, MAX_PASSWORD_TYPED):
                message.set_text(_(typed).format(limit=MAX_PASSWORD_TYPED))
                return
            button.disable()
            try:
                result = await existing_account.prove_with_password(ticket, password.value)
            finally:
                button.enable()
            if result.completion_url is None:
                message.set_text(_password_error(result.error, result.wait_seconds, name))
                password.set_value("")
                return
            ui.navigate.to(result.completion_url)

        with card_frame(_("This address already has an account"), current_viewer()):
            ui.label(
                _(
                    "An account with the address {email} already exists. Sign in to it to add "
                    "your {service} account."
                ).format(email=found.masked_email, service=name)
            ).mark("link-existing-offer")
            message = (
                ui.label(
                    _(problem_message(problem)).format(
                        service=titles.get(service, _("the service"))
                    )
                    if problem
                    else ""
                )
                .classes("text-negative")
                .props('role="alert"')
                .mark("link-existing-error")
            )
            if found.has_password:
                password = (
                    ui.input(_("Password"), password=True)
                    .props("autocomplete=current-password name=password autofocus")
                    .classes("w-full")
                    .on("keydown.enter", submit)
                    .mark("link-existing-password")
                )
                button = (
                    ui.button(_("Sign in and add {service}").format(service=name), on_click=submit)
                    .props("color=primary")
                    .mark("link-existing-submit")
                )
            if found.proofs:
                ui.label(_("Or sign in with a service linked to that account:")).classes(
                    theme.MUTED
                )
                for proof in found.proofs:
                    service_button(
                        proof, f"/oauth/{quote(proof.service_id)}/confirm?ticket={quote(ticket)}"
                    )
            if not found.has_password and not found.proofs:
                ui.label(
                    _(
                        "That account has no password and no service you could sign in with "
                        "here. Ask for a new password, then sign in with {service} again."
                    ).format(service=name)
                ).mark("link-existing-no-way")
                PlainLink(_("Forgot your password?"), "/password/forgot")
            PlainLink(_("Cancel"), "/login").mark("link-existing-cancel")
