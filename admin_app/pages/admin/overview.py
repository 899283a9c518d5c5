"""``/admin``: the overview — services on each site, their use, warnings, totals, and the
services a site's region hides (with why, and where to change it)."""

from __future__ import annotations

from urllib.parse import quote

from nicegui import ui

from admin_app.admin.builtin_names import site_name
from admin_app.admin.mail_settings import MailState
from admin_app.admin.overview import (
    Dashboard,
    RegionHiding,
    ServiceSummary,
    SiteSummary,
    activity_summary,
    dashboard,
)
from admin_app.auth.accounts import Viewer
from admin_app.core.i18n import N_, _
from admin_app.pages.admin import activity_overview
from admin_app.pages.admin.frame import add_admin_area, admin_frame
from admin_app.pages.admin.last_results import error_text, result_text
from admin_app.pages.admin.mail import PATH as MAIL_PATH
from admin_app.pages.guards import admin_page
from admin_app.services.regions import region_name
from admin_app.web.layout import NavEntry, add_navigation
from admin_app.web.plain_link import PlainLink


def _figure(label: str, value: int) -> None:
    with ui.card().classes("min-w-32"):
        ui.label(str(value)).classes("text-3xl font-bold")
        ui.label(label).classes("text-sm text-gray-600")


def _heading(text: str) -> None:
    ui.label(text).classes("text-xl font-semibold").props('role="heading" aria-level="2"')


def _warnings(board: Dashboard) -> None:
    for service in board.services:
        if service.incomplete_on:
            ui.label(
                _(
                    "{service} is switched on but its settings are incomplete on: {sites}. "
                    "Its button is not shown there."
                ).format(service=_(service.title), sites=", ".join(service.incomplete_on))
            ).classes("text-warning").props('role="alert"').mark("incomplete-warning")
    if board.cookie_domain:
        ui.label(
            _(
                "Warning: the session cookie is sent to every host under {domain}. Any "
                "application there receives it and can act as the signed-in person, here and "
                "in every other application. Name a parent domain only when you trust every "
                "host under it."
            ).format(domain=board.cookie_domain)
        ).classes("text-warning").props('role="alert"').mark("cookie-domain-warning")
    for application, count in sorted(board.failed_logouts.items()):
        ui.label(
            _(
                "Sign-outs {application} was never told of: {count}. Its back-channel "
                "logout address did not answer; people may still be signed in there."
            ).format(application=application, count=count)
        ).classes("text-warning").props('role="alert"').mark("failed-logouts-warning")
    if board.mail is not None:
        _mail_warnings(board.mail)


def _region_notes(board: Dashboard) -> None:
    """Each site whose region hides services switched on for it: which, why, and where
    the administrator may show them."""
    for hiding in board.hidden_by_region:
        with ui.row().classes("items-baseline gap-2").mark(f"region-hidden-{hiding.site_id}"):
            ui.label(_region_note(hiding)).classes("text-gray-800")
            PlainLink(
                _("Site: {name}").format(name=site_name(hiding.site_name)),
                f"/admin/sites/{quote(hiding.site_id)}",
            )


def _region_note(hiding: RegionHiding) -> str:
    return _(
        "Hidden on {site} (region: {region}): {services}. The Russian services are offered "
        "on sites in Russia, Kazakhstan and Belarus; elsewhere only when the site's page "
        "says to show them anyway."
    ).format(
        site=site_name(hiding.site_name),
        region=region_name(hiding.region),
        services=", ".join(_(title) for title in hiding.services),
    )


def _site_region(site: SiteSummary) -> str:
    if site.region != "other" or not site.show_regional_services:
        return region_name(site.region)
    return _("{region}, Russian services shown anyway").format(region=region_name(site.region))


def _service_on(service: ServiceSummary, site_id: str) -> str:
    if site_id in service.hidden_on:
        return _("hidden: region")
    return _("on") if service.enabled_on.get(site_id) else "—"


def _mail_warnings(mail: MailState) -> None:
    """Mail that is off, held up or lost: each with a link to the Mail page."""
    lines = []
    if not mail.configured:
        lines.append(
            (
                "mail-off-warning",
                _(
                    "No mail server is set: registration with the form, password reset and "
                    "e-mail changes are off."
                ),
            )
        )
    if mail.retrying is not None:
        lines.append(
            (
                "mail-retrying-warning",
                _(
                    "Mail is held up. Messages waiting: {count}. The server's latest answer: "
                    "{problem}"
                ).format(count=mail.waiting, problem=mail.retrying.problem),
            )
        )
    if mail.latest_failure is not None:
        lines.append(
            (
                "mail-failures-warning",
                _("Messages that could not be sent: {count}. The latest problem: {problem}").format(
                    count=mail.failed, problem=mail.latest_failure.problem
                ),
            )
        )
    for marker, text in lines:
        with ui.row().classes("items-baseline gap-2"):
            ui.label(text).classes("text-warning break-all").props('role="alert"').mark(marker)
            PlainLink(_("Mail"), MAIL_PATH)


def _services_table(board: Dashboard) -> None:
    columns = [
        {"name": "service", "label": _("Service"), "field": "service", "align": "left"},
        *(
            {
                "name": f"site_{site.id}",
                "label": site_name(site.name),
                "field": f"site_{site.id}",
                "align": "center",
            }
            for site in board.sites
        ),
        {"name": "linked", "label": _("Linked accounts"), "field": "linked"},
        {"name": "day", "label": _("Sign-ins / failed, 24 h"), "field": "day"},
        {"name": "week", "label": _("Sign-ins / failed, 7 days"), "field": "week"},
        {"name": "last", "label": _("Last sign-in"), "field": "last", "align": "left"},
        {"name": "error", "label": _("Last error"), "field": "error", "align": "left"},
    ]
    rows = [
        {
            "service": _(service.title),
            **{f"site_{site.id}": _service_on(service, site.id) for site in board.sites},
            "linked": service.linked,
            "day": f"{service.signed_in_24h} / {service.failed_24h}",
            "week": f"{service.signed_in_7d} / {service.failed_7d}",
            "last": result_text(service.last),
            "error": error_text(service.last, _(service.title)) or "—",
        }
        for service in board.services
    ]
    ui.table(columns=columns, rows=rows, row_key="service").classes("w-full").props(
        "flat bordered dense wrap-cells"
    ).mark("services-table")


def _chart(board: Dashboard) -> None:
    ui.echart(
        {
            "tooltip": {"trigger": "axis"},
            "legend": {"data": [_("Sign-ins"), _("Failed")]},
            "xAxis": {"type": "category", "data": [day[5:] for day, _ok, _failed in board.daily]},
            "yAxis": {"type": "value", "minInterval": 1},
            "series": [
                {
                    "name": _("Sign-ins"),
                    "type": "bar",
                    "data": [ok for _day, ok, _f in board.daily],
                },
                {"name": _("Failed"), "type": "bar", "data": [f for _day, _ok, f in board.daily]},
            ],
        }
    ).classes("w-full h-56").props(f'role="img" aria-label="{_("Sign-ins per day, last 7 days")}"')


def register() -> None:
    add_navigation(NavEntry("/admin", N_("Administration"), admin_only=True))
    add_admin_area("/admin", N_("Overview"), 0)

    @admin_page("/admin")
    def admin(viewer: Viewer) -> None:
        board = dashboard()
        with admin_frame(_("Administration"), viewer, "/admin"):
            with ui.row().classes("gap-4 flex-wrap"):
                _figure(_("Users"), board.users)
                _figure(_("Active users"), board.active_users)
                _figure(_("Linked accounts"), board.links)
                _figure(_("Groups"), board.groups)
                _figure(_("Sites"), len(board.sites))
            _warnings(board)
            _heading(_("External services"))
            if board.services:
                _services_table(board)
                _region_notes(board)
            else:
                ui.label(_("No external service is set up yet."))
            _heading(_("Sign-ins with external services, last 7 days"))
            # drawn once the page is connected: the chart library then loads after the page
            # is usable instead of before
            chart_box = ui.element("div").classes("w-full h-56")

            def draw_chart() -> None:
                with chart_box:
                    _chart(board)

            ui.timer(0, draw_chart, once=True)
            _heading(_("Activities and the live feed"))
            activity_overview.draw(activity_summary())
            _heading(_("Sites"))
            columns = [
                {"name": "id", "label": _("ID"), "field": "id", "align": "left"},
                {"name": "name", "label": _("Name"), "field": "name", "align": "left"},
                {"name": "hosts", "label": _("Host names"), "field": "hosts", "align": "left"},
                {"name": "default", "label": _("Default"), "field": "default", "align": "left"},
                {"name": "own", "label": _("Individual settings"), "field": "own", "align": "left"},
                {"name": "region", "label": _("Region"), "field": "region", "align": "left"},
            ]
            rows = [
                {
                    "id": site.id,
                    "name": site_name(site.name),
                    "hosts": ", ".join(site.host_names) or _("any host"),
                    "default": _("yes") if site.is_default else "",
                    "own": _("yes") if site.individual_settings else "",
                    "region": _site_region(site),
                }
                for site in board.sites
            ]
            ui.table(columns=columns, rows=rows, row_key="id").classes("w-full").props(
                "flat bordered dense wrap-cells"
            )
