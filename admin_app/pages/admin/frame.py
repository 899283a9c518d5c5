"""The administration's frame: the site frame plus a side navigation to every admin area.

The areas are listed in a column at the left on wide screens, the current one marked
(``aria-current="page"``); on narrow ones the column hides behind the header's menu button
(``admin_app.web.layout.side_frame``).

Areas add themselves with ``add_admin_area`` in their ``register()``; every admin page is
declared with ``@admin_page(path)`` (admin_app.pages.guards) and draws itself inside
``with admin_frame(title, viewer, path):`` with the viewer that guard let in.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from nicegui import ui

from admin_app.auth.accounts import Viewer
from admin_app.auth.admin_access import NotAnAdministratorError
from admin_app.core.i18n import _
from admin_app.web.layout import is_current, side_frame
from admin_app.web.plain_link import PlainLink
from models.versions import StaleEditError


@dataclass(frozen=True)
class AdminArea:
    path: str
    label: str  # an untranslated message
    order: int


_areas: dict[str, AdminArea] = {}
UNMARKED = "text-gray-800 border-l-4 border-transparent hover:bg-slate-100"
#: the current area: a bar and a tint as well as the weight (blue-900 on blue-50: 10:1)
MARKED = "text-blue-900 font-semibold bg-blue-50 border-l-4 border-blue-700"


def add_admin_area(path: str, label: str, order: int) -> None:
    _areas[path] = AdminArea(path, label, order)


def _areas_navigation(current_path: str) -> None:
    label = _("Administration areas")
    with (
        ui.element("nav").props(f'aria-label="{label}"').classes("w-full py-3"),
        ui.element("ul").classes("flex flex-col gap-0.5 px-2"),
    ):
        areas = sorted(_areas.values(), key=lambda a: a.order)
        # the area whose path is the longest start of the current one: /admin/users/1 is Users
        current = max(
            (area.path for area in areas if is_current(area.path, current_path)),
            key=len,
            default=None,
        )
        for area in areas:
            marked = area.path == current
            with ui.element("li"):
                link = PlainLink(_(area.label), area.path).classes(
                    f"block px-3 py-2 rounded no-underline {MARKED if marked else UNMARKED}"
                )
                if marked:
                    link.props('aria-current="page"')


@contextmanager
def admin_frame(title: str, viewer: Viewer, current_path: str) -> Iterator[None]:
    with side_frame(title, viewer, lambda: _areas_navigation(current_path)):
        yield


def report_action_error(error: Exception) -> None:
    """What an administrator sees when an action is refused (call in an ``except``)."""
    if isinstance(error, NotAnAdministratorError):
        ui.notify(_("Only administrators may do this."), type="negative")
    elif isinstance(error, StaleEditError):
        ui.notify(
            _("Someone else changed this meanwhile. Reload the page to see their change."),
            type="warning",
            multi_line=True,
        )
    else:
        raise error
