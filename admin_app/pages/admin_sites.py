"""``/admin/sites``: the sites of this installation; ``/admin/sites/{id}``: one site, its
name, host names and whether it is the default, and its own services when it applies
individual settings."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import context, ui
from nicegui.events import ValueChangeEventArguments

from admin_app.accounts import Viewer
from admin_app.admin_access import NotAnAdministratorError
from admin_app.i18n import N_, _
from admin_app.pages.admin_frame import add_admin_area, admin_frame, report_action_error
from admin_app.pages.guards import administrator
from admin_app.pages.service_editor import attributes, draw_services_editor
from admin_app.service_settings import FieldProblem
from admin_app.site_settings import (
    SiteForm,
    SiteFormError,
    SiteView,
    create_site,
    delete_site,
    list_site_views,
    set_individual_settings,
    site_view,
    update_site,
)
from models.versions import StaleEditError

PATH = "/admin/sites"


def _heading(text: str) -> None:
    ui.label(text).classes("text-xl font-semibold").props('role="heading" aria-level="2"')


class _Problem:
    def __init__(self, marker: str) -> None:
        self.label = (
            ui.label("").classes("text-negative text-sm").props('role="alert"').mark(marker)
        )
        self.label.set_visibility(False)

    def show(self, problems: list[FieldProblem] | None) -> None:
        self.label.set_text(" ".join(problem.text(_) for problem in problems or []))
        self.label.set_visibility(bool(problems))


class _SiteFields:
    """Name, host names and "default": the fields the new-site form and a site's form share."""

    def __init__(self, view: SiteView | None) -> None:
        self.name = (
            ui.input(_("Name"), value=view.name if view else "")
            .props("outlined dense maxlength=100")
            .classes("w-full")
            .mark("site-name")
        )
        self.problems = {"name": _Problem("problem-name")}
        hint = _("One per line (or separated by spaces), e.g. shop.example.org")
        self.host_names = (
            attributes(
                ui.textarea(_("Host names"), value="\n".join(view.host_names) if view else ""),
                {"hint": hint},
            )
            .props("outlined dense autogrow")
            .classes("w-full")
            .mark("site-host-names")
        )
        self.problems["host_names"] = _Problem("problem-host_names")
        self.default = ui.checkbox(
            _("Default site (serves every host name that no other site has)"),
            value=view.is_default if view else False,
        ).mark("site-default")
        self.problems["default"] = _Problem("problem-default")
        self.problems[""] = _Problem("problem-site")

    def form(self) -> SiteForm:
        return SiteForm(
            name=self.name.value or "",
            host_names=self.host_names.value or "",
            is_default=bool(self.default.value),
        )

    def show(self, problems: Mapping[str, list[FieldProblem]]) -> None:
        for where, label in self.problems.items():
            label.show(problems.get(where))


def _site_list() -> None:
    sites = list_site_views()
    with ui.column().classes("w-full gap-2").mark("site-list"):
        for site in sites:
            with (
                attributes(ui.card(), {"data-testid": f"site-{site.id}"})
                .classes("w-full")
                .mark(f"site-{site.id}")
            ):
                with ui.row().classes("items-center gap-2 flex-wrap w-full"):
                    ui.link(site.name, f"{PATH}/{quote(site.id)}").classes("font-medium text-lg")
                    ui.label(f"({site.id})").classes("text-gray-600")
                    if site.is_default:
                        ui.badge(_("default"), color="primary")
                    if site.individual_settings:
                        ui.badge(_("individual settings"), color="secondary")
                ui.label(", ".join(site.host_names) or _("any host")).classes(
                    "text-sm text-gray-700 break-all"
                )


def _new_site_form() -> None:
    with ui.expansion(_("New site"), icon="add").classes("w-full").mark("new-site"):
        site_id = (
            attributes(
                ui.input(_("Site ID")),
                {"hint": _("1 to 20 lower-case letters, digits or _; cannot be changed later")},
            )
            .props("outlined dense maxlength=20")
            .classes("w-full")
            .mark("site-id")
        )
        id_problem = _Problem("problem-id")
        fields = _SiteFields(None)

        def create() -> None:
            try:
                view = create_site(site_id.value or "", fields.form())
            except SiteFormError as error:
                id_problem.show(error.problems.get("id"))
                fields.show(error.problems)
                return
            except (NotAnAdministratorError, StaleEditError) as error:
                report_action_error(error)
                return
            ui.navigate.to(f"{PATH}/{quote(view.id)}")

        ui.button(_("Create site"), on_click=create).props("color=primary").mark("site-create")


class _SiteEditor:
    """One site's page: its form, deletion, and its own services."""

    def __init__(self, view: SiteView) -> None:
        self.view = view
        self.version = view.version

    def draw(self) -> None:
        view = self.view
        with ui.card().classes("w-full gap-2").mark("site-form"):
            _heading(_("Site"))
            ui.label(_("Site ID: {id}").format(id=view.id)).classes("text-gray-700")
            self.fields = _SiteFields(view)
            with ui.row().classes("gap-2 flex-wrap"):
                ui.button(_("Save"), on_click=self.save).props("color=primary").mark("site-save")
                if not view.is_default:
                    ui.button(_("Delete site"), on_click=self.confirm_deletion).props(
                        "flat color=negative"
                    ).mark("site-delete")
        with ui.card().classes("w-full gap-2"):
            _heading(_("Services of this site"))
            self.switch = ui.switch(
                _("Apply individual settings for this site"),
                value=view.individual_settings,
                on_change=self.switched,
            ).mark("individual-settings")
            self._reverting = False
            self.services = ui.column().classes("w-full gap-2").mark("site-services")
            self.draw_services()

    def draw_services(self) -> None:
        self.services.clear()
        with self.services:
            if self.switch.value:
                draw_services_editor(self.view.id, site_id=self.view.id)
            else:
                with ui.row().classes("gap-1 flex-wrap items-baseline"):
                    ui.label(_("This site offers the common services:"))
                    ui.link(_("Services"), "/admin/services")

    def save(self) -> None:
        try:
            view = update_site(self.view.id, self.fields.form(), version=self.version)
        except SiteFormError as error:
            self.fields.show(error.problems)
            ui.notify(_("Not saved: see the messages next to the fields."), type="warning")
            return
        except (NotAnAdministratorError, StaleEditError) as error:
            report_action_error(error)
            return
        self.fields.show({})
        self.view = view
        self.version = view.version
        self.fields.host_names.set_value("\n".join(view.host_names))
        ui.notify(_("Site saved."), type="positive")

    def switched(self, event: ValueChangeEventArguments) -> None:
        if self._reverting:
            return
        try:
            self.version = set_individual_settings(
                self.view.id, bool(event.value), version=self.version
            )
        except (NotAnAdministratorError, StaleEditError) as error:
            self._reverting = True
            try:
                self.switch.set_value(not event.value)
            finally:
                self._reverting = False
            report_action_error(error)
            return
        self.draw_services()
        ui.notify(
            _("This site now has services of its own.")
            if event.value
            else _("This site now offers the common services."),
            type="positive",
        )

    def confirm_deletion(self) -> None:
        with ui.dialog() as dialog, ui.card():
            ui.label(
                _("Delete the site {name} and its own service settings?").format(
                    name=self.view.name
                )
            )
            with ui.row().classes("gap-2 justify-end w-full"):
                ui.button(_("Cancel"), on_click=dialog.close).props("flat")

                def confirmed() -> None:
                    dialog.close()
                    self.delete()

                ui.button(_("Delete"), on_click=confirmed).props("color=negative").mark(
                    "site-delete-confirm"
                )
        dialog.open()

    def delete(self) -> None:
        try:
            delete_site(self.view.id, version=self.version)
        except SiteFormError as error:
            self.fields.show(error.problems)
            return
        except (NotAnAdministratorError, StaleEditError) as error:
            report_action_error(error)
            return
        ui.navigate.to(PATH)


def register() -> None:
    add_admin_area(PATH, N_("Sites"), 20)

    @ui.page(PATH)
    def sites(request: Request) -> RedirectResponse | None:
        viewer = administrator(request)
        if not isinstance(viewer, Viewer):
            return viewer
        with admin_frame(_("Sites"), viewer, PATH):
            ui.label(
                _(
                    "One installation can serve several sites: each answers to its host "
                    "names, and may offer services of its own."
                )
            ).classes("text-gray-700")
            _site_list()
            _new_site_form()
        return None

    @ui.page(PATH + "/{site_id}")
    def site(request: Request, site_id: str) -> RedirectResponse | None:
        viewer = administrator(request)
        if not isinstance(viewer, Viewer):
            return viewer
        view = site_view(site_id)
        if view is None:
            context.client.status_code = 404
            with admin_frame(_("Sites"), viewer, PATH):
                ui.label(_("There is no such site.")).props('role="alert"')
                ui.link(_("All sites"), PATH)
            return None
        with admin_frame(_("Site: {name}").format(name=view.name), viewer, PATH):
            ui.link(_("All sites"), PATH)
            _SiteEditor(view).draw()
        return None
