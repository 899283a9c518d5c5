"""The services page as a compact table: a row per service (icon, name, a switch that
says its state, chips for its settings and last result, arrows with the ends disabled),
the settings in a panel beside the page, and the redirect URI's https warning."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from nicegui.testing import User

from models import sign_in_events
from models.db import session_scope
from models.services import COMMON, configs_in_scope
from models.tables import SignInEvent
from providers import PROVIDERS
from tests.support.accounts import RETRIES
from tests.support.admin_pages import fill, open_as_admin, text_of
from tests.support.service_panels import open_settings


def element(user: User, marker: str) -> Any:
    """The one element with this marker (typed loosely: its kind varies)."""
    return next(iter(user.find(marker=marker).elements))


def row_order(user: User) -> list[str]:
    (body,) = user.find(marker="services-list").elements
    return [
        marker.removeprefix("service-")
        for child in body.default_slot.children
        for marker in child._markers
        if marker.startswith("service-")
    ]


async def test_the_switch_says_the_state_it_is_in(user: User) -> None:
    await open_as_admin(user)
    open_settings(user, "yandex")
    switch = element(user, "switch-yandex")
    assert (switch.text, switch.props["aria-label"]) == ("Off", "Yandex: Off")
    user.find(marker="settings-yandex").click()
    fill(user, "field-yandex-client_id", "yandex-client")
    fill(user, "field-yandex-client_secret", "yandex-secret")
    user.find(marker="save-yandex").click()
    await user.should_see("Yandex: saved.", retries=RETRIES)
    assert text_of(user, "configured-yandex") == "Settings complete"
    user.find(marker="switch-yandex").click()
    await user.should_see("Yandex is switched on.", retries=RETRIES)
    assert (switch.text, switch.props["aria-label"]) == ("On", "Yandex: On")


async def test_the_first_row_cannot_go_up_nor_the_last_down(user: User) -> None:
    await open_as_admin(user)
    order = row_order(user)
    first, second, last = order[0], order[1], order[-1]
    assert not element(user, f"up-{first}").enabled
    assert element(user, f"down-{first}").enabled
    assert not element(user, f"down-{last}").enabled
    assert element(user, f"up-{last}").enabled
    user.find(marker=f"down-{first}").click()
    await user.should_see("moved to place 2.", retries=RETRIES)
    assert row_order(user)[:2] == [second, first]
    assert not element(user, f"up-{second}").enabled
    assert element(user, f"up-{first}").enabled


async def test_the_settings_open_in_a_panel_from_the_row(user: User) -> None:
    await open_as_admin(user)
    assert text_of(user, "configured-google") == "Settings incomplete"
    await user.should_not_see(marker="field-google-client_id")
    user.find(marker="settings-google").click()
    panel = element(user, "panel-google")
    assert panel.value is True
    await user.should_see(marker="field-google-client_id")
    user.find(marker="close-google").click()
    assert panel.value is False
    user.find(marker="switch-google").click()  # incomplete: the panel shows why
    await user.should_see(
        "Complete the settings of Google before switching it on.", retries=RETRIES
    )
    assert panel.value is True


async def test_each_row_shows_the_last_result_and_the_last_error(user: User) -> None:
    with session_scope() as session:
        session.add(
            SignInEvent(
                service_id="yandex",
                site_id="s1",
                success=False,
                reason="provider:cancelled",
                at=datetime(2026, 12, 2, 8, 0, tzinfo=UTC),
            )
        )
        sign_in_events.record(session, service_id="github", site_id="s1", success=True)
    await open_as_admin(user)
    assert text_of(user, "last-result-yandex") == "Failed Dec 2, 2026, 8:00\u202fAM UTC"
    assert text_of(user, "last-error-yandex").startswith(
        "Last error Dec 2, 2026, 8:00\u202fAM UTC: "
    )
    assert text_of(user, "last-result-github").startswith("Signed in ")
    assert text_of(user, "last-result-google") == "No sign-in yet"
    await user.should_not_see(marker="last-error-google")


async def test_an_http_redirect_uri_warns_where_the_service_needs_https(
    user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(PROVIDERS["google"], "https_redirect_only", True)
    await open_as_admin(user)
    open_settings(user, "google", "yandex")
    assert element(user, "redirect-google").value.startswith("http://")
    warning = text_of(user, "redirect-http-warning-google")
    assert "SOCIALSERVICES_PUBLIC_URL" in warning and "https" in warning
    await user.should_not_see(marker="redirect-http-warning-yandex")


async def test_a_row_dragged_onto_another_takes_its_place(user: User) -> None:
    await open_as_admin(user)
    before = row_order(user)
    dragged, target = before[3], before[0]
    user.find(marker=f"service-{dragged}").trigger("dragstart")
    user.find(marker=f"service-{target}").trigger("drop.prevent")
    await user.should_see("moved to place 1.", retries=RETRIES)
    assert row_order(user) == [dragged, *before[:3], *before[4:]]
    assert not element(user, f"up-{dragged}").enabled
    with session_scope() as session:
        stored = sorted(configs_in_scope(session, COMMON), key=lambda row: row.position)
    assert [row.service_id for row in stored] == [dragged, *before[:3]]
