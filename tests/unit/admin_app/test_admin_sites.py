"""The sites editor (/admin/sites and /admin/sites/{id}) in the simulated browser, and its
use cases called directly."""

from __future__ import annotations

import pytest
from nicegui.testing import User
from sqlmodel import col, select

from admin_app.admin_access import NotAnAdministratorError
from admin_app.service_catalogue import site_services
from admin_app.site_settings import (
    SiteForm,
    SiteFormError,
    create_site,
    delete_site,
    parse_host_names,
    set_individual_settings,
    update_site,
)
from models.db import session_scope
from models.services import COMMON
from models.tables import AuditEntry, ConfiguredService, Group, Membership, Site
from tests.unit.admin_app.conftest import RETRIES, add_user
from tests.unit.admin_app.test_admin_services import (
    everything_on_the_page,
    fill,
    open_as_admin,
    text_of,
)
from tests.unit.admin_app.test_sign_in_pages import sign_in


def site(site_id: str) -> Site | None:
    with session_scope() as session:
        return session.get(Site, site_id)


def add_site(site_id: str, hosts: str = "", *, individual: bool = False) -> None:
    with session_scope() as session:
        session.add(
            Site(id=site_id, name=site_id.title(), host_names=hosts, individual_settings=individual)
        )


def audit_actions() -> list[str]:
    with session_scope() as session:
        return [e.action for e in session.exec(select(AuditEntry).order_by(col(AuditEntry.id)))]


def rows_in(scope: str) -> list[ConfiguredService]:
    with session_scope() as session:
        return list(session.exec(select(ConfiguredService).where(ConfiguredService.scope == scope)))


async def open_sites(user: User, path: str = "/admin/sites") -> None:
    marker = "site-list" if path == "/admin/sites" else "site-form"
    await open_as_admin(user, path, marker=marker)


def test_host_names_one_per_line_or_separated_by_spaces() -> None:
    assert parse_host_names("Shop.example.org\n www.shop.example.org, shop.example.org\n\n") == [
        "shop.example.org",
        "www.shop.example.org",
    ]


async def test_non_administrator_gets_403(user: User) -> None:
    add_user("alice")
    await sign_in(user, "alice")
    await user.should_see("Login: alice", retries=RETRIES)
    for path in ("/admin/sites", "/admin/sites/s1"):
        response = await user.http_client.get(path)
        assert response.status_code == 403, path


async def test_unknown_site_is_404(user: User) -> None:
    await open_sites(user)
    response = await user.http_client.get("/admin/sites/nope")
    assert response.status_code == 404
    assert "There is no such site." in response.text


async def test_new_site_form_checks_every_field(user: User) -> None:
    add_site("blog", "blog.example.org")
    await open_sites(user)
    await user.should_see("Default site")
    user.find(marker="site-create").click()
    await user.should_see(marker="problem-id", retries=RETRIES)
    assert text_of(user, "problem-id") == "required"
    assert text_of(user, "problem-name") == "required"
    for typed, message in (
        ("common", "'common' is reserved"),
        ("Shop-1", "use 1 to 20 lower-case letters, digits or _"),
        ("s1", "'s1' is taken"),
    ):
        fill(user, "site-id", typed)
        user.find(marker="site-create").click()
        await user.should_see(message, retries=RETRIES)
    fill(user, "site-id", "shop")
    fill(user, "site-name", "Shop")
    fill(user, "site-host-names", "shop.example.org\nbad_host!\nBLOG.example.org")
    user.find(marker="site-create").click()
    await user.should_see(marker="problem-host_names", retries=RETRIES)
    assert text_of(user, "problem-host_names") == (
        "'bad_host!' is not a host name 'blog.example.org' belongs to site 'blog' too"
    )
    assert site("shop") is None and audit_actions() == []


async def test_create_a_site_then_edit_it_on_its_page(user: User) -> None:
    await open_sites(user)
    fill(user, "site-id", "shop")
    fill(user, "site-name", "Shop")
    fill(user, "site-host-names", "shop.example.org www.shop.example.org")
    user.find(marker="site-create").click()
    await user.should_see("Site ID: shop", retries=RETRIES)
    created = site("shop")
    assert created is not None
    assert (created.name, created.host_names, created.is_default, created.version) == (
        "Shop",
        "shop.example.org www.shop.example.org",
        False,
        1,
    )
    await user.open("/admin/sites/shop")
    fill(user, "site-name", "The shop")
    user.find(marker="site-default").click()  # becomes the default: s1 no longer is
    user.find(marker="site-save").click()
    await user.should_see("Site saved.", retries=RETRIES)
    shop, default = site("shop"), site("s1")
    assert shop is not None and default is not None
    assert (shop.name, shop.is_default, shop.version) == ("The shop", True, 2)
    assert (default.is_default, default.version) == (False, 2)
    assert audit_actions() == ["site.create", "site.update"]
    await user.open("/admin/sites")
    await user.should_see("The shop")


async def test_the_default_stays_until_another_site_takes_it(user: User) -> None:
    await open_sites(user, "/admin/sites/s1")
    await user.should_not_see(marker="site-delete")  # the default site cannot be deleted
    user.find(marker="site-default").click()
    user.find(marker="site-save").click()
    await user.should_see(marker="problem-default", retries=RETRIES)
    assert text_of(user, "problem-default") == (
        "One site must be the default: make another site the default instead."
    )
    default = site("s1")
    assert default is not None and default.is_default and default.version == 1


async def test_a_stale_site_form_is_refused(user: User) -> None:
    await open_sites(user, "/admin/sites/s1")
    with session_scope() as session:  # another administrator renames it meanwhile
        default = session.get(Site, "s1")
        assert default is not None
        default.name, default.version = "Theirs", default.version + 1
        session.add(default)
    fill(user, "site-name", "Mine")
    user.find(marker="site-save").click()
    await user.should_see("Someone else changed this meanwhile.", retries=RETRIES)
    user.find(marker="individual-settings").click()
    await user.should_see("Someone else changed this meanwhile.", retries=RETRIES)
    default = site("s1")
    assert default is not None and default.name == "Theirs" and not default.individual_settings
    assert audit_actions() == []


async def test_delete_a_site_with_its_own_services(user: User) -> None:
    add_site("blog", "blog.example.org", individual=True)
    with session_scope() as session:
        session.add(ConfiguredService(scope="blog", service_id="google", provider="google"))
    await open_sites(user, "/admin/sites/blog")
    user.find(marker="site-delete").click()
    await user.should_see("Delete the site Blog and its own service settings?", retries=RETRIES)
    user.find(marker="site-delete-confirm").click()
    await user.should_see(marker="site-list", retries=RETRIES)
    assert site("blog") is None and rows_in("blog") == []
    assert audit_actions() == ["site.delete"]


async def test_individual_settings_give_a_site_its_own_services(user: User) -> None:
    add_site("blog", "blog.example.org")
    await open_sites(user, "/admin/sites/blog")
    await user.should_see("This site offers the common services:")
    await user.should_not_see(marker="services-list")
    user.find(marker="individual-settings").click()
    await user.should_see(marker="services-list", retries=RETRIES)
    form = next(iter(user.find(marker="try-form-google").elements))
    hidden = {
        child.props["name"]: child.props["value"]
        for child in form.default_slot.children
        if child.tag == "input"
    }
    assert hidden["site"] == "blog"
    redirect = next(iter(user.find(marker="redirect-google").elements))
    assert redirect.value == "http://blog.example.org:8080/oauth/google/callback"  # type: ignore[attr-defined]
    fill(user, "field-google-client_id", "blog-client")
    fill(user, "field-google-client_secret", "blog-secret-value")
    user.find(marker="save-google").click()
    await user.should_see("Google: saved.", retries=RETRIES)
    user.find(marker="switch-google").click()
    await user.should_see("Google is switched on.", retries=RETRIES)
    assert "blog-secret-value" not in everything_on_the_page(user)
    assert [s.service_id for s in site_services("blog", offered_only=True)] == ["google"]
    assert site_services("s1", offered_only=True) == []  # the default keeps the common list
    assert [r.service_id for r in rows_in(COMMON)] == []
    # switched off: the common list again, the site's own settings kept for later
    user.find(marker="individual-settings").click()
    await user.should_see("This site offers the common services:", retries=RETRIES)
    assert site_services("blog", offered_only=True) == []
    assert [r.service_id for r in rows_in("blog")] == ["google"]
    assert audit_actions() == [
        "site.individual_settings",
        "service.update",
        "service.enable",
        "site.individual_settings",
    ]


async def test_site_services_edited_after_individual_settings_went_off_are_refused(
    user: User,
) -> None:
    add_site("blog", "blog.example.org", individual=True)
    await open_sites(user, "/admin/sites/blog")
    with session_scope() as session:
        blog = session.get(Site, "blog")
        assert blog is not None
        blog.individual_settings, blog.version = False, blog.version + 1
        session.add(blog)
    fill(user, "field-google-client_id", "blog-client")
    user.find(marker="save-google").click()
    await user.should_see("Someone else changed this meanwhile.", retries=RETRIES)
    assert rows_in("blog") == []


async def test_an_administrator_removed_meanwhile_is_refused(user: User) -> None:
    add_site("blog", "blog.example.org")
    await open_sites(user, "/admin/sites/blog")
    with session_scope() as session:
        administrators = session.exec(select(Group).where(Group.code == "administrators")).one()
        for membership in session.exec(
            select(Membership).where(Membership.group_id == administrators.id)
        ):
            session.delete(membership)
    fill(user, "site-name", "Mine")
    user.find(marker="site-save").click()
    await user.should_see("Only administrators may do this.", retries=RETRIES)
    user.find(marker="individual-settings").click()
    await user.should_see("Only administrators may do this.", retries=RETRIES)
    user.find(marker="site-delete").click()
    user.find(marker="site-delete-confirm").click()
    await user.should_see("Only administrators may do this.", retries=RETRIES)
    blog = site("blog")
    assert blog is not None and blog.name == "Blog" and not blog.individual_settings
    assert audit_actions() == []


async def test_use_cases_refuse_non_administrators(user: User) -> None:
    add_site("blog")
    form = SiteForm(name="X", host_names="", is_default=True)
    with pytest.raises(NotAnAdministratorError):
        create_site("shop", form)
    with pytest.raises(NotAnAdministratorError):
        update_site("blog", form, version=1)
    with pytest.raises(NotAnAdministratorError):
        delete_site("blog", version=1)
    with pytest.raises(NotAnAdministratorError):
        set_individual_settings("blog", True, version=1)
    assert site("shop") is None and site("blog") is not None and audit_actions() == []


async def test_the_default_site_cannot_be_deleted_even_by_calling_the_action(user: User) -> None:
    await open_sites(user, "/admin/sites/s1")
    with user, pytest.raises(SiteFormError):
        delete_site("s1", version=1)
    assert site("s1") is not None and audit_actions() == []
