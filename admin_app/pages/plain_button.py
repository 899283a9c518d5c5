"""A native ``<button>`` with an inline SVG icon, for lists that draw one or more buttons on
every row.

A Quasar button (``ui.button``) is a Vue component the browser mounts, with its icon drawn
from the Material Icons font; twenty rows of three were a third of ``/admin/services``'s
elements, and the font one more download before the page looked right. This one is one
element, drawn by the browser itself, its icon a few bytes of SVG. Disabled, it carries
the real ``disabled`` attribute (the browser skips it, assistive technology and the tests
read it), and the server ignores its events as it does a disabled ``ui.button``'s.

The icons are Material Icons' own paths (Apache License 2.0), so a row looks as before.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

from nicegui.elements.mixins.disableable_element import DisableableElement

#: Material Icons' 24-pixel paths
ARROW_UP = "M4 12l1.41 1.41L11 7.83V20h2V7.83l5.58 5.59L20 12l-8-8-8 8z"
ARROW_DOWN = "M20 12l-1.41-1.41L13 16.17V4h-2v12.17l-5.58-5.59L4 12l8 8 8-8z"
TUNE = (
    "M3 17v2h6v-2H3zM3 5v2h10V5H3zm10 16v-2h8v-2h-8v-2h-2v6h2zM7 9v2H3v2h4v2h2V9H7zm14 4v-2"
    "H11v2h10zm-6-4h2V7h4V5h-4V3h-2v6z"
)
PLUS = "M19 13h-6v6h-2v-6H5v-2h6V5h2v6h6v2z"
CHEVRON_DOWN = "M7.41 8.59 12 13.17l4.59-4.58L18 10l-6 6-6-6 1.41-1.41z"
EDIT = (
    "M3 17.25V21h3.75L17.81 9.94l-3.75-3.75L3 17.25zM20.71 7.04c.39-.39.39-1.02 0-1.41l-2.34-2.34"
    "a.9959.9959 0 0 0-1.41 0l-1.83 1.83 3.75 3.75 1.83-1.83z"
)


def icon_svg(path: str, classes: str = "") -> str:
    """An icon in the text's colour, hidden from assistive technology (the element that
    holds it says what it means)."""
    return (
        f'<svg viewBox="0 0 24 24" width="24" height="24" fill="currentColor" '
        f'aria-hidden="true" focusable="false" class="shrink-0 {classes}"><path d="{path}"/></svg>'
    )


def icon_and_text(path: str, text: str, icon_classes: str = "") -> str:
    """An icon and the words beside it, as HTML (the words escaped)."""
    return f"{icon_svg(path, icon_classes)}<span>{escape(text)}</span>"


class PlainButton(DisableableElement):
    """A native button showing ``html`` (an icon, maybe words); click handlers with
    ``.on("click", ...)`` or ``on_click``."""

    def __init__(self, html: str, *, on_click: Callable[..., Any] | None = None) -> None:
        super().__init__(tag="button")
        self._props["type"] = "button"
        self._props["innerHTML"] = html
        if on_click is not None:
            self.on("click", on_click)

    def _handle_enabled_change(self, enabled: bool) -> None:
        """The HTML attribute, not Quasar's ``disable`` property."""
        if enabled:
            self._props.pop("disabled", None)
        else:
            self._props["disabled"] = True
