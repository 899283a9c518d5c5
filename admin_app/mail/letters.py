"""One layout for every letter: a few paragraphs, at most one button, and a closing line
saying what to do when the letter was not asked for. Each letter is written in plain text
and in HTML from the same words, already translated by the caller into the recipient's
language; every value is escaped in the HTML (an address or a name is someone's input)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Letter:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Action:
    """The letter's button (and, in plain text, its address on a line of its own)."""

    label: str
    url: str


def compose(
    subject: str,
    paragraphs: Sequence[str],
    *,
    action: Action | None = None,
    closing: str = "",
    signature: str = "",
) -> Letter:
    text_parts = list(paragraphs)
    html_parts = [f"<p>{html.escape(paragraph)}</p>" for paragraph in paragraphs]
    if action is not None:
        text_parts.append(f"{action.label}:\n{action.url}")
        url = html.escape(action.url, quote=True)
        html_parts.append(
            f'<p><a href="{url}" style="display:inline-block;padding:10px 18px;'
            f"background:#1d4ed8;color:#ffffff;text-decoration:none;border-radius:4px"
            f'">{html.escape(action.label)}</a></p>'
            f'<p style="font-size:13px;color:#374151">{url}</p>'
        )
    for extra in (closing, signature):
        if extra:
            text_parts.append(extra)
            html_parts.append(f'<p style="font-size:13px;color:#374151">{html.escape(extra)}</p>')
    body = "\n".join(html_parts)
    return Letter(
        subject=subject,
        text="\n\n".join(text_parts) + "\n",
        html=(
            '<!DOCTYPE html><html><head><meta charset="utf-8">'
            f"<title>{html.escape(subject)}</title></head>"
            '<body style="font-family:sans-serif;font-size:15px;color:#111827">'
            f"{body}</body></html>"
        ),
    )
