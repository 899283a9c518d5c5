"""The product's one look: how fields, buttons, links and the page's width look everywhere.

Each page used to choose for itself: some fields underlined, others outlined; buttons in
Quasar's capitals ("IDP" for "IdP"); links and buttons in NiceGUI's light blues, which read
at 3.7:1 and 3.1:1, below the 4.5:1 that WCAG AA asks of text. Here it is said once:

- ``install`` gives every field (input, select, textarea, number) and every button the
  same defaults, NiceGUI's ``default_props``, and sets Quasar's named colours (``primary``,
  ``positive``...) to ones that read at 4.5:1 or more, as text on the page's ground and
  under white text: a page only adds what is its own (a type, a length). It runs once
  before any page, and again from the frame (harmless);
- ``apply`` adds the page's few style rules (link colour, ground) as each page is drawn:
  the frame calls it, so does every page drawn in it, the error pages included.

The style rules sit in the ``components`` layer: after NiceGUI's and Quasar's, before
Tailwind's utilities, so that a page's own ``text-white`` still wins (and an ``!important``
there outranks Quasar's, which sit in the last layer: layers reverse for ``!important``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from nicegui import Client, app, ui

from admin_app.web.viewer_time import ZONE_SCRIPT

#: every field: outlined, compact, and its hint or message taking the lines it needs
#: (Quasar otherwise keeps one line for it, and a longer hint runs into the next field)
FIELD_PROPS = "outlined dense hide-bottom-space"
#: every drop-down's arrow as an SVG path (Material Icons' arrow_drop_down), which Quasar
#: draws inline: its default is a glyph of the icon font, one more download before a page
#: with a drop-down looked right (bench/pages.py counts the fonts)
SELECT_PROPS = 'dropdown-icon="M7 10l5 5 5-5z"'
#: every button keeps its text's case
BUTTON_PROPS = "no-caps"
#: how wide a page's content grows (the header spans the window)
PAGE_WIDTH = "max-w-5xl"
#: the content column of every page drawn in the frame
PAGE_COLUMN = f"w-full {PAGE_WIDTH} mx-auto px-4 py-6 gap-4"
#: a part of a page under its own heading (a ``<section>``): white on the ground
SECTION = (
    "w-full bg-white rounded-lg border border-gray-200 p-4 sm:p-6 flex flex-col items-start gap-3"
)
#: a form's fields within a section: not wider than a line of text
FORM_WIDTH = "w-full max-w-xl"
#: helper text under a field or a heading: Tailwind's gray-600 is 7.5:1 on white
MUTED = "text-sm text-gray-600"
#: links: blue-700, 6.7:1 on white and 6.2:1 on the page's ground (NiceGUI's is 3.7:1)
LINK_COLOUR = "#1d4ed8"
#: the page's ground, behind cards and tables
GROUND = "#f8fafc"
#: Quasar's named colours, each at least 4.5:1 against white and against ``GROUND``;
#: ``warning`` stays a light ground for dark text (notices), its text is ``WARNING_TEXT``
BRAND = {
    "primary": LINK_COLOUR,
    "secondary": "#0f766e",
    "accent": "#9c27b0",
    "positive": "#15803d",
    "negative": "#c10015",
    "info": "#0369a1",
    "warning": "#f2c037",
}
#: ``text-warning``: amber-800, 7.1:1 on white (the warning ground itself is 1.7:1)
WARNING_TEXT = "#92400e"

_STYLE = f"""<style>
@layer components {{
  body {{ background-color: {GROUND}; color: #111827; }}
  .nicegui-link {{ color: {LINK_COLOUR}; text-underline-offset: 2px; }}
  .nicegui-link:hover {{ opacity: 1; text-decoration-thickness: 2px; }}
  .text-warning {{ color: {WARNING_TEXT} !important; }}
  /* a hint: Quasar's 54 % black is 4.4:1 on the ground (an error keeps its red) */
  .q-field:not(.q-field--error) .q-field__bottom {{ color: #4b5563; }}
  /* a chip on a dark named colour, without its own text colour: white (Quasar keeps 87 % black) */
  .q-chip:is(.bg-primary, .bg-secondary, .bg-accent, .bg-positive, .bg-negative, .bg-info) {{
    color: #fff;
  }}
  :focus-visible {{ outline: 2px solid {LINK_COLOUR}; outline-offset: 2px; }}
}}
</style>"""

#: a table wider than a phone scrolls sideways inside its own box; a keyboard can scroll
#: only what it can focus, so every table's scroll box takes the focus (Quasar's QTable
#: gives no way to set it), also for tables drawn after the page loaded
_SCROLLABLE_TABLES = """<script>(function(){
function focusable(){document.querySelectorAll('.q-table__middle.scroll:not([tabindex])')
.forEach(function(box){box.tabIndex=0;});}
new MutationObserver(focusable).observe(document.documentElement,{childList:true,subtree:true});
})();</script>"""

_FIELDS = (ui.input, ui.select, ui.textarea, ui.number)

#: the Tailwind utilities the pages use, built beforehand (``make css``) from the classes in
#: ``admin_app``: NiceGUI's default, Tailwind compiling them in each browser as each page is
#: drawn, was the largest part of a page's time before it could be used
_STATIC = Path(__file__).parent / "static"
_STATIC_ROUTE = "/_look"
#: the route ``app.add_static_files`` makes for it
_STATIC_FILES = _STATIC_ROUTE + "/{path:path}"
TAILWIND_CSS = _STATIC / "tailwind.css"


def _stylesheet_link() -> str:
    """The link to the built utilities; its query changes with the file, so a browser may
    keep it for a year and still never uses an old one."""
    version = hashlib.sha256(TAILWIND_CSS.read_bytes()).hexdigest()[:12]
    return f'<link rel="stylesheet" href="{_STATIC_ROUTE}/tailwind.css?v={version}">'


def install() -> None:
    """The defaults of every field and button made from now on (NiceGUI keeps them per
    element class, for every page), and what every page's head holds: the stylesheet, the
    style rules, the tables' focus script and the time-zone script, shared by all pages
    rather than copied into each one."""
    for field in _FIELDS:
        field.default_props(FIELD_PROPS)
    ui.select.default_props(SELECT_PROPS)
    ui.button.default_props(BUTTON_PROPS)
    app.colors(**BRAND)
    # once: NiceGUI adds a route for each call, and every request tries each route in turn
    # (a route per page drawn made requests slower and the process bigger by the hour)
    if not any(getattr(route, "path", None) == _STATIC_FILES for route in app.routes):
        app.add_static_files(_STATIC_ROUTE, _STATIC, max_cache_age=365 * 24 * 3600)
    shared = _stylesheet_link() + _STYLE + _SCROLLABLE_TABLES + ZONE_SCRIPT
    if shared not in Client.shared_head_html:
        ui.add_head_html(shared, shared=True)


def apply() -> None:
    """The look, for the page being drawn (its head comes with every page: ``install``)."""
    install()
