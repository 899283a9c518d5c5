"""Small pieces of page that several pages draw alike."""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import escape
from typing import TypeVar

from nicegui import ui

from admin_app.core.form_problems import FieldProblem
from admin_app.core.i18n import _

ElementT = TypeVar("ElementT", bound=ui.element)
URL_IN_TEXT = re.compile(r"https?://[^\s<>\"')]+")


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


def text_with_links(text: str) -> str:
    """Plain text as HTML: everything escaped, http(s) URLs made into links that open
    apart (no referrer, no opener); show it with ``whitespace-pre-line`` to keep lines."""
    parts: list[str] = []
    position = 0
    for match in URL_IN_TEXT.finditer(text):
        url = match.group(0).rstrip(".,;:")
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
    ui.label(text).classes("text-sm text-gray-600 break-all").mark("link-email")
