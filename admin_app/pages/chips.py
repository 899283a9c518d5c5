"""State chips: the small coloured word beside a name ("on", "blocked", "failed").

A plain span, not ``ui.badge``: Quasar gives a badge role="status", a live region that a
screen reader announces, and a list of twenty services would announce twenty states.
Every tone is dark text on a pale ground, well above the WCAG AA ratio of 4.5:1, and the
word itself says the state, so colour is never the only sign.
"""

from __future__ import annotations

from typing import Literal

from nicegui import ui

Tone = Literal["positive", "negative", "warning", "neutral", "info"]

#: text and ground per tone (Tailwind's 800/900 on 100: each above 7:1)
TONE_CLASSES: dict[str, str] = {
    "positive": "bg-green-100 text-green-900",
    "negative": "bg-red-100 text-red-900",
    "warning": "bg-amber-100 text-amber-900",
    "neutral": "bg-gray-100 text-gray-800",
    "info": "bg-blue-100 text-blue-900",
}
_SHAPE = "inline-block text-xs font-medium px-2 py-0.5 rounded-full whitespace-nowrap"


def state_chip(text: str, tone: Tone | str = "neutral") -> ui.label:
    """A chip saying ``text`` (already translated) in ``tone``; an unknown tone is neutral.
    Returns the label, so a caller can ``.mark(...)`` it."""
    colours = TONE_CLASSES.get(tone, TONE_CLASSES["neutral"])
    return ui.label(text).classes(f"{_SHAPE} {colours}")
