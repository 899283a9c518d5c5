"""The names of built-in data, shown in the reader's language.

The first migration stores the default site and the built-in groups with English names.
While an administrator has not renamed them, a Russian reader should read them in Russian;
once renamed, the administrator's own name is shown as it is. Every page that shows a
site's or a group's name goes through these two functions.
"""

from __future__ import annotations

from admin_app.core.i18n import N_, _, translate
from models.users import ADMINISTRATORS, REGISTERED

#: the names the first migration gives (models/migrations/versions/0001_initial_schema.py)
DEFAULT_SITE_NAME = N_("Default site")
BUILT_IN_GROUP_NAMES = {
    ADMINISTRATORS: N_("Administrators"),
    REGISTERED: N_("Registered users"),
}


def site_name(stored: str, language: str | None = None) -> str:
    """A site's name to show: translated while it is still the built-in default (into
    ``language``; None: the reader's, for code running in a page)."""
    return _shown(DEFAULT_SITE_NAME, language) if stored == DEFAULT_SITE_NAME else stored


def group_name(code: str, stored: str, language: str | None = None) -> str:
    """A group's name to show: translated while a built-in group keeps its first name."""
    built_in = BUILT_IN_GROUP_NAMES.get(code)
    return _shown(built_in, language) if built_in is not None and stored == built_in else stored


def _shown(message: str, language: str | None) -> str:
    return _(message) if language is None else translate(message, language)
