"""``/admin/registration``: who may register, and which groups may not use external services."""

from __future__ import annotations

from collections.abc import Sequence

from nicegui import ui

from admin_app.admin.rules import (
    NEW_USERS_GROUP,
    RegistrationRules,
    RuleFormError,
    all_groups,
    registration_rules,
    save_registration,
)
from admin_app.auth.accounts import Viewer
from admin_app.auth.admin_access import NotAnAdministratorError
from admin_app.auth.policy import VERIFY_BEFORE, VERIFY_LATER
from admin_app.core.i18n import N_, _
from admin_app.pages.admin.frame import add_admin_area, admin_frame, report_action_error
from admin_app.pages.guards import admin_page
from models.versions import StaleEditError

PATH = "/admin/registration"


def _hint(text: str) -> None:
    ui.label(text).classes("text-sm text-gray-600")


def _group_select(
    heading: str, label: str, group_names: dict[str, str], codes: Sequence[str], marker: str
) -> ui.select:
    """A multi-select of groups under its full heading (a field's own label would be cut
    short on a phone; it stays short and distinct for screen readers)."""
    ui.label(heading).classes("font-medium pt-2")
    return (
        ui.select(group_names, multiple=True, value=list(codes), label=label)
        .props("use-chips hide-bottom-space")
        .classes("w-full")
        .mark(marker)
    )


def register() -> None:
    add_admin_area(PATH, N_("Registration"), 30)

    @admin_page(PATH)
    def registration_page(viewer: Viewer) -> None:
        shown = registration_rules()
        group_names = {group.code: group.name for group in all_groups()}

        def save() -> None:
            nonlocal shown
            for select in selects.values():
                select.error = None
            try:
                saved = save_registration(
                    RegistrationRules(
                        allow_self_registration=bool(self_registration.value),
                        allow_social_registration=bool(social_registration.value),
                        denied_auth_groups=tuple(denied_auth.value or ()),
                        denied_link_groups=tuple(denied_link.value or ()),
                        version=shown.version,
                        email_verification=str(verification.value),
                        require_email=bool(require_email.value),
                    )
                )
            except RuleFormError as error:
                for field_name in error.problems:
                    if field_name in selects:
                        selects[field_name].error = error.text(_, field_name)
                    else:
                        ui.notify(error.text(_, field_name), type="negative")
                return
            except (NotAnAdministratorError, StaleEditError) as error:
                report_action_error(error)
                return
            unchanged = saved.version == shown.version
            shown = saved
            ui.notify(_("Nothing to save.") if unchanged else _("Saved."), type="positive")

        with (
            admin_frame(_("Registration and authorization"), viewer, PATH),
            ui.card().classes("w-full gap-3"),
        ):
            self_registration = ui.switch(
                _("Visitors may register themselves"), value=shown.allow_self_registration
            ).mark("allow-self-registration")
            ui.label(_("When a registered e-mail address is confirmed")).classes("font-medium")
            verification = (
                ui.radio(
                    {
                        VERIFY_BEFORE: _("Before the first sign-in"),
                        VERIFY_LATER: _("Later: the new account signs in at once"),
                    },
                    value=shown.email_verification,
                )
                .props("inline")
                .mark("email-verification")
            )
            _hint(
                _(
                    "The registration form is open while visitors may register themselves and"
                    " mail is configured. Every new account is sent a link that confirms its"
                    " address; before it is followed, an address is not unique and is not"
                    " passed on to applications as verified."
                )
            )
            social_registration = ui.switch(
                _("Allow registration of new users through social networks"),
                value=shown.allow_social_registration,
            ).mark("allow-social-registration")
            _hint(
                _(
                    "A person who signs in with an external service for the first time gets"
                    " a new account only when visitors may also register themselves (the"
                    " option above). When either option is off, only accounts linked"
                    " beforehand can sign in with external services."
                )
            )
            require_email = ui.switch(
                _("Ask for an e-mail address when a newcomer's service gives none"),
                value=shown.require_email,
            ).mark("require-email")
            social_needs_self = (
                ui.label(
                    _(
                        "Visitors may not register themselves, so no accounts are created"
                        " through social networks either."
                    )
                )
                .classes("text-warning")
                .props('role="status"')
                .mark("social-needs-self")
            )

            def explain_social_registration() -> None:
                social_needs_self.set_visibility(
                    bool(social_registration.value) and not self_registration.value
                )

            explain_social_registration()
            self_registration.on_value_change(explain_social_registration)
            social_registration.on_value_change(explain_social_registration)
            denied_auth = _group_select(
                _("User groups denied sign-in through social services"),
                _("Denied sign-in through services"),
                group_names,
                shown.denied_auth_groups,
                "denied-auth-groups",
            )
            _hint(
                _(
                    "Members of these groups can sign in only with their login and password."
                    " If the group new users join ({group}) is listed, nobody can register"
                    " through social networks."
                ).format(group=group_names.get(NEW_USERS_GROUP, NEW_USERS_GROUP))
            )
            denied_link = _group_select(
                _("User groups denied linking of social services"),
                _("Denied linking of services"),
                group_names,
                shown.denied_link_groups,
                "denied-link-groups",
            )
            _hint(_("Members of these groups cannot link external accounts to their account."))
            selects = {"denied_auth_groups": denied_auth, "denied_link_groups": denied_link}
            ui.button(_("Save"), on_click=save).props("color=primary").mark("registration-save")
