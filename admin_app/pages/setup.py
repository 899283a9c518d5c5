"""``/setup``: the first administrator, created from the one-time link printed at start."""

from __future__ import annotations

from nicegui import ui

from admin_app.auth.first_administrator import (
    SetupClosedError,
    UserDataError,
    create_first_administrator,
    setup_is_open,
)
from admin_app.core.i18n import _
from admin_app.core.input_checks import MAX_LINE_LENGTH, MAX_PASSWORD_TYPED, typed_text_problem
from admin_app.core.messages import user_data_error_text
from admin_app.web.layout import card_frame
from admin_app.web.plain_link import PlainLink


def _typed_problem(*fields: ui.input) -> str | None:
    """What keeps a field from being checked at all (a NUL, which PostgreSQL refuses, or a
    value far beyond any column), naming the field."""
    for field in fields:
        limit = MAX_PASSWORD_TYPED if field.props.get("type") == "password" else MAX_LINE_LENGTH
        if problem := typed_text_problem(field.value or "", limit):
            return f"{field.props.get('label', '')}: {_(problem).format(limit=limit)}"
    return None


def register() -> None:
    @ui.page("/setup")
    def setup(token: str = "") -> None:
        if not setup_is_open(token):
            with card_frame(_("Set-up"), None):
                ui.label(
                    _("This set-up link is not valid: it was used already or never issued.")
                ).props('role="alert"')
                ui.label(
                    _(
                        "Sign in as an administrator, or restart the server to get a new link"
                        " while no administrator exists."
                    )
                )
                PlainLink(_("Sign in"), "/login")
            return

        async def submit() -> None:
            if problem := _typed_problem(login, email, first_name, last_name, password):
                show(problem)
                return
            if password.value != repeat.value:
                show(_("The two passwords differ."))
                return
            try:
                signed_in_url = await create_first_administrator(
                    token,
                    login=login.value,
                    email=email.value,
                    password=password.value,
                    first_name=first_name.value,
                    last_name=last_name.value,
                )
            except UserDataError as error:
                show(user_data_error_text(error))
                return
            except SetupClosedError:
                show(_("This set-up link is not valid: it was used already or never issued."))
                return
            ui.navigate.to(signed_in_url)

        def show(text: str) -> None:
            message.set_text(text)
            message.set_visibility(True)

        with card_frame(_("Create the first administrator"), None, wide=True):
            ui.label(_("This account will manage the site's sign-in services and users."))
            login = ui.input(_("Login")).props("autocomplete=username name=login")
            email = ui.input(_("E-mail")).props("type=email autocomplete=email name=email")
            with ui.row().classes("w-full gap-3 no-wrap max-sm:flex-wrap"):
                first_name = (
                    ui.input(_("First name")).props("autocomplete=given-name").classes("grow")
                )
                last_name = (
                    ui.input(_("Last name")).props("autocomplete=family-name").classes("grow")
                )
            password = ui.input(_("Password"), password=True).props(
                "autocomplete=new-password name=password"
            )
            repeat = (
                ui.input(_("Repeat the password"), password=True)
                .props("autocomplete=new-password name=password2")
                .on("keydown.enter", submit)
            )
            for field in (login, email, password, repeat):
                field.classes("w-full")
            message = ui.label().classes("text-negative").props('role="alert"').mark("setup-error")
            message.set_visibility(False)
            ui.button(_("Create administrator"), on_click=submit).props("color=primary").classes(
                "w-full"
            ).mark("setup-submit")
