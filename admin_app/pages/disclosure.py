"""A section, closed, whose content is drawn when it first opens ("Add an OpenID Connect
service", "New site", "New application", an application's "Change").

Hidden, a form was still elements the browser mounted with the page. A native
``<details>``, which the browser opens and closes by itself (by mouse, or by Enter or Space
on its focusable ``<summary>``) and announces as expanded or collapsed; it looks like the
Quasar expansion it replaces, which was one more component script and, with its icons,
the icon font (bench/pages.py counts both).
"""

from __future__ import annotations

from collections.abc import Callable

from nicegui import ui
from nicegui.elements.mixins.text_element import TextElement
from nicegui.events import GenericEventArguments

from admin_app.pages.plain_button import CHEVRON_DOWN, icon_svg
from admin_app.pages.widgets import attributes

_SUMMARY = (
    "flex flex-nowrap items-center gap-8 px-4 min-h-12 cursor-pointer list-none "
    "hover:bg-gray-100 [&::-webkit-details-marker]:hidden"
)


def disclosure(
    title: str, icon: str, marker: str, draw: Callable[[], None], *, body: str = "w-full"
) -> ui.element:
    """The closed section ``title`` with ``icon`` (an SVG path), marked ``marker``; ``draw``
    draws its content, in a ``div`` of classes ``body``, the first time it opens."""
    with (
        ui.element("details").classes("group w-full").mark(marker) as section,
        ui.element("summary").classes(_SUMMARY),
    ):
        attributes(ui.element("span"), {"innerHTML": icon_svg(icon)}).classes("flex")
        TextElement(tag="span", text=title).classes("grow")
        attributes(ui.element("span"), {"innerHTML": icon_svg(CHEVRON_DOWN)}).classes(
            "flex text-gray-600 transition-transform group-open:rotate-180"
        )
    drawn = False

    def toggled(event: GenericEventArguments) -> None:
        nonlocal drawn
        if event.args.get("newState") == "open" and not drawn:
            drawn = True
            with section, ui.element("div").classes(body):
                draw()

    section.on("toggle", toggled, ["newState"])
    return section
