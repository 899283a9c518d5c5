"""``/admin/sites``: the sites of this installation; ``/admin/sites/{id}``: one site, its
name, host names, whether it is the default, its region (whether it offers the Russian
services), and its own services when it applies individual settings."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

from nicegui import context, ui
from nicegui.events import ValueChangeEventArguments

from admin_app.admin.builtin_names import site_name
from admin_app.auth.accounts import Viewer
from admin_app.auth.admin_access import NotAnAdministratorError
from admin_app.core.form_problems import FieldProblem
from admin_app.core.i18n import N_, _
from admin_app.pages.admin.frame import add_admin_area, admin_frame, report_action_error
from admin_app.pages.admin.service_editor import draw_services_editor
from admin_app.pages.admin.site_applications import draw_applications
from admin_app.pages.disclosure import disclosure
from admin_app.pages.guards import admin_page
from admin_app.pages.plain_button import PLUS
from admin_app.pages.widgets import ProblemLabel, attributes
from admin_app.services.regions import REGION_NAMES, region_name, regional_titles
from admin_app.services.site_editing import (
    SiteForm,
    SiteFormError,
    SiteView,
    create_site,
    delete_site,
    individual_settings_start,
    list_site_views,
    own_services_offered,
    set_individual_settings,
    site_view,
    suggested_region,
    update_site,
)
from admin_app.web.plain_link import PlainLink
from models.versions import StaleEditError

PATH = "/admin/sites"


def _heading(text: str) -> None:
    ui.label(text).classes("text-xl font-semibold").props('role="heading" aria-level="2"')


class _SiteFields:
    """Name, host names, "default" and the region: the fields the new-site form and a
    site's form share. A new site's region follows the host names as typed until the
    administrator chooses one."""

    def __init__(self, view: SiteView | None) -> None:
        self.name = (
            ui.input(_("Name"), value=view.name if view else "")
            .props("outlined dense maxlength=100")
            .classes("w-full")
            .mark("site-name")
        )
        self.problems = {"name": ProblemLabel("problem-name", self.name)}
        hint = _("One per line (or separated by spaces), e.g. shop.example.org")
        self.host_names = (
            attributes(
                ui.textarea(
                    _("Host names"),
                    value="\n".join(view.host_names) if view else "",
                    on_change=None if view else self._suggest_region,
                ),
                {"hint": hint},
            )
            .props("outlined dense autogrow")
            .classes("w-full")
            .mark("site-host-names")
        )
        self.problems["host_names"] = ProblemLabel("problem-host_names", self.host_names)
        self.default = ui.checkbox(
            _("Default site (serves every host name that no other site has)"),
            value=view.is_default if view else False,
        ).mark("site-default")
        self.problems["default"] = ProblemLabel("problem-default", self.default)
        self._draw_region(view)
        self.problems[""] = ProblemLabel("problem-site")

    def _draw_region(self, view: SiteView | None) -> None:
        self._region_chosen = view is not None
        services = ", ".join(_(title) for title in regional_titles())
        self.region = (
            attributes(
                ui.select(
                    {code: _(name) for code, name in REGION_NAMES.items()},
                    value=view.region if view else "other",
                    label=_("Region"),
                    on_change=self._region_changed,
                ),
                {
                    "hint": _(
                        "{services} are offered on sites in Russia, Kazakhstan and Belarus."
                    ).format(services=services)
                },
            )
            .props("outlined dense")
            .classes("w-full max-w-md")
            .mark("site-region")
        )
        self.problems["region"] = ProblemLabel("problem-region", self.region)
        self.show_regional = ui.switch(
            _("Show the Russian services anyway"),
            value=view.show_regional_services if view else False,
        ).mark("site-show-regional")
        self._show_switch_when_needed()

    def _suggest_region(self) -> None:
        if not self._region_chosen:
            self.region.set_value(suggested_region(self.host_names.value or ""))
            self._region_chosen = False  # set by us, not chosen

    def _region_changed(self) -> None:
        self._region_chosen = True
        self._show_switch_when_needed()

    def _show_switch_when_needed(self) -> None:
        """Within the zones the Russian services are offered anyway: no switch to show."""
        self.show_regional.set_visibility(self.region.value == "other")

    def form(self) -> SiteForm:
        return SiteForm(
            name=self.name.value or "",
            host_names=self.host_names.value or "",
            is_default=bool(self.default.value),
            region=str(self.region.value),
            show_regional_services=bool(self.show_regional.value),
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
                    PlainLink(site_name(site.name), f"{PATH}/{quote(site.id)}").classes(
                        "font-medium text-lg"
                    )
                    ui.label(f"({site.id})").classes("text-gray-600")
                    if site.is_default:
                        ui.badge(_("default"), color="primary")
                    if site.individual_settings:
                        ui.badge(_("individual settings"), color="secondary")
                    ui.label(_("Region: {region}").format(region=region_name(site.region))).classes(
                        "text-sm text-gray-700"
                    )
                ui.label(_host_names_text(site)).classes("text-sm text-gray-700 break-all")


def _host_names_text(site: SiteView) -> str:
    """A site answers to its host names; the default one also to every host that no
    other site has, so a site that is neither is reached by no address at all."""
    if site.host_names:
        return ", ".join(site.host_names)
    if site.is_default:
        return _("any host")
    return _("no host names: reached by no address")


def _new_site_form() -> None:
    """The "New site" section; its form is drawn when it first opens."""
    disclosure(
        _("New site"),
        PLUS,
        "new-site",
        _draw_new_site_fields,
        body="flex flex-col items-start gap-4 p-4",
    )


def _draw_new_site_fields() -> None:
    site_id = (
        attributes(
            ui.input(_("Site ID")),
            {"hint": _("1 to 20 lower-case letters, digits or _; cannot be changed later")},
        )
        .props("outlined dense maxlength=20")
        .classes("w-full")
        .mark("site-id")
    )
    id_problem = ProblemLabel("problem-id", site_id)
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
            self.moved_notice = (
                ui.label("")
                .classes("text-warning text-sm")
                .props('role="status"')
                .mark("redirect-uris-changed")
            )
            self.moved_notice.set_visibility(False)
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
        draw_applications(view.id)

    def draw_services(self) -> None:
        self.services.clear()
        with self.services:
            if self.switch.value:
                draw_services_editor(self.view.id)
            else:
                with ui.row().classes("gap-1 flex-wrap items-baseline"):
                    ui.label(_("This site offers the common services:"))
                    PlainLink(_("Services"), "/admin/services")

    def save(self) -> None:
        try:
            saved = update_site(self.view.id, self.fields.form(), version=self.version)
        except SiteFormError as error:
            self.fields.show(error.problems)
            ui.notify(_("Not saved: see the messages next to the fields."), type="warning")
            return
        except (NotAnAdministratorError, StaleEditError) as error:
            report_action_error(error)
            return
        view = saved.view
        self.fields.show({})
        regional_before = (self.view.region, self.view.show_regional_services)
        self.view = view
        self.version = view.version
        self.fields.host_names.set_value("\n".join(view.host_names))
        ui.notify(_("Site saved."), type="positive")
        if (view.region, view.show_regional_services) != regional_before:
            self.draw_services()  # what the services list says is hidden here
        if saved.redirect_uris_changed:
            self._redirect_uris_changed(saved.redirect_uris_changed)

    def _redirect_uris_changed(self, sites: tuple[SiteView, ...]) -> None:
        """New host names, or another default site: the services' redirect URIs are new
        for these sites, so this page shows the new ones and says where to change them."""
        if any(site.id == self.view.id for site in sites):
            self.draw_services()
        notice = _(
            "Redirect URIs have changed for: {sites}. Update them where the services "
            "are registered at their providers."
        ).format(sites=", ".join(site_name(site.name) for site in sites))
        self.moved_notice.set_text(notice)
        self.moved_notice.set_visibility(True)
        ui.notify(notice, type="warning", multi_line=True)

    def _set_switch(self, on: bool) -> None:
        """Show the switch as ``on`` without acting on the change."""
        self._reverting = True
        try:
            self.switch.set_value(on)
        finally:
            self._reverting = False

    def switched(self, event: ValueChangeEventArguments) -> None:
        if self._reverting:
            return
        if event.value:  # off until the administrator confirms
            self._set_switch(False)
            self.confirm_individual_settings()
        else:
            self.apply_individual_settings(False)

    def confirm_individual_settings(self) -> None:
        """Individual settings replace the common services at once with the site's own:
        say which those are (often none yet) before the sign-in buttons change."""
        offered = [_(title) for title in own_services_offered(self.view.id)]
        if offered:
            question = _(
                "Apply individual settings for {site}? Its visitors will then see only the "
                "services configured for this site instead of the common ones: {services}."
            ).format(site=self.view.name, services=", ".join(offered))
        else:
            question = _(
                "Apply individual settings for {site}? Its visitors will then see only the "
                "services configured for this site, and there are none yet: it will offer "
                "no sign-in with external services until you set them up here."
            ).format(site=self.view.name)
        own, common = individual_settings_start(self.view.id)
        with ui.dialog() as dialog, ui.card():
            ui.label(question).mark("individual-settings-question")
            start = self._draw_start_choice(own, common)
            with ui.row().classes("gap-2 justify-end w-full"):
                ui.button(_("Cancel"), on_click=dialog.close).props("flat").mark(
                    "individual-settings-cancel"
                )

                def confirmed() -> None:
                    dialog.close()
                    copy = start is not None and start.value == "copy"
                    self.apply_individual_settings(True, copy_common=copy)

                ui.button(_("Apply individual settings"), on_click=confirmed).props(
                    "color=primary"
                ).mark("individual-settings-confirm")
        dialog.on("hide", dialog.delete)
        dialog.open()

    @staticmethod
    def _draw_start_choice(own: bool, common: int) -> ui.radio | None:
        """What the site's own settings start from: an explicit choice, offered when
        there are common settings to copy; the site's own settings (or none) by default."""
        if not common:
            return None
        if own:
            options = {
                "keep": _("Keep this site's own settings"),
                "copy": _("Replace them with a copy of the common settings"),
            }
        else:
            options = {
                "keep": _("Start empty"),
                "copy": _("Start from a copy of the common settings (services: {count})").format(
                    count=common
                ),
            }
        ui.label(_("The site's own settings:")).classes("font-medium")
        return ui.radio(options, value="keep").mark("individual-settings-start")

    def apply_individual_settings(self, on: bool, *, copy_common: bool = False) -> None:
        try:
            self.version = set_individual_settings(
                self.view.id, on, version=self.version, copy_common=copy_common
            )
        except (NotAnAdministratorError, StaleEditError) as error:
            self._set_switch(not on)
            report_action_error(error)
            return
        self._set_switch(on)
        self.draw_services()
        ui.notify(
            _("This site now has services of its own.")
            if on
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
                ui.button(_("Cancel"), on_click=dialog.close).props("flat").mark(
                    "site-delete-cancel"
                )

                def confirmed() -> None:
                    dialog.close()
                    self.delete()

                ui.button(_("Delete"), on_click=confirmed).props("color=negative").mark(
                    "site-delete-confirm"
                )
        dialog.on("hide", dialog.delete)
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

    @admin_page(PATH)
    def sites(viewer: Viewer) -> None:
        with admin_frame(_("Sites"), viewer, PATH):
            ui.label(
                _(
                    "One installation can serve several sites: each answers to its host "
                    "names, and may offer services of its own."
                )
            ).classes("text-gray-700")
            _site_list()
            _new_site_form()

    @admin_page(PATH + "/{site_id}")
    def site(viewer: Viewer, site_id: str) -> None:
        view = site_view(site_id)
        if view is None:
            context.client.status_code = 404
            with admin_frame(_("Sites"), viewer, PATH):
                ui.label(_("There is no such site.")).props('role="alert"')
                PlainLink(_("All sites"), PATH)
            return
        with admin_frame(_("Site: {name}").format(name=view.name), viewer, PATH):
            PlainLink(_("All sites"), PATH)
            _SiteEditor(view).draw()
