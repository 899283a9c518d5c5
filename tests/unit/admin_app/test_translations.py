"""Every string a person reads exists in Russian, and the compiled catalogue is current."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from admin_app.core.i18n import LOCALES, translate

ROOT = Path(__file__).resolve().parents[3]
KEYWORDS = {"_": None, "N_": None}


def _messages_in_code() -> set[str]:
    found: set[str] = set()
    for package in ("admin_app", "models", "providers"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / package, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_message_in_the_code_has_a_russian_translation() -> None:
    with open(LOCALES / "ru" / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalogue = read_po(handle, locale="ru")
    translated = {m.id for m in catalogue if m.id and m.string and not m.fuzzy}
    in_code = _messages_in_code()
    assert "Wrong login or password." in in_code  # the extraction itself works
    missing = sorted(in_code - translated)
    assert missing == [], "run `make extract-messages` and translate: " + repr(missing)


def test_compiled_catalogue_matches_the_source() -> None:
    with open(LOCALES / "ru" / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalogue = read_po(handle, locale="ru")
    stale = [m.id for m in catalogue if m.id and m.string and translate(m.id, "ru") != m.string]
    assert stale == [], "run `make translations`: " + repr(stale[:5])


def test_placeholders_survive_translation() -> None:
    with open(LOCALES / "ru" / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalogue = read_po(handle, locale="ru")
    import string

    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    broken = [m.id for m in catalogue if m.id and m.string and fields(m.id) != fields(m.string)]
    assert broken == []
