"""The translation layer: every string a person reads goes through ``_``.

Catalogues are gettext ``.po`` files under ``admin_app/locales`` (compiled to ``.mo`` by
the build: ``make translations``). In a page the language is the one chosen with the
switch, then the browser's Accept-Language, then English; elsewhere it is passed in.
"""

from __future__ import annotations

import gettext
import logging
from functools import cache
from pathlib import Path

from admin_app.core import asking

LOCALES = Path(__file__).parent.parent / "locales"
DOMAIN = "messages"
DEFAULT_LANGUAGE = "en"
LANGUAGES = {"en": "English", "ru": "Русский"}

log = logging.getLogger(__name__)


@cache
def catalogue(language: str) -> gettext.NullTranslations:
    if language == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    try:
        return gettext.translation(DOMAIN, LOCALES, languages=[language])
    except FileNotFoundError:
        log.error(
            "i18n.missing_catalogue: no compiled catalogue for '%s'; run 'make translations'",
            language,
        )
        return gettext.NullTranslations()


def parse_accept_language(header: str | None) -> str | None:
    """The best of our languages that the header accepts, or None."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and quality > 0:
            ranked.append((-quality, position, primary))
    return min(ranked)[2] if ranked else None


def current_language() -> str:
    """The language of the page being built or the event being handled."""
    asker = asking.current()
    return language_for(asker.chosen_language, asker.accept_language)


def language_for(chosen: str, accept_language: str | None) -> str:
    """The language the person chose here, else their browser's first we speak."""
    if chosen in LANGUAGES:
        return chosen
    return parse_accept_language(accept_language) or DEFAULT_LANGUAGE


def translate(message: str, language: str) -> str:
    return catalogue(language).gettext(message)


def _(message: str) -> str:
    """Translate into the current page's language."""
    return translate(message, current_language())


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated later, where the language is known."""
    return message


def terminal_language() -> str:
    """The language for the command line, by the usual LANGUAGE / LC_* / LANG variables."""
    found = gettext.find(DOMAIN, LOCALES)
    return Path(found).parents[1].name if found else DEFAULT_LANGUAGE
