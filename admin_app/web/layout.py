"""The one frame every page is drawn in: header, navigation, language, signed-in user."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import quote

from nicegui import context, ui
from nicegui.events import ValueChangeEventArguments

from admin_app.auth.accounts import Viewer
from admin_app.core.i18n import LANGUAGES, _, current_language
from admin_app.services.badges import badge_svg
from admin_app.services.catalogue import SiteService
from admin_app.services.sites import site_name_for_host
from admin_app.web.browser_cookie import csrf_token
from admin_app.web.viewer_time import ZONE_SCRIPT


@dataclass(frozen=True)
class NavEntry:
    path: str
    label: str  # an untranslated message, translated when drawn
    admin_only: bool = False


_navigation: dict[str, NavEntry] = {}


def add_navigation(entry: NavEntry) -> None:
    """Called by each area's ``register()``; keyed by path so re-registering is harmless."""
    _navigation[entry.path] = entry


def _switch_language(event: ValueChangeEventArguments) -> None:
    url = context.client.request.url
    here = url.path + (f"?{url.query}" if url.query else "")
    ui.navigate.to(f"/language?set={event.value}&next={quote(here, safe='/')}")


def _header(viewer: Viewer | None) -> None:
    site_name = site_name_for_host(context.client.request.headers.get("host"))
    with ui.header().classes("items-center gap-4 flex-wrap px-4 py-2 bg-slate-800"):
        ui.link(site_name, "/").classes("text-lg font-bold text-white no-underline")
        navigation_label = _("Main navigation")
        with (
            ui.element("nav")
            .props(f'aria-label="{navigation_label}"')
            .classes("flex gap-3 flex-wrap")
        ):
            for entry in _navigation.values():
                if viewer is None or (entry.admin_only and not viewer.is_admin):
                    continue
                ui.link(_(entry.label), entry.path).classes("text-white")
        ui.space()
        language_label = _("Language")
        ui.select(
            LANGUAGES,
            value=current_language(),
            on_change=_switch_language,
        ).props(f'dense dark borderless aria-label="{language_label}"').classes("w-28").mark(
            "language-switch"
        )
        if viewer is None:
            ui.link(_("Sign in"), "/login").classes("text-white")
        else:
            ui.label(viewer.display_name).classes("text-white").mark("signed-in-user")
            sign_out_url = f"/logout?csrf={csrf_token()}"  # read now: events see no cookie
            ui.button(_("Sign out"), on_click=lambda: ui.navigate.to(sign_out_url)).props(
                "flat color=white"
            )


@contextmanager
def frame(title: str, viewer: Viewer | None) -> Iterator[None]:
    """Draw the shared frame; the page's own content goes inside the ``with`` block."""
    ui.page_title(_("{title} · Social services").format(title=title))
    # Screen readers pronounce the page by <html lang>, which NiceGUI fixes at start-up.
    ui.add_head_html(f"<script>document.documentElement.lang = '{current_language()}';</script>")
    ui.add_head_html(ZONE_SCRIPT)  # the browser's time zone, for moment_text
    _header(viewer)
    with ui.column().classes("w-full max-w-4xl mx-auto p-4 gap-4"):
        ui.label(title).classes("text-2xl font-semibold").props('role="heading" aria-level="1"')
        yield


def service_button(service: SiteService, href: str) -> None:
    """A link that looks like a button: the service's badge and its name."""
    with (
        ui.link(target=href)
        .classes(
            "flex items-center gap-3 w-full px-3 py-2 rounded border border-gray-300 no-underline "
            "text-gray-900 hover:bg-gray-100"
        )
        .mark(f"service-{service.service_id}")
    ):
        ui.html(badge_svg(service.provider.id), sanitize=False)
        ui.label(_(service.title))
