"""NiceGUI's page template with this response's nonce on each of its own scripts.

Our Content Security Policy (admin_app.web.security_headers) runs an inline script only when
it carries the response's nonce. NiceGUI's page is a Jinja template with inline scripts
(the import map, the elements, Vue's start) and no place for a nonce, so the template's
source is given one on every ``<script`` tag it has, once at start-up. The nonce is put
into the template, never into rendered text: markup that reaches a page through data (a
name, a post) gets none and cannot run. The HTML added with ``ui.add_head_html`` and
``ui.add_body_html`` is the app's own code and gets the nonce as it is rendered.
"""

from __future__ import annotations

import re

from jinja2 import ChoiceLoader, DictLoader
from nicegui import client

from admin_app.web.security_headers import NONCE_KEY, with_script_nonce

PAGE = "index.html"
_SCRIPT_TAG = re.compile(r"<script\b", re.IGNORECASE)
_NONCE_ATTRIBUTE = '<script nonce="{{ request.state.' + NONCE_KEY + ' }}"'
_APP_HTML = ("head_html", "body_html")  # the page's HTML from ui.add_head_html/_body_html
_FILTER = "with_script_nonce"
_INSTALLED = "_socialservices_script_nonces"


class TemplateChangedError(RuntimeError):
    """NiceGUI's page template is not what this module knows (a NiceGUI upgrade)."""


def nonced_template(source: str) -> str:
    """NiceGUI's page template ``source``, its scripts and the app's HTML given the nonce."""
    patched, scripts = _SCRIPT_TAG.subn(_NONCE_ATTRIBUTE, source)
    for name in _APP_HTML:
        plain = "{{ " + name + " | safe }}"
        if plain not in patched:
            raise TemplateChangedError(f"{PAGE}: no '{plain}'")
        nonced = "{{ " + name + " | " + _FILTER + "(request) | safe }}"
        patched = patched.replace(plain, nonced)
    if not scripts:
        raise TemplateChangedError(f"{PAGE}: no <script> tag")
    return patched


def install() -> None:
    """Render NiceGUI's pages from the nonced template from now on (once per process)."""
    environment = client.templates.env
    if getattr(environment, _INSTALLED, False):
        return
    original = environment.loader
    assert original is not None
    source = original.get_source(environment, PAGE)[0]
    environment.filters[_FILTER] = with_script_nonce
    environment.loader = ChoiceLoader([DictLoader({PAGE: nonced_template(source)}), original])
    setattr(environment, _INSTALLED, True)
