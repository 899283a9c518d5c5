"""A site's applications on its page (/admin/sites/{id}): created, shown once, audited."""

from __future__ import annotations

import pytest
from nicegui.testing import User
from sqlmodel import col, select

from admin_app.auth.admin_access import NotAnAdministratorError
from admin_app.core import runtime
from admin_app.provider.application_editing import create_application, new_secret
from admin_app.provider.applications import ApplicationValues
from models import applications
from models.db import session_scope
from models.tables import Application, AuditEntry
from tests.support.accounts import add_user
from tests.support.admin_pages import everything_on_the_page, fill, open_as_admin, text_of
from tests.support.application_forms import open_change, open_new_application

PAGE = "/admin/sites/s1"


def stored(application_id: str) -> Application | None:
    with session_scope() as session:
        return session.get(Application, application_id)


def audit_entries() -> list[tuple[str, str, dict[str, object]]]:
    with session_scope() as session:
        rows = session.exec(select(AuditEntry).order_by(col(AuditEntry.id)))
        return [(row.action, row.target, dict(row.details)) for row in rows]


async def test_an_administrator_creates_an_application_and_sees_its_secret_once(user: User) -> None:
    await open_as_admin(user, PAGE, marker="site-applications")
    open_new_application(user)
    fill(user, "new-application-id", "shop")
    fill(user, "new-application-name", "<b>Shop</b>")
    fill(user, "new-application-redirect-uris", "https://shop.example.org/callback")
    user.find(marker="application-create").click()
    await user.should_see(marker="client-secret-once")
    secret = next(iter(user.find(marker="client-secret-once").elements)).value
    row = stored("shop")
    assert row is not None and row.name == "<b>Shop</b>" and row.client_id
    assert applications.secret_matches(runtime.keyring(), row, secret)
    assert ("application.create", "application:shop", {"site": "s1"}) in audit_entries()
    user.find(marker="client-secret-done").click()
    await user.open(PAGE)  # shown again: the client id, never the secret
    assert row.client_id in text_of(user, "application-shop-client-id")
    assert secret not in everything_on_the_page(user)


async def test_a_redirect_uri_the_rules_refuse_is_shown_at_its_field(user: User) -> None:
    await open_as_admin(user, PAGE, marker="site-applications")
    open_new_application(user)
    fill(user, "new-application-id", "shop")
    fill(user, "new-application-name", "Shop")
    fill(user, "new-application-redirect-uris", "http://shop.example.org/callback")
    user.find(marker="application-create").click()
    await user.should_see("http:// only to a loopback address")
    assert stored("shop") is None


async def test_new_secret_replaces_the_old_one(user: User) -> None:
    await open_as_admin(user, PAGE, marker="site-applications")
    values = ApplicationValues(
        id="shop", site_id="s1", name="Shop", redirect_uris=["https://shop.example.org/cb"]
    )
    first = create_application(values)
    assert first.new_secret
    second = new_secret("shop", version=first.view.version)
    row = stored("shop")
    assert row is not None and second.new_secret
    assert applications.secret_matches(runtime.keyring(), row, second.new_secret)
    assert not applications.secret_matches(runtime.keyring(), row, first.new_secret)
    assert [entry[0] for entry in audit_entries()][-1] == "application.new_secret"


async def test_only_an_administrator_may_register_an_application(user: User) -> None:
    add_user("alice")
    values = ApplicationValues(
        id="shop", site_id="s1", name="Shop", redirect_uris=["https://shop.example.org/cb"]
    )
    with pytest.raises(NotAnAdministratorError):
        create_application(values)
    assert stored("shop") is None


async def test_a_proxy_application_is_registered_by_its_host_names(user: User) -> None:
    await open_as_admin(user, PAGE, marker="site-applications")
    open_new_application(user)
    fill(user, "new-application-id", "wiki")
    fill(user, "new-application-name", "Wiki")
    user.find(marker="new-application-kind").elements.pop().value = "proxy"
    user.find(marker="application-create").click()
    await user.should_see(marker="new-application-problem-hosts")
    assert stored("wiki") is None  # a proxy application needs its host names
    fill(user, "new-application-hosts", "Wiki.Example.org\nintranet.example.org")
    user.find(marker="application-create").click()
    await user.should_see(marker="application-wiki")
    row = stored("wiki")
    assert row is not None and row.kind == "proxy" and not row.client_secret
    assert row.hosts == ["wiki.example.org", "intranet.example.org"] and not row.redirect_uris
    await user.open(PAGE)
    assert "intranet.example.org" in everything_on_the_page(user)


async def test_the_new_application_form_is_drawn_when_its_section_first_opens(
    user: User,
) -> None:
    await open_as_admin(user, PAGE, marker="site-applications")
    await user.should_not_see(marker="application-create")
    open_new_application(user)
    await user.should_see(marker="application-create")
    open_new_application(user)  # opened again: the same form, not a second one
    assert len(user.find(marker="application-create").elements) == 1


async def test_an_application_is_changed_in_its_change_section(user: User) -> None:
    await open_as_admin(user, PAGE, marker="site-applications")
    create_application(
        ApplicationValues(
            id="shop", site_id="s1", name="Shop", redirect_uris=["https://shop.example.org/cb"]
        )
    )
    await user.open(PAGE)
    await user.should_see(marker="application-shop")
    await user.should_not_see(marker="application-shop-save")
    open_change(user, "shop")
    fill(user, "application-shop-name", "Web shop")
    user.find(marker="application-shop-save").click()
    await user.should_see("Application saved.")
    row = stored("shop")
    assert row is not None and row.name == "Web shop"
