"""``/admin``: the administrator's overview (the other admin areas join it later)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from admin_app.accounts import Viewer
from admin_app.i18n import N_, _
from admin_app.layout import NavEntry, add_navigation
from admin_app.overview import installation_totals
from admin_app.pages.admin_frame import add_admin_area, admin_frame
from admin_app.pages.guards import administrator


def _figure(label: str, value: int) -> None:
    with ui.card().classes("min-w-40"):
        ui.label(str(value)).classes("text-3xl font-bold")
        ui.label(label).classes("text-sm text-gray-600")


def register() -> None:
    add_navigation(NavEntry("/admin", N_("Administration"), admin_only=True))
    add_admin_area("/admin", N_("Overview"), 0)

    @ui.page("/admin")
    def admin(request: Request) -> RedirectResponse | None:
        viewer = administrator(request)
        if not isinstance(viewer, Viewer):
            return viewer
        totals = installation_totals()
        with admin_frame(_("Administration"), viewer, "/admin"):
            with ui.row().classes("gap-4 flex-wrap"):
                _figure(_("Users"), totals.users)
                _figure(_("Active users"), totals.active_users)
                _figure(_("Groups"), totals.groups)
                _figure(_("Sites"), len(totals.sites))
            ui.label(_("Sites")).classes("text-xl font-semibold").props(
                'role="heading" aria-level="2"'
            )
            columns = [
                {"name": "id", "label": _("ID"), "field": "id", "align": "left"},
                {"name": "name", "label": _("Name"), "field": "name", "align": "left"},
                {"name": "hosts", "label": _("Host names"), "field": "hosts", "align": "left"},
                {"name": "default", "label": _("Default"), "field": "default", "align": "left"},
            ]
            rows = [
                {
                    "id": site.id,
                    "name": site.name,
                    "hosts": ", ".join(site.host_names) or _("any host"),
                    "default": _("yes") if site.is_default else "",
                }
                for site in totals.sites
            ]
            ui.table(columns=columns, rows=rows, row_key="id").classes("w-full")
        return None
