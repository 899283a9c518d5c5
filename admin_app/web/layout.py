"""The one frame every page is drawn in: header, navigation, language, signed-in user.

Three shapes share it (and the look of ``admin_app.web.theme``):

- ``frame``: a heading and the page's content, in the page's column;
- ``card_frame``: a card in the middle of the page with its heading, for the short forms a
  visitor meets before being signed in (sign in, set up, register, a new password);
- ``side_frame``: ``frame`` with a column of navigation beside the content on wide screens
  (1024 px and up); on narrower ones the column hides and a menu button in the header
  shows it over the page, so a phone never scrolls sideways.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import quote

from nicegui import context, ui

from admin_app.admin.builtin_names import site_name as shown_site_name
from admin_app.auth.accounts import Viewer
from admin_app.core.i18n import LANGUAGES, _, current_language
from admin_app.services.badges import badge_svg
from admin_app.services.catalogue import SiteService
from admin_app.services.sites import site_name_for_host
from admin_app.web import theme
from admin_app.web.browser_cookie import csrf_token
from admin_app.web.plain_link import PlainLink
from models.outages import outage

#: Quasar's drawer sits beside the page from this width on (Tailwind's ``lg`` agrees)
SIDE_BREAKPOINT = 1023
SIDE_WIDTH = 240
_HEADER_LINK = "text-white no-underline hover:underline underline-offset-4"


@dataclass(frozen=True)
class NavEntry:
    path: str
    label: str  # an untranslated message, translated when drawn
    admin_only: bool = False


_navigation: dict[str, NavEntry] = {}


def add_navigation(entry: NavEntry) -> None:
    """Called by each area's ``register()``; keyed by path so re-registering is harmless."""
    _navigation[entry.path] = entry


def is_current(path: str, here: str) -> bool:
    """Whether the page at ``here`` belongs to the area at ``path`` (itself or below it)."""
    return here == path or here.startswith(path.rstrip("/") + "/")


def _here() -> str:
    return context.client.request.url.path


def _language_links() -> None:
    """The languages as links, each showing its short code ("EN", "RU"), which is also its
    accessible name, and its full name in its own language as a tooltip: plain links draw at
    once, where a drop-down list made every page load its component and an icon font."""
    url = context.client.request.url
    back = quote(url.path + (f"?{url.query}" if url.query else ""), safe="/")
    with ui.element("nav").props(f'aria-label="{_("Language")}"').classes("flex gap-3"):
        for code, name in LANGUAGES.items():
            link = PlainLink(code.upper(), f"/language?set={code}&next={back}").classes(
                _HEADER_LINK
            )
            link.props(f'lang="{code}" hreflang="{code}" title="{name}"')
            link.mark(f"language-{code}")
            if code == current_language():
                link.props('aria-current="true"').classes("underline font-semibold")


def _main_navigation(viewer: Viewer) -> None:
    here = _here()
    navigation_label = _("Main navigation")
    with (
        ui.element("nav")
        .props(f'aria-label="{navigation_label}"')
        # on a narrow screen a line of its own, under the site's name and the sign-out
        .classes("flex gap-x-4 gap-y-1 flex-wrap order-last w-full md:order-none md:w-auto")
    ):
        for entry in _navigation.values():
            if entry.admin_only and not viewer.is_admin:
                continue
            link = PlainLink(_(entry.label), entry.path).classes(_HEADER_LINK)
            if is_current(entry.path, here):
                link.props('aria-current="page"').classes("underline font-semibold")


def _site_name(host: str | None) -> str:
    """The site's name for the header. The frame is drawn on the page that says the
    database is away, too: then the host's name stands in for the one stored there."""
    try:
        return shown_site_name(site_name_for_host(host))
    except Exception as error:
        if outage(error) is None:
            raise
        return (host or "").rsplit(":", 1)[0]


def _header(viewer: Viewer | None, side: ui.left_drawer | None) -> None:
    """One line on a wide screen: the site, the navigation, then language and account. On
    a narrow one the navigation takes a second line and a long site name is cut short."""
    site_name = _site_name(context.client.request.headers.get("host"))
    with ui.header().classes(
        "items-center gap-x-4 gap-y-1 flex-wrap px-3 sm:px-4 py-2 bg-slate-800"
    ):
        with ui.row(wrap=False).classes("items-center gap-2 min-w-0 max-md:flex-1"):
            if side is not None:
                menu_label = _("Show or hide the menu")
                ui.button(icon="menu", on_click=side.toggle).props(
                    f'flat round dense color=white aria-label="{menu_label}"'
                ).classes("lg:hidden").mark("side-menu")
            PlainLink(site_name, "/").classes("text-lg font-bold text-white no-underline truncate")
        if viewer is not None:
            _main_navigation(viewer)
        with ui.row(wrap=False).classes("items-center gap-2 sm:gap-4 ml-auto"):
            _language_links()
            if viewer is None:
                PlainLink(_("Sign in"), "/login").classes(f"{_HEADER_LINK} whitespace-nowrap")
            else:
                ui.label(viewer.display_name).classes("text-white max-sm:hidden").mark(
                    "signed-in-user"
                )
                sign_out_url = f"/logout?csrf={csrf_token()}"  # read now: events see no cookie
                ui.button(_("Sign out"), on_click=lambda: ui.navigate.to(sign_out_url)).props(
                    "flat dense color=white"
                ).classes("px-2")


def _head(title: str) -> None:
    theme.apply()
    ui.page_title(_("{title} · Social services").format(title=title))
    # Screen readers pronounce the page by <html lang>, which NiceGUI fixes at start-up.
    ui.add_head_html(f"<script>document.documentElement.lang = '{current_language()}';</script>")


def page_heading(title: str) -> ui.label:
    """The page's one first-level heading."""
    return (
        ui.label(title)
        .classes("text-2xl font-semibold text-gray-900")
        .props('role="heading" aria-level="1"')
    )


@contextmanager
def frame(title: str, viewer: Viewer | None) -> Iterator[None]:
    """Draw the shared frame; the page's own content goes inside the ``with`` block."""
    _head(title)
    _header(viewer, None)
    with ui.element("main").classes(f"flex flex-col {theme.PAGE_COLUMN}"):
        page_heading(title)
        yield


@contextmanager
def card_frame(title: str, viewer: Viewer | None, *, wide: bool = False) -> Iterator[ui.card]:
    """The frame with one centred card holding the heading and the page's content; ``wide``
    for a form of many fields."""
    _head(title)
    _header(viewer, None)
    width = "max-w-lg" if wide else "max-w-md"
    with (
        ui.element("main").classes("w-full flex justify-center px-4 py-8 sm:py-12"),
        ui.card().classes(f"w-full {width} gap-3 p-6 shadow-md") as card,
    ):
        page_heading(title).classes("text-center w-full")
        yield card


@contextmanager
def side_frame(title: str, viewer: Viewer | None, draw_side: Callable[[], None]) -> Iterator[None]:
    """``frame`` with ``draw_side`` (its navigation) in a column at the page's left."""
    _head(title)
    # Quasar's show-if-above opens it on a wide screen and tells the server so. NiceGUI's
    # own way (value=None) asks the browser instead, on every connection, and logs an error
    # with a traceback when the answer takes over a second: a page closed at once, a busy
    # browser (the soak, bench/soak.py, found it).
    side = (
        ui.left_drawer(value=False, bordered=True)
        .props(f"show-if-above width={SIDE_WIDTH} breakpoint={SIDE_BREAKPOINT}")
        .classes("bg-white p-0")
    )
    with side:
        draw_side()
    _header(viewer, side)
    with ui.element("main").classes(f"flex flex-col {theme.PAGE_COLUMN}"):
        page_heading(title)
        yield


def service_button(service: SiteService, href: str) -> None:
    """A link that looks like a button: the service's badge and its name."""
    with (
        PlainLink(href=href)
        .classes(
            "flex items-center gap-3 w-full px-3 py-2 rounded border border-gray-300 bg-white "
            "no-underline text-gray-900 hover:bg-gray-100"
        )
        .mark(f"service-{service.service_id}")
    ):
        ui.html(badge_svg(service.provider.id), sanitize=False)
        ui.label(_(service.title))
