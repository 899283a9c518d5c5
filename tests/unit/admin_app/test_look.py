"""The look every page shares (admin_app.web.theme, admin_app.services.badges,
admin_app.pages.widgets, admin_app.pages.chips): what is read is readable (WCAG AA, 4.5:1),
every service's badge shows its letter, a state chip is a word (no live region), and a
help text's URL shapes with parts to fill in are not links."""

from __future__ import annotations

import re

import pytest
from nicegui import ui
from nicegui.testing import User

from admin_app.pages.chips import TONE_CLASSES, state_chip
from admin_app.pages.widgets import is_real_url, text_with_links
from admin_app.services.badges import AA, BADGES, WHITE, badge_svg, contrast
from admin_app.web import theme


def test_every_badge_shows_a_letter_that_reads() -> None:
    for provider_id in BADGES:
        svg = badge_svg(provider_id)
        letters = re.search(r"<text[^>]*>([^<]*)</text>", svg)
        ground = re.search(r'<circle[^>]*fill="(#[0-9A-Fa-f]{6})"', svg)
        letter_colour = re.search(r'<text[^>]*fill="(#[0-9A-Fa-f]{6})"', svg)
        assert letters and letters.group(1).strip(), provider_id
        assert ground and letter_colour
        assert contrast(ground.group(1), letter_colour.group(1)) >= AA, provider_id


def test_the_apple_badge_is_no_black_circle_alone() -> None:
    assert re.search(r">A</text>", badge_svg("apple"))


def test_named_colours_and_links_read_on_white_and_on_the_ground() -> None:
    readable = {**theme.BRAND, "link": theme.LINK_COLOUR, "warning text": theme.WARNING_TEXT}
    del readable["warning"]  # a ground for dark text, never text itself
    for name, colour in readable.items():
        for ground in (WHITE, theme.GROUND):
            assert contrast(colour, ground) >= AA, (name, ground)
    for name in ("primary", "positive", "negative", "secondary", "info"):
        assert contrast(theme.BRAND[name], WHITE) >= AA, name  # white text on a button
    assert contrast(theme.BRAND["warning"], "#1d1d1d") >= AA  # Quasar's dark text on it


async def test_fields_are_outlined_and_buttons_keep_their_case(user: User) -> None:
    await user.open("/login")
    (field,) = user.find(marker="login-identifier").elements
    (button,) = user.find(marker="login-submit").elements
    assert field.props.get("outlined") and field.props.get("dense")
    assert button.props.get("no-caps")


@pytest.mark.parametrize(
    "url",
    [
        "https://HOST/realms/REALM",
        "https://YOUR-SITE/oauth/github/callback",
        "https://login.microsoftonline.com/TENANT_ID/v2.0",
        "https://{host}/callback",
        "https://example.org/…",
        "https://",
        "https://localhost/",
    ],
)
def test_shapes_to_fill_in_are_not_links(url: str) -> None:
    assert not is_real_url(url)
    html = text_with_links(f"For Keycloak: {url}. Then save.")
    assert "<a " not in html and url.replace("&", "&amp;") in html


@pytest.mark.parametrize(
    "url",
    [
        "https://t.me/BotFather",
        "https://ok.ru/devaccess",
        "https://example.org/a?b=1",
        "http://127.0.0.1:8080/admin",
        "https://id.vk.com/about/business/go/docs/ru/vkid/latest/oauth/oauth-",
    ],
)
def test_real_addresses_are_links(url: str) -> None:
    assert is_real_url(url)
    assert f'<a href="{url}"' in text_with_links(f"Open {url}.")


def test_a_help_text_with_both_links_only_the_real_one() -> None:
    html = text_with_links(
        "One per line: https://, or http:// only for 127.0.0.1. Keycloak: "
        "https://HOST/realms/REALM. See https://ok.ru/devaccess."
    )
    assert html.count("<a ") == 1 and 'href="https://ok.ru/devaccess"' in html


async def test_state_chips_are_words_no_live_region(user: User) -> None:
    @ui.page("/test-chips")
    def chips_page() -> None:
        for tone in (*TONE_CLASSES, "no such tone"):
            state_chip(f"state {tone}", tone).mark(f"chip-{tone}")

    await user.open("/test-chips")
    for tone in (*TONE_CLASSES, "no such tone"):
        (chip,) = user.find(marker=f"chip-{tone}").elements
        assert chip.text == f"state {tone}"  # type: ignore[attr-defined]
        assert "role" not in chip.props  # Quasar's badge would be role="status"
        assert TONE_CLASSES.get(tone, TONE_CLASSES["neutral"]).split()[1] in chip.classes
