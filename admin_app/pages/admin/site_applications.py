"""The applications section of a site's page: the site's OAuth clients, each with its
client id, redirect URIs and who may use it; "New secret" and a new application show the
secret once, in a dialog, and never again."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from nicegui import ui

from admin_app.admin.builtin_names import group_name
from admin_app.auth.admin_access import NotAnAdministratorError
from admin_app.core.form_problems import FieldProblem
from admin_app.core.i18n import _
from admin_app.pages.admin.frame import report_action_error
from admin_app.pages.chips import state_chip
from admin_app.pages.disclosure import disclosure
from admin_app.pages.plain_button import EDIT, PLUS
from admin_app.pages.widgets import ProblemLabel, attributes
from admin_app.provider.application_editing import (
    ApplicationFormError,
    ApplicationView,
    Saved,
    applications_of,
    create_application,
    delete_application,
    groups,
    issuer_of_site,
    new_secret,
    parse_hosts,
    parse_uris,
    set_subject_type,
    subject_type_of,
    update_application,
)
from admin_app.provider.applications import ApplicationValues
from models.versions import StaleEditError


class _Fields:
    """The fields of an application's form (new or existing)."""

    def __init__(self, site_id: str, view: ApplicationView | None, prefix: str) -> None:
        self.site_id = site_id
        self.problems: dict[str, ProblemLabel] = {}
        self.id = None
        if view is None:
            self.id = (
                attributes(
                    ui.input(_("Application ID")),
                    {"hint": _("1 to 20 lower-case letters, digits or _; cannot be changed later")},
                )
                .props("outlined dense maxlength=20")
                .classes("w-full")
                .mark(f"{prefix}-id")
            )
            self.problems["id"] = ProblemLabel(f"{prefix}-problem-id", self.id)
        self.name = (
            ui.input(_("Name shown on the sign-in page"), value=view.name if view else "")
            .props("outlined dense maxlength=100")
            .classes("w-full")
            .mark(f"{prefix}-name")
        )
        self.problems["name"] = ProblemLabel(f"{prefix}-problem-name", self.name)
        kinds = {
            "confidential": _("Confidential: a server-side application with a secret"),
            "public": _("Public: a browser or mobile application, PKCE instead of a secret"),
            "proxy": _("Behind a reverse proxy: nginx, Traefik or Caddy asks us on each request"),
        }
        self.kind = (
            ui.select(kinds, value=view.kind if view else "confidential", label=_("Kind"))
            .classes("w-full")
            .mark(f"{prefix}-kind")
        )
        self.problems["kind"] = ProblemLabel(f"{prefix}-problem-kind", self.kind)
        self.hosts = (
            attributes(
                ui.textarea(_("Host names the proxy serves"), value="\n".join(view.hosts))
                if view
                else ui.textarea(_("Host names the proxy serves")),
                {"hint": _("One per line, e.g. wiki.example.org")},
            )
            .props("outlined dense autogrow")
            .classes("w-full")
            .mark(f"{prefix}-hosts")
        )
        self.hosts.bind_visibility_from(self.kind, "value", backward=lambda kind: kind == "proxy")
        self.problems["hosts"] = ProblemLabel(f"{prefix}-problem-hosts", self.hosts)
        self.redirect_uris = self._uris(
            _("Redirect URIs"), view.redirect_uris if view else (), f"{prefix}-redirect-uris"
        )
        self.problems["redirect_uris"] = ProblemLabel(
            f"{prefix}-problem-redirect_uris", self.redirect_uris
        )
        self.logout_uris = self._uris(
            _("Addresses after signing out"),
            view.post_logout_redirect_uris if view else (),
            f"{prefix}-logout-uris",
        )
        self.problems["post_logout_redirect_uris"] = ProblemLabel(
            f"{prefix}-problem-post_logout_redirect_uris", self.logout_uris
        )
        self.backchannel = (
            attributes(
                ui.input(
                    _("Back-channel logout URI (optional)"),
                    value=view.backchannel_logout_uri if view else "",
                ),
                {"hint": _("We post a signed logout token there when the person signs out")},
            )
            .props("outlined dense")
            .classes("w-full")
            .mark(f"{prefix}-backchannel")
        )
        self.problems["backchannel_logout_uri"] = ProblemLabel(
            f"{prefix}-problem-backchannel_logout_uri", self.backchannel
        )
        for oidc_field in (self.redirect_uris, self.logout_uris, self.backchannel):
            oidc_field.bind_visibility_from(
                self.kind, "value", backward=lambda kind: kind != "proxy"
            )
        self.everyone = ui.checkbox(
            _("Every user may use it"), value=view is None or view.allowed_groups is None
        ).mark(f"{prefix}-everyone")
        self.groups = (
            ui.select(
                _group_names(),
                multiple=True,
                value=list(view.allowed_groups or ()) if view else [],
                label=_("Only members of these groups"),
            )
            .props("use-chips")
            .classes("w-full")
            .mark(f"{prefix}-groups")
        )
        self.groups.bind_visibility_from(self.everyone, "value", backward=lambda on: not on)
        self.problems["allowed_groups"] = ProblemLabel(f"{prefix}-problem-groups", self.groups)
        self.problems[""] = ProblemLabel(f"{prefix}-problem")

    @staticmethod
    def _uris(label: str, uris: tuple[str, ...], marker: str) -> ui.textarea:
        hint = _(
            "One per line, exactly as the application sends it: https://, or http:// to 127.0.0.1"
        )
        return (
            attributes(ui.textarea(label, value="\n".join(uris)), {"hint": hint})
            .props("outlined dense autogrow")
            .classes("w-full")
            .mark(marker)
        )

    def values(self, application_id: str) -> ApplicationValues:
        return ApplicationValues(
            id=application_id,
            site_id=self.site_id,
            name=(self.name.value or "").strip(),
            kind=str(self.kind.value),
            allowed_groups=None if self.everyone.value else list(self.groups.value or []),
            **self._kind_fields(),
        )

    def _kind_fields(self) -> dict[str, Any]:
        """A proxy application's host names, or an OpenID Connect one's addresses (the
        hidden fields of the other kind are not sent, so switching kind loses nothing)."""
        if self.kind.value == "proxy":
            return {"hosts": parse_hosts(self.hosts.value or "")}
        return {
            "redirect_uris": parse_uris(self.redirect_uris.value or ""),
            "post_logout_redirect_uris": parse_uris(self.logout_uris.value or ""),
            "backchannel_logout_uri": (self.backchannel.value or "").strip(),
        }

    def show(self, problems: Mapping[str, list[FieldProblem]]) -> None:
        for where, label in self.problems.items():
            found = [p for key, ps in problems.items() if key.split("[")[0] == where for p in ps]
            label.show(found)


def _show_secret_once(saved: Saved) -> None:
    if saved.new_secret is None:
        return
    with ui.dialog() as dialog, ui.card().classes("gap-2"):
        ui.label(_("Client secret of {name}").format(name=saved.view.name)).classes("font-medium")
        ui.label(_("Copy it now into the application's settings: it is not shown again.")).classes(
            "text-sm"
        )
        ui.input(_("Client secret"), value=saved.new_secret).props(
            "outlined dense readonly"
        ).classes("w-full font-mono").mark("client-secret-once")
        ui.button(_("Done"), on_click=dialog.close).props("color=primary").mark(
            "client-secret-done"
        )
    dialog.on("hide", dialog.delete)
    dialog.open()


def _failed(error: Exception, fields: _Fields) -> None:
    if isinstance(error, ApplicationFormError):
        fields.show(error.problems)
        ui.notify(_("Not saved: see the messages next to the fields."), type="warning")
    else:
        report_action_error(error)


def _group_names() -> dict[str, str]:
    """Every group's name as shown, by code (built-in ones in the reader's language)."""
    return {code: group_name(code, name) for code, name in groups()}


class _ApplicationCard:
    def __init__(self, view: ApplicationView, redraw: Callable[[], None]) -> None:
        self.view = view
        self.redraw = redraw
        with ui.card().classes("w-full gap-1").mark(f"application-{view.id}"):
            with ui.row().classes("items-center gap-2 flex-wrap"):
                ui.label(view.name).classes("font-medium text-lg")
                ui.label(f"({view.id})").classes("text-gray-600")
                state_chip(
                    {"confidential": _("confidential"), "public": _("public")}.get(
                        view.kind, _("proxy")
                    ),
                    "info",
                )
            ui.label(_("Client ID: {client_id}").format(client_id=view.client_id)).classes(
                "font-mono text-sm break-all"
            ).mark(f"application-{view.id}-client-id")
            for uri in view.redirect_uris + view.hosts:
                ui.label(uri).classes("text-sm break-all text-gray-700")
            who = (
                _("Every user")
                if view.allowed_groups is None
                else _("Members of: {groups}").format(
                    groups=", ".join(_group_names().get(code, code) for code in view.allowed_groups)
                )
            )
            ui.label(who).classes("text-sm")
            disclosure(_("Change"), EDIT, f"application-{view.id}-change", self.draw_form)

    def draw_form(self) -> None:
        """The "Change" section's form, drawn when it first opens."""
        view = self.view
        self.fields = _Fields(view.site_id, view, f"application-{view.id}")
        with ui.row().classes("gap-2 flex-wrap"):
            ui.button(_("Save"), on_click=self.save).props("color=primary").mark(
                f"application-{view.id}-save"
            )
            if view.kind == "confidential":
                ui.button(_("New secret"), on_click=self.renew).props("flat").mark(
                    f"application-{view.id}-new-secret"
                )
            ui.button(_("Delete"), on_click=self.confirm_deletion).props(
                "flat color=negative"
            ).mark(f"application-{view.id}-delete")

    def save(self) -> None:
        try:
            saved = update_application(self.fields.values(self.view.id), version=self.view.version)
        except (ApplicationFormError, NotAnAdministratorError, StaleEditError) as error:
            _failed(error, self.fields)
            return
        ui.notify(_("Application saved."), type="positive")
        _show_secret_once(saved)
        self.redraw()

    def renew(self) -> None:
        try:
            saved = new_secret(self.view.id, version=self.view.version)
        except (NotAnAdministratorError, StaleEditError) as error:
            report_action_error(error)
            return
        _show_secret_once(saved)
        self.redraw()

    def confirm_deletion(self) -> None:
        with ui.dialog() as dialog, ui.card():
            ui.label(
                _(
                    "Delete the application {name}? Everyone signed in to it through us is signed out."
                ).format(name=self.view.name)
            )
            with ui.row().classes("gap-2 justify-end w-full"):
                ui.button(_("Cancel"), on_click=dialog.close).props("flat")

                def confirmed() -> None:
                    dialog.close()
                    try:
                        delete_application(self.view.id, version=self.view.version)
                    except (NotAnAdministratorError, StaleEditError) as error:
                        report_action_error(error)
                        return
                    self.redraw()

                ui.button(_("Delete"), on_click=confirmed).props("color=negative").mark(
                    "application-delete-confirm"
                )
        dialog.on("hide", dialog.delete)
        dialog.open()


def draw_applications(site_id: str) -> None:
    """The section, redrawn after each change."""
    issuer = issuer_of_site(site_id)
    with ui.card().classes("w-full gap-2").mark("site-applications"):
        ui.label(_("Applications")).classes("text-xl font-semibold").props(
            'role="heading" aria-level="2"'
        )
        ui.label(
            _(
                "Applications of this site sign people in through it with OpenID Connect, "
                "using this site's services and rules. Their issuer: {issuer}"
            ).format(issuer=issuer)
        ).classes("text-sm text-gray-700 break-all").mark("site-issuer")
        subjects = {
            "public": _("The user's id, the same on every site"),
            "pairwise": _("A value of this site's own, which other sites cannot match"),
        }

        def subject_changed(event: object) -> None:
            try:
                set_subject_type(site_id, str(subject.value))
            except (NotAnAdministratorError, StaleEditError) as error:
                report_action_error(error)
                return
            ui.notify(_("Saved."), type="positive")

        subject = (
            ui.select(
                subjects,
                value=subject_type_of(site_id),
                label=_("Subject (sub) applications receive"),
                on_change=subject_changed,
            )
            .classes("w-full")
            .mark("site-subject-type")
        )
        listing = ui.column().classes("w-full gap-2").mark("application-list")

        def redraw() -> None:
            listing.clear()
            with listing:
                for view in applications_of(site_id):
                    _ApplicationCard(view, redraw)

        redraw()
        disclosure(
            _("New application"), PLUS, "new-application", lambda: _draw_new(site_id, redraw)
        )


def _draw_new(site_id: str, redraw: Callable[[], None]) -> None:
    """The "New application" section's form, drawn when it first opens."""
    fields = _Fields(site_id, None, "new-application")

    def create() -> None:
        assert fields.id is not None
        try:
            saved = create_application(fields.values((fields.id.value or "").strip()))
        except (ApplicationFormError, NotAnAdministratorError, StaleEditError) as error:
            _failed(error, fields)
            return
        fields.show({})
        ui.notify(_("Application created."), type="positive")
        _show_secret_once(saved)
        redraw()

    ui.button(_("Create application"), on_click=create).props("color=primary").mark(
        "application-create"
    )
