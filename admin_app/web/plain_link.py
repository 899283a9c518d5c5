"""A link as a plain ``<a href>``, drawn by NiceGUI's generic element.

``ui.link`` is a Vue component: every page holding one (the header always does) loaded its
script, ``link.js``, one more download and compile before NiceGUI's handshake, where a bare
NiceGUI page loads seven scripts. What the component adds, this app does not use: it puts
the path prefix of ``X-Forwarded-Prefix`` before an address starting with ``/`` (the app is
served at the root of its host name, a prefix is refused at start-up) and takes a page
element or page function as a target (every link here has an address).

``PlainLink`` is the same HTML without a component: an ``<a>`` with its ``href``, so the
keyboard reaches it and shows the focus ring like any link, its text is its accessible name,
and it keeps ``ui.link``'s class ``nicegui-link``, so it looks as before (NiceGUI's underline,
the theme's colour). Opening in the same tab is a plain link's default; ``new_tab`` sets
``target="_blank"`` as ``ui.link`` does.

NiceGUI's simulated ``User`` follows only ``ui.link``'s address on ``click()``; the unit tests
open a plain link's ``href``.
"""

from __future__ import annotations

from nicegui.elements.mixins.text_element import TextElement


class PlainLink(TextElement, default_classes="nicegui-link"):
    """A link to ``href`` showing ``text``, or the elements drawn inside it in a ``with``
    block."""

    def __init__(self, text: str = "", href: str = "#", *, new_tab: bool = False) -> None:
        super().__init__(tag="a", text=text)
        self._props["href"] = href
        if new_tab:
            self._props["target"] = "_blank"
