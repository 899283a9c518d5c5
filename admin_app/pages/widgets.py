"""Small pieces of page that several pages draw alike."""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import escape
from typing import TypeVar

from nicegui import ui

from admin_app.core.form_problems import FieldProblem
from admin_app.core.i18n import _
from admin_app.web import theme

ElementT = TypeVar("ElementT", bound=ui.element)
URL_IN_TEXT = re.compile(r"https?://[^\s<>\"')]+")
#: a host name as the text writes it: lower-case letters, digits, dots, dashes, a port
REAL_HOST = re.compile(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]+)?")
#: a word in capitals standing for something to fill in: HOST, REALM, YOUR-SITE, TENANT_ID
PLACEHOLDER_WORD = re.compile(r"(?<![A-Za-z])[A-Z]{2,}(?:[-_][A-Z0-9]+)*(?![a-z])")


def attributes(element: ElementT, values: Mapping[str, str]) -> ElementT:
    """Set props (HTML attributes) from data rather than from a props string, so that a
    quote or an ampersand in a name or hint stays exactly as typed."""
    element.props.update(values)
    return element


class ProblemLabel:
    """A message under a field; hidden while there is none. Given the ``field`` (drawn just
    before), the field is described by the message, so a screen reader reads it on focus;
    set once, so showing a problem never sends the field (or what was typed) back."""

    def __init__(self, marker: str, field: ui.element | None = None) -> None:
        self.label = (
            ui.label("").classes("text-negative text-sm").props('role="alert"').mark(marker)
        )
        self.label.set_visibility(False)
        if field is not None:
            attributes(field, {"aria-describedby": f"c{self.label.id}"})

    def show(self, problems: list[FieldProblem] | None) -> None:
        self.label.set_text(" ".join(problem.text(_) for problem in problems or []))
        self.label.set_visibility(bool(problems))


def is_real_url(url: str) -> bool:
    """Whether ``url`` (as a text writes it) leads somewhere, rather than showing a shape to
    fill in: "https://HOST/realms/REALM", "https://YOUR-SITE/callback", "https://{host}/",
    "https://…" or a bare "https://". A real host is written in lower case, and no path
    part is a word in capitals: "https://t.me/BotFather" is real, ".../REALM" is not.
    (Example domains such as example.org are real addresses: they stay links.)"""
    rest = url.split("://", 1)[1]
    host, _slash, path = rest.partition("/")
    if not REAL_HOST.fullmatch(host) or "." not in host.split(":")[0]:
        return False
    if any(mark in path for mark in ("{", "}", "…", "...")):
        return False
    return not any(PLACEHOLDER_WORD.fullmatch(part) for part in re.split(r"[/?#&=]", path))


def text_with_links(text: str) -> str:
    """Plain text as HTML: everything escaped, http(s) URLs made into links that open
    apart (no referrer, no opener), except the shapes of URLs a help text shows with
    parts to fill in (``is_real_url``); show it with ``whitespace-pre-line`` to keep
    lines."""
    parts: list[str] = []
    position = 0
    for match in URL_IN_TEXT.finditer(text):
        url = match.group(0).rstrip(".,;:")
        if not is_real_url(url):
            continue
        end = match.start() + len(url)
        parts.append(escape(text[position : match.start()]))
        parts.append(
            f'<a href="{escape(url, quote=True)}" target="_blank" rel="noopener noreferrer" '
            f'class="text-primary underline break-all">{escape(url)}</a>'
        )
        position = end
    parts.append(escape(text[position:]))
    return "".join(parts)


def service_email(email: str | None, verified: bool) -> None:
    """The e-mail a service gave for a linked account. Unverified, it is a contact the
    service passed on, not an address the person proved: said so, never shown as theirs."""
    if not email:
        return
    text = email if verified else _("{email} (not verified)").format(email=email)
    ui.label(text).classes(f"{theme.MUTED} break-all").mark("link-email")
