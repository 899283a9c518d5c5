"""Times read in the viewer's zone and language (admin_app.web.viewer_time)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from admin_app.web.viewer_time import ZONE_COOKIE, ZONE_SCRIPT, format_moment, zone_named


def shown(moment: datetime, zone_name: str | None, language: str) -> str:
    """What the page shows, its narrow no-break spaces (CLDR's) read as spaces."""
    zone = zone_named(zone_name) if zone_name else None
    return format_moment(moment, zone, language).replace("\u202f", " ")


EVENING_UTC = datetime(2026, 12, 3, 21, 4, 5)


def test_a_zone_the_browser_names_moves_the_clock_and_the_date() -> None:
    in_russian = shown(EVENING_UTC, "Asia/Vladivostok", "ru")
    assert in_russian.startswith("4 ") and in_russian.endswith(", 07:04"), in_russian
    assert shown(EVENING_UTC, "America/New_York", "en") == ("Dec 3, 2026, 4:04 PM")


def test_an_aware_moment_is_converted_not_relabelled() -> None:
    aware = EVENING_UTC.replace(tzinfo=UTC)
    assert shown(aware, "Europe/Moscow", "en") == "Dec 4, 2026, 12:04 AM"


def test_without_a_zone_the_time_is_utc_and_says_so() -> None:
    assert shown(EVENING_UTC, None, "en") == "Dec 3, 2026, 9:04 PM UTC"
    in_russian = shown(EVENING_UTC, None, "ru")
    assert in_russian.startswith("3 ") and in_russian.endswith(", 21:04 UTC"), in_russian


@pytest.mark.parametrize(
    "name", ["", "Nowhere/Atlantis", "../../etc/passwd", "/etc/localtime", "x" * 200]
)
def test_a_cookie_that_names_no_known_zone_is_ignored(name: str) -> None:
    assert zone_named(name) is None


def test_the_page_script_writes_the_cookie_that_is_read() -> None:
    assert f"document.cookie='{ZONE_COOKIE}='" in ZONE_SCRIPT
    assert "resolvedOptions().timeZone" in ZONE_SCRIPT
