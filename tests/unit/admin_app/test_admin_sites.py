"""The sites editor (/admin/sites and /admin/sites/{id}) in the simulated browser, and its
use cases called directly."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import yaml
from nicegui import ui
from nicegui.testing import User
from sqlmodel import col, select

from admin_app.auth.admin_access import NotAnAdministratorError
from admin_app.core.token_storage import secrets_of
from admin_app.services import site_editing as site_settings
from admin_app.services.catalogue import site_services
from admin_app.services.config_file import import_configuration
from admin_app.services.site_editing import (
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
from tests.support.accounts import RETRIES, add_user, sign_in
from tests.support.admin_pages import (
    everything_on_the_page,
    fill,
    open_as_admin,
    text_of,
)
from tests.support.disclosures import open_disclosure
from tests.support.service_panels import open_settings


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


def value_of(user: User, marker: str) -> str:
    element = next(iter(user.find(marker=marker).elements))
    return str(getattr(element, "value", ""))


def dialogs(user: User) -> list[ui.dialog]:
    assert user.client is not None
    return [e for e in user.client.elements.values() if isinstance(e, ui.dialog)]


def close_dialogs(user: User) -> None:
    """What the browser reports once a dialog has finished closing."""
    user.find(kind=ui.dialog).trigger("hide")


async def switch_individual_settings_on(user: User) -> None:
    user.find(marker="individual-settings").click()
    await user.should_see(marker="individual-settings-question", retries=RETRIES)
    user.find(marker="individual-settings-confirm").click()


def meanwhile(monkeypatch: pytest.MonkeyPatch, change: Any) -> None:
    """Another administrator's change lands between a use case's check of the form and
    the transaction that writes it."""
    real = site_settings.administrator_action

    @contextmanager
    def action(*args: Any, **kwargs: Any) -> Iterator[Any]:
        change()
        with real(*args, **kwargs) as session:
            yield session

    monkeypatch.setattr(site_settings, "administrator_action", action)


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
    await user.should_not_see(marker="site-id")  # drawn when its section first opens
    open_disclosure(user, "new-site")
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
    open_disclosure(user, "new-site")
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
    await switch_individual_settings_on(user)
    stale = "Someone else changed this meanwhile. Reload the page to see their change."
    for _ in range(RETRIES):
        if user.notify.messages.count(stale) == 2:
            break
        await user.should_see(marker="individual-settings")
    assert user.notify.messages.count(stale) == 2
    assert value_of(user, "individual-settings") == "False"
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
    await switch_individual_settings_on(user)
    await user.should_see(marker="services-list", retries=RETRIES)
    open_settings(user, "google")
    form = next(iter(user.find(marker="try-form-google").elements))
    hidden = {
        child.props["name"]: child.props["value"]
        for child in form.default_slot.children
        if child.tag == "input"
    }
    assert hidden["scope"] == "blog"  # "Try it" runs this site's own settings
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
    open_settings(user, "google")
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
    await switch_individual_settings_on(user)
    user.find(marker="site-delete").click()
    user.find(marker="site-delete-confirm").click()
    refused = "Only administrators may do this."
    for _ in range(RETRIES):
        if user.notify.messages.count(refused) == 3:
            break
        await user.should_see(marker="site-form")
    assert user.notify.messages.count(refused) == 3
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


# ------------------------------------------------ redirect URIs follow the host names


async def test_new_host_names_redraw_the_services_and_say_to_update_redirect_uris(
    user: User,
) -> None:
    add_site("blog", "blog.example.org", individual=True)
    await open_sites(user, "/admin/sites/blog")
    open_settings(user, "google")
    assert value_of(user, "redirect-google") == (
        "http://blog.example.org:8080/oauth/google/callback"
    )
    fill(user, "site-name", "The blog")  # a new name moves no redirect URI
    user.find(marker="site-save").click()
    await user.should_see("Site saved.", retries=RETRIES)
    await user.should_not_see(marker="redirect-uris-changed")
    fill(user, "site-host-names", "www.blog.example.org blog.example.org")
    user.find(marker="site-save").click()
    await user.should_see(marker="redirect-uris-changed", retries=RETRIES)
    notice = (
        "Redirect URIs have changed for: The blog. Update them where the services are "
        "registered at their providers."
    )
    assert text_of(user, "redirect-uris-changed") == notice
    assert notice in user.notify.messages
    # the services part is drawn again: its fields and Copy button give the new URI
    open_settings(user, "google")
    assert value_of(user, "redirect-google") == (
        "http://www.blog.example.org:8080/oauth/google/callback"
    )


async def test_a_new_default_site_moves_the_old_default_sites_redirect_uris_too(
    user: User,
) -> None:
    add_site("blog", "blog.example.org", individual=True)
    with session_scope() as session:
        default = session.get(Site, "s1")
        assert default is not None
        default.host_names = "main.example.org"
        session.add(default)
    await open_sites(user, "/admin/sites/blog")
    user.find(marker="site-default").click()
    user.find(marker="site-save").click()
    await user.should_see(marker="redirect-uris-changed", retries=RETRIES)
    assert text_of(user, "redirect-uris-changed") == (
        "Redirect URIs have changed for: Blog, Default site. Update them where the "
        "services are registered at their providers."
    )
    open_settings(user, "google")
    assert value_of(user, "redirect-google") == "http://127.0.0.1:8080/oauth/google/callback"


# ------------------------------------------- rules checked again where the write is


async def test_a_host_name_given_to_another_site_meanwhile_is_refused(
    user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_site("blog", "blog.example.org")
    await open_sites(user, "/admin/sites/blog")
    meanwhile(monkeypatch, lambda: add_site("shop", "shop.example.org"))
    form = SiteForm(name="Blog", host_names="blog.example.org shop.example.org", is_default=False)
    with user, pytest.raises(SiteFormError) as refused:
        update_site("blog", form, version=1)
    assert [p.text() for p in refused.value.problems["host_names"]] == [
        "'shop.example.org' belongs to site 'shop' too"
    ]
    blog = site("blog")
    assert blog is not None and (blog.host_names, blog.version) == ("blog.example.org", 1)
    assert audit_actions() == []


async def test_a_host_name_taken_meanwhile_refuses_a_new_site(
    user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    await open_sites(user)
    meanwhile(monkeypatch, lambda: add_site("shop", "shop.example.org"))
    form = SiteForm(name="Store", host_names="shop.example.org", is_default=False)
    with user, pytest.raises(SiteFormError) as refused:
        create_site("store", form)
    assert [p.text() for p in refused.value.problems["host_names"]] == [
        "'shop.example.org' belongs to site 'shop' too"
    ]
    assert site("store") is None and audit_actions() == []


async def test_a_site_id_created_meanwhile_is_taken(
    user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    await open_sites(user)
    meanwhile(monkeypatch, lambda: add_site("shop", "theirs.example.org"))
    form = SiteForm(name="Mine", host_names="mine.example.org", is_default=True)
    with user, pytest.raises(SiteFormError) as refused:
        create_site("shop", form)
    assert [p.text() for p in refused.value.problems["id"]] == ["'shop' is taken"]
    theirs, default = site("shop"), site("s1")
    assert theirs is not None and (theirs.name, theirs.host_names) == ("Shop", "theirs.example.org")
    assert default is not None and default.is_default and default.version == 1
    assert audit_actions() == []


async def test_a_site_id_created_meanwhile_is_shown_next_to_the_field(
    user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    await open_sites(user)
    meanwhile(monkeypatch, lambda: add_site("shop"))
    open_disclosure(user, "new-site")
    fill(user, "site-id", "shop")
    fill(user, "site-name", "Mine")
    fill(user, "site-host-names", "mine.example.org")
    user.find(marker="site-create").click()
    await user.should_see(marker="problem-id", retries=RETRIES)
    assert text_of(user, "problem-id") == "'shop' is taken"
    assert audit_actions() == []


# ------------------------------------------------- individual settings, confirmed


async def test_individual_settings_apply_only_once_confirmed(user: User) -> None:
    add_site("blog", "blog.example.org")
    await open_sites(user, "/admin/sites/blog")
    user.find(marker="individual-settings").click()
    await user.should_see(marker="individual-settings-question", retries=RETRIES)
    assert text_of(user, "individual-settings-question") == (
        "Apply individual settings for Blog? Its visitors will then see only the services "
        "configured for this site, and there are none yet: it will offer no sign-in with "
        "external services until you set them up here."
    )
    assert value_of(user, "individual-settings") == "False"  # not yet
    user.find(marker="individual-settings-cancel").click()
    close_dialogs(user)
    await user.should_not_see(marker="individual-settings-question")
    assert value_of(user, "individual-settings") == "False"
    await user.should_see("This site offers the common services:")
    blog = site("blog")
    assert blog is not None and not blog.individual_settings and blog.version == 1
    assert audit_actions() == []
    await switch_individual_settings_on(user)
    await user.should_see("This site now has services of its own.", retries=RETRIES)
    assert value_of(user, "individual-settings") == "True"
    blog = site("blog")
    assert blog is not None and blog.individual_settings
    assert audit_actions() == ["site.individual_settings"]
    # switching off asks nothing
    user.find(marker="individual-settings").click()
    await user.should_see("This site now offers the common services.", retries=RETRIES)
    blog = site("blog")
    assert blog is not None and not blog.individual_settings


async def test_the_question_names_the_services_the_site_already_has(user: User) -> None:
    add_site("blog", "blog.example.org")
    with session_scope() as session:
        session.add(
            ConfiguredService(
                scope="blog",
                service_id="google",
                provider="google",
                enabled=True,
                settings={"client_id": "blog-client"},
                secrets={"client_secret": "blog-secret"},
            )
        )
        session.add(ConfiguredService(scope="blog", service_id="yandex", provider="yandex"))
    await open_sites(user, "/admin/sites/blog")
    user.find(marker="individual-settings").click()
    await user.should_see(marker="individual-settings-question", retries=RETRIES)
    assert text_of(user, "individual-settings-question") == (
        "Apply individual settings for Blog? Its visitors will then see only the services "
        "configured for this site instead of the common ones: Google."
    )


# ---------------------------------------------------------------------- the list


async def test_a_site_without_host_names_is_labelled_as_reached_by_no_address(
    user: User,
) -> None:
    add_site("blog")
    add_site("shop", "shop.example.org")
    await open_sites(user)
    with user.scope(marker="site-blog"):
        await user.should_see("no host names: reached by no address")
        await user.should_not_see("any host")
    with user.scope(marker="site-s1"):  # the default: every host no other site has
        await user.should_see("any host")
    with user.scope(marker="site-shop"):
        await user.should_see("shop.example.org")
        await user.should_not_see("no host names: reached by no address")


# ----------------------------------------------------------------------- dialogs


async def test_closed_dialogs_leave_nothing_behind(user: User) -> None:
    add_site("blog", "blog.example.org")
    await open_sites(user, "/admin/sites/blog")
    for _ in range(2):
        user.find(marker="site-delete").click()
        await user.should_see(marker="site-delete-confirm", retries=RETRIES)
        assert len(dialogs(user)) == 1
        user.find(marker="site-delete-cancel").click()
        close_dialogs(user)
        assert dialogs(user) == []
        user.find(marker="individual-settings").click()
        await user.should_see(marker="individual-settings-question", retries=RETRIES)
        assert len(dialogs(user)) == 1
        user.find(marker="individual-settings-cancel").click()
        close_dialogs(user)
        assert dialogs(user) == []
    assert site("blog") is not None and audit_actions() == []


async def test_individual_settings_may_start_from_a_copy_of_the_common_ones(user: User) -> None:
    import_configuration(
        yaml.safe_dump(
            {
                "services": {
                    "yandex": {
                        "enabled": True,
                        "settings": {"client_id": "common-id", "client_secret": "common-secret"},
                    },
                    "github": {"enabled": False},
                }
            }
        )
    )
    add_site("blog", "blog.example.org")
    await open_sites(user, "/admin/sites/blog")
    user.find(marker="individual-settings").click()
    await user.should_see(marker="individual-settings-start", retries=RETRIES)
    await user.should_see("Start empty")
    choice = next(iter(user.find(marker="individual-settings-start").elements))
    assert choice.value == "keep"  # type: ignore[attr-defined]  # nothing copied unless chosen
    choice.set_value("copy")  # type: ignore[attr-defined]
    user.find(marker="individual-settings-confirm").click()
    await user.should_see("This site now has services of its own.", retries=RETRIES)
    copied = {row.service_id: row for row in rows_in("blog")}
    assert set(copied) == {"yandex", "github"}
    assert secrets_of(copied["yandex"]) == {"client_secret": "common-secret"}
    assert [s.service_id for s in site_services("blog", offered_only=True)] == ["yandex"]
    await user.should_see(marker="service-yandex")
    with session_scope() as session:
        entry = session.exec(select(AuditEntry).order_by(col(AuditEntry.id).desc())).first()
    assert entry is not None and (entry.action, entry.details) == (
        "site.individual_settings",
        {"on": True, "copied_common": True},
    )
    # switched off and on again: its own settings are offered to keep, or to replace
    user.find(marker="individual-settings").click()
    await user.should_see("This site now offers the common services.", retries=RETRIES)
    user.find(marker="individual-settings").click()
    await user.should_see("Keep this site's own settings", retries=RETRIES)
    await user.should_see("Replace them with a copy of the common settings")
