"""``/admin/audit``: who changed which setting, when, from where (never secret values)."""

from __future__ import annotations

from nicegui import ui

from admin_app.admin.audit import PAGE_SIZE, audit_page
from admin_app.auth.accounts import Viewer
from admin_app.core.i18n import N_, _
from admin_app.core.input_checks import page_index
from admin_app.pages.admin.frame import add_admin_area, admin_frame
from admin_app.pages.guards import admin_page


def register() -> None:
    add_admin_area("/admin/audit", N_("Audit log"), 80)

    @admin_page("/admin/audit")
    def audit_log(viewer: Viewer, page: str = "") -> None:
        number = page_index(page)  # else the 400 page (admin_app.pages.error_pages)
        lines, total = audit_page(number)
        with admin_frame(_("Audit log"), viewer, "/admin/audit"):
            if not lines:
                ui.label(_("Nothing has been changed yet."))
                return
            columns = [
                {"name": "at", "label": _("When (UTC)"), "field": "at", "align": "left"},
                {"name": "actor", "label": _("Who"), "field": "actor", "align": "left"},
                {"name": "address", "label": _("From"), "field": "address", "align": "left"},
                {"name": "action", "label": _("Action"), "field": "action", "align": "left"},
                {"name": "target", "label": _("What"), "field": "target", "align": "left"},
                {"name": "details", "label": _("Details"), "field": "details", "align": "left"},
            ]
            rows = [
                {
                    "key": index,
                    "at": line.at.strftime("%Y-%m-%d %H:%M:%S"),
                    "actor": line.actor,
                    "address": line.address,
                    "action": line.action,
                    "target": line.target,
                    "details": line.details,
                }
                for index, line in enumerate(lines)
            ]
            ui.table(columns=columns, rows=rows, row_key="key").classes("w-full").props(
                "flat bordered dense wrap-cells hide-pagination"
            ).mark("audit-table")
            with ui.row().classes("gap-4 items-center"):
                if number > 0:
                    ui.link(_("Newer"), f"/admin/audit?page={number - 1}")
                ui.label(
                    _("Page {page} of {pages}").format(
                        page=number + 1, pages=max(1, -(-total // PAGE_SIZE))
                    )
                )
                if (number + 1) * PAGE_SIZE < total:
                    ui.link(_("Older"), f"/admin/audit?page={number + 1}")
