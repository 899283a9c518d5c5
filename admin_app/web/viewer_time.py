"""Moments shown in the viewer's own time zone and language.

Stored times are UTC. A person in Vladivostok reading "09:00 UTC" has to do sums, so every
page writes its times through ``moment_text``. The browser tells its zone (the IANA name
from ``Intl.DateTimeFormat``) in a small cookie that ``ZONE_SCRIPT`` sets on every page
the frame draws; until a page has set it (the very first page a browser opens), or when it
names no zone we know, times are shown in UTC and say so.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_time
from nicegui import context

from admin_app.core.i18n import _, current_language

#: the cookie the browser's zone travels in (not the session: it is no secret, and a page
#: reads it on the request that draws it)
ZONE_COOKIE = "tz"
ZONE_SCRIPT = (
    "<script>(function(){try{var z=Intl.DateTimeFormat().resolvedOptions().timeZone;"
    f"if(z)document.cookie='{ZONE_COOKIE}='+encodeURIComponent(z)+"
    "';path=/;max-age=31536000;SameSite=Lax';}catch(e){}})();</script>"
)
_LONGEST_ZONE_NAME = 64


@lru_cache(maxsize=256)
def zone_named(name: str) -> tzinfo | None:
    """The zone called ``name``, or None for anything that is not a known IANA name."""
    if not name or len(name) > _LONGEST_ZONE_NAME or name.startswith(("/", ".")):
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def viewer_zone() -> tzinfo | None:
    """The zone the browser of the page being drawn told, if any."""
    try:
        request = context.client.request
    except (RuntimeError, AttributeError):
        return None
    return zone_named(request.cookies.get(ZONE_COOKIE, ""))


def moment_text(moment: datetime | None, *, never: str | None = None) -> str:
    """``moment`` (UTC, naive or aware) as the viewer reads a date and time, e.g.
    "Dec 3, 2026, 9:04 PM" in English, with the day first and a 24-hour clock in Russian; ``never`` (default "never") for None."""
    if moment is None:
        return never if never is not None else _("never")
    return format_moment(moment, viewer_zone(), current_language())


def format_moment(moment: datetime, zone: tzinfo | None, language: str) -> str:
    """The text ``moment_text`` shows, for a given zone (None: UTC, said) and language."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    local = aware.astimezone(zone or UTC)
    text = (
        f"{format_date(local, format='medium', locale=language)}, "
        f"{format_time(local, format='short', locale=language)}"
    )
    return text if zone is not None else f"{text} UTC"
