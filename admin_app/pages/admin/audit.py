"""``/admin/audit``: who changed which setting, when, from where (never secret values),
each entry a sentence; filtered by who, what and when; ``/admin/audit.csv`` the same
entries as a file.

The filters live in the page's address (``who``, ``what``, ``since``, ``until``), so that
a filtered view can be bookmarked and the CSV link carries the same filter.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Response
from nicegui import ui

from admin_app.admin.audit import (
    PAGE_SIZE,
    actor_choices,
    audit_csv,
    audit_filter,
    audit_page,
    kind_choices,
)
from admin_app.auth.accounts import Viewer
from admin_app.core.i18n import N_, _
from admin_app.core.input_checks import page_index
from admin_app.pages.admin.frame import add_admin_area, admin_frame
from admin_app.pages.guards import admin_page
from admin_app.web.plain_link import PlainLink
from admin_app.web.viewer_time import moment_text, viewer_zone

PATH = "/admin/audit"
CSV_PATH = "/admin/audit.csv"


def _address(path: str, query: dict[str, str]) -> str:
    kept = {name: value for name, value in query.items() if value}
    return f"{path}?{urlencode(kept)}" if kept else path


def _filters(query: dict[str, str]) -> None:
    """Who, what, since, until: each change shows the first page of what it lets through."""

    def go(name: str, value: object) -> None:
        ui.navigate.to(_address(PATH, {**query, name: str(value or ""), "page": ""}))

    actors = dict(actor_choices())
    with ui.row().classes("w-full items-end gap-4").mark("audit-filters"):
        ui.select(
            {"": _("Anyone"), **actors},
            label=_("Who"),
            value=query["who"] if query["who"] in actors else "",
            on_change=lambda event: go("who", event.value),
        ).classes("min-w-40").mark("audit-who")
        ui.select(
            {"": _("Any change"), **dict(kind_choices())},
            label=_("What"),
            value=query["what"],
            on_change=lambda event: go("what", event.value),
        ).classes("min-w-40").mark("audit-what")
        ui.input(
            _("Since"), value=query["since"], on_change=lambda event: go("since", event.value)
        ).props("type=date stack-label").mark("audit-since")
        ui.input(
            _("Until"), value=query["until"], on_change=lambda event: go("until", event.value)
        ).props("type=date stack-label").mark("audit-until")
        if any(query[name] for name in ("who", "what", "since", "until")):
            PlainLink(_("Clear the filters"), PATH).mark("audit-clear")
        PlainLink(_("Download as CSV"), _address(CSV_PATH, {**query, "page": ""})).mark("audit-csv")


def register() -> None:
    add_admin_area(PATH, N_("Audit log"), 80)

    @admin_page(PATH)
    def audit_log(
        viewer: Viewer,
        page: str = "",
        who: str = "",
        what: str = "",
        since: str = "",
        until: str = "",
    ) -> None:
        number = page_index(page)  # else the 400 page (admin_app.pages.error_pages)
        query = {"who": who, "what": what, "since": since, "until": until}
        wanted = audit_filter(**query, zone=viewer_zone())  # a bad value: the 400 page
        lines, total = audit_page(number, wanted)
        with admin_frame(_("Audit log"), viewer, PATH):
            _filters(query)
            if not lines:
                filtered = any(query.values())
                ui.label(
                    _("No entry matches these filters.")
                    if filtered
                    else _("Nothing has been changed yet.")
                ).mark("audit-empty")
                return
            columns = [
                {
                    "name": "at",
                    "label": _("When"),
                    "field": "at",
                    "align": "left",
                    "classes": "whitespace-nowrap",
                },
                {"name": "actor", "label": _("Who"), "field": "actor", "align": "left"},
                {"name": "address", "label": _("From"), "field": "address", "align": "left"},
                {
                    "name": "sentence",
                    "label": _("What happened"),
                    "field": "sentence",
                    "align": "left",
                },
            ]
            rows = [
                {
                    "key": index,
                    "at": moment_text(line.at),
                    "actor": line.actor,
                    "address": line.address,
                    "sentence": line.sentence,
                    # the entry as stored, kept for whoever reads the table's data
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
                    PlainLink(_("Newer"), _address(PATH, {**query, "page": str(number - 1)}))
                ui.label(
                    _("Page {page} of {pages}").format(
                        page=number + 1, pages=max(1, -(-total // PAGE_SIZE))
                    )
                )
                if (number + 1) * PAGE_SIZE < total:
                    PlainLink(_("Older"), _address(PATH, {**query, "page": str(number + 1)}))

    @admin_page(CSV_PATH)
    def audit_export(
        viewer: Viewer, who: str = "", what: str = "", since: str = "", until: str = ""
    ) -> Response:
        """The filtered entries as a file; the guard refuses anyone but an administrator."""
        wanted = audit_filter(who=who, what=what, since=since, until=until, zone=viewer_zone())
        return Response(
            audit_csv(wanted),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="audit-log.csv"'},
        )
