"""The administration's frame: the site frame plus a row of links to every admin area.

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
from admin_app.web.layout import frame
from models.versions import StaleEditError


@dataclass(frozen=True)
class AdminArea:
    path: str
    label: str  # an untranslated message
    order: int


_areas: dict[str, AdminArea] = {}


def add_admin_area(path: str, label: str, order: int) -> None:
    _areas[path] = AdminArea(path, label, order)


@contextmanager
def admin_frame(title: str, viewer: Viewer, current_path: str) -> Iterator[None]:
    with frame(title, viewer):
        label = _("Administration areas")
        with (
            ui.element("nav")
            .props(f'aria-label="{label}"')
            .classes("flex flex-wrap gap-x-4 gap-y-1 border-b pb-2 w-full")
        ):
            for area in sorted(_areas.values(), key=lambda a: a.order):
                link = ui.link(_(area.label), area.path)
                if area.path == current_path:
                    link.props('aria-current="page"').classes("font-bold no-underline")
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
