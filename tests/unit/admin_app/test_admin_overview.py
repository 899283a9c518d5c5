"""The overview's figures and warnings, the audit log, and actions re-checking the admin."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import yaml
from nicegui.testing import User

from admin_app.activity import outbox as activity_outbox
from admin_app.activity.hashtag_import import import_round
from admin_app.admin.overview import dashboard
from admin_app.core import runtime
from admin_app.services.config_file import import_configuration
from models import audit, sign_in_events
from models.db import session_scope
from models.tables import LogoutDelivery, SignInEvent
from tests.support import activity_setup
from tests.support.accounts import RETRIES, add_user, sign_in
from tests.support.activity_setup import facebook_api, x_api
from tests.support.fakes.facebook import FakeFacebook
from tests.support.fakes.twitter import FakeTwitter

__all__ = ["facebook_api", "x_api"]

CONFIG = {
    "sites": [
        {"id": "s1", "name": "Store", "domains": [], "default": True, "individual_settings": False},
        {
            "id": "s2",
            "name": "Blog",
            "domains": ["blog.example.org"],
            "default": False,
            "individual_settings": True,
        },
    ],
    "services": {
        "yandex": {"enabled": True, "settings": {"client_id": "y", "client_secret": "ys"}},
        "github": {"enabled": True},  # switched on, settings missing
    },
    "site_services": {
        "s2": {"google": {"enabled": True, "settings": {"client_id": "g", "client_secret": "gs"}}}
    },
}


def configure() -> None:
    document = yaml.safe_dump(CONFIG)
    # github has no settings: the import refuses it while enabled, so switch it on afterwards
    import_configuration(
        document.replace("github:\n    enabled: true", "github:\n    enabled: false")
    )
    from models.services import COMMON, configs_in_scope

    with session_scope() as session:
        github = next(c for c in configs_in_scope(session, COMMON) if c.service_id == "github")
        github.enabled = True


async def test_dashboard_counts_per_service_and_site(user: User) -> None:
    configure()
    with session_scope() as session:
        for success in (True, True, False):
            sign_in_events.record(session, service_id="yandex", site_id="s1", success=success)
    board = dashboard()
    services = {s.service_id: s for s in board.services}
    assert services["yandex"].enabled_on == {"s1": True}
    assert services["google"].enabled_on == {"s2": True}
    assert (services["yandex"].signed_in_24h, services["yandex"].failed_24h) == (2, 1)
    assert (services["yandex"].signed_in_7d, services["yandex"].failed_7d) == (2, 1)
    assert services["github"].incomplete_on == ["Store"]
    assert board.daily[-1][1:] == (2, 1) and len(board.daily) == 7


async def test_overview_page_shows_warnings_and_the_services(user: User) -> None:
    configure()
    add_user("root", admin=True)
    await sign_in(user, "root", path="/login?next=/admin")
    await user.should_see(marker="incomplete-warning", retries=RETRIES)
    await user.should_see(marker="services-table")
    await user.should_see("Audit log")  # the areas' navigation


async def test_overview_shows_each_services_last_result_and_last_error(user: User) -> None:
    configure()
    earlier = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    with session_scope() as session:
        session.add(
            SignInEvent(
                service_id="yandex",
                site_id="s1",
                success=False,
                reason="provider:misconfigured",
                at=earlier,
            )
        )
        session.flush()  # the earlier event first: record() inserts at once
        sign_in_events.record(session, service_id="yandex", site_id="s1", success=True)
    add_user("root", admin=True)
    await sign_in(user, "root", path="/login?next=/admin")
    await user.should_see(marker="services-table", retries=RETRIES)
    table = user.find(marker="services-table").elements.pop()
    rows = {row["service"]: row for row in table.rows}  # type: ignore[attr-defined]
    assert rows["Yandex"]["last"].startswith("Signed in ")
    assert rows["Yandex"]["error"] == (
        "Last error Dec 1, 2026, 9:30\u202fAM UTC: This service is not set up completely. "
        "Please tell the administrator."
    )
    assert (rows["Google"]["last"], rows["Google"]["error"]) == ("No sign-in yet", "—")


async def test_audit_log_is_for_administrators_and_lists_entries(user: User) -> None:
    add_user("root", admin=True)
    add_user("alice")
    with session_scope() as session:
        audit.record(
            session,
            actor_id=None,
            actor_login="root",
            address="192.0.2.7",
            action="service.update",
            target="yandex",
            details={"changed": ["client_secret"]},
        )
    await sign_in(user, "alice")
    await user.should_see("Login: alice", retries=RETRIES)
    assert (await user.http_client.get("/admin/audit")).status_code == 403
    user.find("Sign out").click()
    await user.should_see(marker="login-submit", retries=RETRIES)
    await sign_in(user, "root", path="/login?next=/admin/audit")
    await user.should_see(marker="audit-table", retries=RETRIES)
    table = user.find(marker="audit-table").elements.pop()
    (row,) = table.rows  # type: ignore[attr-defined]
    assert (row["actor"], row["address"], row["action"], row["target"]) == (
        "root",
        "192.0.2.7",
        "service.update",
        "yandex",
    )
    assert row["details"] == '{"changed": ["client_secret"]}'


async def test_overview_shows_deliveries_failures_and_the_hashtag_import(
    user: User, x_api: FakeTwitter, facebook_api: FakeFacebook
) -> None:
    activity_setup.configure(x_api, facebook_api, hashtags=("#python",))
    alice = add_user("alice")
    activity_setup.link(
        alice,
        "twitter",
        "x-alice",
        x_api.issue_token(scope=activity_setup.X_SCOPES, user_id="x-alice"),
        username="alice_x",
    )
    x_api.post_failures = [403]  # X refuses it for good
    activity_setup.write_post(alice, "refused by X")
    await activity_outbox.deliver_due()
    x_api.add_tweet("x-alice", "imported #python post")
    bob = add_user("bob")
    activity_setup.link(bob, "twitter", "x-bob", ("never-issued", None), username="bob_x")
    await import_round()
    add_user("root", admin=True)
    await sign_in(user, "root", path="/login?next=/admin")
    await user.should_see(marker="deliveries-summary", retries=RETRIES)
    await user.should_see("last 7 days: 0 published, 0 waiting, 1 failed, 0 cancelled.")
    await user.should_see("X (Twitter) refused the post.")
    await user.should_see("«refused by X»")
    await user.should_see("posts imported then: 1; in all: 1.")
    await user.should_see("@bob_x: X no longer accepts the saved sign-in")
    await user.should_see("imported #python post")


async def test_the_overview_warns_of_a_shared_cookie_and_of_logouts_never_told(
    user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_configuration(
        "applications:\n- id: shop\n  site: s1\n  name: Shop\n  kind: public\n"
        "  client_id: shop-app\n  redirect_uris: ['https://shop.example.org/cb']\n"
        "  backchannel_logout_uri: https://shop.example.org/backchannel\n"
    )
    add_user("root", admin=True)
    await sign_in(user, "root", path="/login?next=/admin")
    await user.should_see("Audit log", retries=RETRIES)
    await user.should_not_see(marker="cookie-domain-warning")
    await user.should_not_see(marker="failed-logouts-warning")
    with session_scope() as session:
        session.add(LogoutDelivery(application_id="shop", user_id=1, sid="s", status="failed"))
    monkeypatch.setattr(runtime.settings(), "cookie_domain", "example.org")
    await user.open("/admin")
    await user.should_see("sent to every host under example.org")
    await user.should_see("Sign-outs Shop was never told of: 1.")
