"""The services editor (/admin/services) and the "Try it" result page, in the simulated
browser; and its use cases called directly."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest
import yaml
from nicegui.testing import User
from sqlmodel import col, select

from admin_app.auth.admin_access import NotAnAdministratorError
from admin_app.core.token_storage import secrets_of
from admin_app.pages.widgets import text_with_links
from admin_app.services.catalogue import site_services
from admin_app.services.config_file import import_configuration
from admin_app.services.service_editing import ServiceChanges, save_service, set_enabled
from models import tried_results
from models.db import session_scope
from models.services import COMMON
from models.tables import (
    AuditEntry,
    ConfiguredService,
    Group,
    LinkedAccount,
    Membership,
    Site,
    TriedResult,
)
from models.users import find_by_login, users_after
from providers import PROVIDERS
from providers.openid import forget_cached_metadata
from tests.support.accounts import RETRIES, add_user, sign_in
from tests.support.admin_pages import everything_on_the_page, fill, open_as_admin, text_of
from tests.support.fakes.openid import FakeOpenIDProvider
from tests.support.service_panels import open_add_form, open_settings

SECRET = "s3cr3t-Value-that-must-never-be-shown"


def row(service_id: str, scope: str = COMMON) -> ConfiguredService | None:
    with session_scope() as session:
        return session.exec(
            select(ConfiguredService).where(
                ConfiguredService.scope == scope, ConfiguredService.service_id == service_id
            )
        ).first()


def audit_entries() -> list[AuditEntry]:
    with session_scope() as session:
        return list(session.exec(select(AuditEntry).order_by(col(AuditEntry.id))))


def card_order(user: User) -> list[str]:
    """The services in the order the page shows them."""
    (services_list,) = user.find(marker="services-list").elements
    return [
        marker.removeprefix("service-")
        for child in services_list.default_slot.children
        for marker in child._markers
        if marker.startswith("service-")
    ]


async def save_odnoklassniki(user: User, secret: str = SECRET) -> None:
    fill(user, "field-odnoklassniki-app_id", "512000000000")
    fill(user, "field-odnoklassniki-public_key", "CBAPUBLIC")
    fill(user, "field-odnoklassniki-secret_key", secret)
    user.find(marker="save-odnoklassniki").click()
    await user.should_see("Odnoklassniki: saved.", retries=RETRIES)


# ------------------------------------------------------------------------ the page


async def test_non_administrator_gets_403(user: User) -> None:
    add_user("alice")
    await sign_in(user, "alice")
    await user.should_see("Login: alice", retries=RETRIES)
    for path in ("/admin/services", "/admin/services/tried"):
        response = await user.http_client.get(path)
        assert response.status_code == 403, path


async def test_the_catalogue_with_help_links_and_redirect_uri(user: User) -> None:
    await open_as_admin(user)
    open_settings(user, "odnoklassniki")
    for title in ("Odnoklassniki", "Yandex", "Google", "Telegram", "Add an OpenID Connect service"):
        await user.should_see(title)
    help_element = next(iter(user.find(marker="help-odnoklassniki").elements))
    assert '<a href="https://ok.ru/devaccess"' in help_element.content  # type: ignore[attr-defined]
    redirect = next(iter(user.find(marker="redirect-odnoklassniki").elements))
    assert redirect.value.endswith("/oauth/odnoklassniki/callback")  # type: ignore[attr-defined]
    # nothing is stored by looking
    assert row("odnoklassniki") is None


def test_help_text_is_escaped_and_its_links_are_ours() -> None:
    html = text_with_links('See https://example.org/a?b=1&c=2. <script>alert("x")</script>\nNext')
    assert '<a href="https://example.org/a?b=1&amp;c=2" target="_blank"' in html
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert html.count("<a ") == 1 and ">https://example.org/a?b=1&amp;c=2</a>." in html


async def test_save_stores_values_and_audits_field_names_only(user: User) -> None:
    await open_as_admin(user)
    open_settings(user, "odnoklassniki")
    await save_odnoklassniki(user)
    stored = row("odnoklassniki")
    assert stored is not None
    assert stored.settings == {"app_id": "512000000000", "public_key": "CBAPUBLIC"}
    assert secrets_of(stored) == {"secret_key": SECRET}
    assert stored.enabled is False and stored.version == 1
    (entry,) = audit_entries()
    assert (entry.action, entry.target, entry.actor_login) == (
        "service.update",
        "odnoklassniki",
        "root",
    )
    assert entry.details == {
        "scope": "common",
        "changed": ["settings.app_id", "settings.public_key", "settings.secret_key"],
    }
    assert SECRET not in repr(entry.details)
    await user.should_see(marker="saved-odnoklassniki-secret_key")


async def test_secret_is_never_in_the_page(user: User) -> None:
    await open_as_admin(user)
    open_settings(user, "odnoklassniki")
    await save_odnoklassniki(user)
    assert SECRET not in everything_on_the_page(user)
    fill(user, "field-odnoklassniki-public_key", "CBACHANGED")  # saved again, secret kept
    user.find(marker="save-odnoklassniki").click()
    await user.should_see("Odnoklassniki: saved.", retries=RETRIES)
    assert SECRET not in everything_on_the_page(user)
    stored = row("odnoklassniki")
    assert stored is not None and secrets_of(stored) == {"secret_key": SECRET}
    assert SECRET not in str(stored.secrets)  # and not in the database either: encrypted
    response = await user.http_client.get("/admin/services")
    assert response.status_code == 200 and SECRET not in response.text
    await user.open("/admin/services")
    open_settings(user, "odnoklassniki")
    await user.should_see(marker="saved-odnoklassniki-secret_key")
    assert SECRET not in everything_on_the_page(user)
    field = next(iter(user.find(marker="field-odnoklassniki-secret_key").elements))
    assert field.value == ""  # type: ignore[attr-defined]


async def test_switching_on_needs_complete_settings(user: User) -> None:
    await open_as_admin(user)
    open_settings(user, "odnoklassniki")
    fill(user, "field-odnoklassniki-app_id", "512000000000")
    user.find(marker="save-odnoklassniki").click()
    await user.should_see("Odnoklassniki: saved.", retries=RETRIES)
    user.find(marker="switch-odnoklassniki").click()
    await user.should_see(
        "Complete the settings of Odnoklassniki before switching it on.", retries=RETRIES
    )
    assert text_of(user, "problem-odnoklassniki-settings.public_key") == "required"
    assert text_of(user, "problem-odnoklassniki-settings.secret_key") == "required"
    switch = next(iter(user.find(marker="switch-odnoklassniki").elements))
    assert switch.value is False  # type: ignore[attr-defined]
    stored = row("odnoklassniki")
    assert stored is not None and stored.enabled is False


async def test_switched_on_service_appears_on_the_sign_in_page_at_once(user: User) -> None:
    await open_as_admin(user)
    open_settings(user, "odnoklassniki")
    await save_odnoklassniki(user)
    user.find(marker="switch-odnoklassniki").click()
    await user.should_see("Odnoklassniki is switched on.", retries=RETRIES)
    assert [s.service_id for s in site_services(offered_only=True)] == ["odnoklassniki"]
    assert [e.action for e in audit_entries()] == ["service.update", "service.enable"]
    # enabled: clearing a required field is refused next to it
    fill(user, "field-odnoklassniki-public_key", "")
    user.find(marker="save-odnoklassniki").click()
    await user.should_see(marker="problem-odnoklassniki-settings.public_key", retries=RETRIES)
    assert text_of(user, "problem-odnoklassniki-settings.public_key") == "required"
    stored = row("odnoklassniki")
    assert stored is not None and stored.settings["public_key"] == "CBAPUBLIC"


async def test_endpoints_are_checked_like_the_import(user: User) -> None:
    await open_as_admin(user)
    open_settings(user, "yandex")
    fill(user, "field-yandex-client_id", "yandex-client")
    fill(user, "endpoint-yandex-token_url", "http://oauth.example.org/token")
    fill(user, "endpoint-yandex-api_url", "https://user:pw@example.org/info")
    fill(user, "endpoint-yandex-authorize_url", "http://127.0.0.1:9000/authorize")
    user.find(marker="save-yandex").click()
    expected = "must be an https:// URL without a user name (http:// only on this machine)"
    await user.should_see(marker="problem-yandex-endpoints.token_url", retries=RETRIES)
    assert text_of(user, "problem-yandex-endpoints.token_url") == expected
    assert text_of(user, "problem-yandex-endpoints.api_url") == expected
    await user.should_not_see(marker="problem-yandex-endpoints.authorize_url")
    assert row("yandex") is None  # nothing saved
    fill(user, "endpoint-yandex-token_url", "https://oauth.example.org/token")
    fill(user, "endpoint-yandex-api_url", "")
    user.find(marker="save-yandex").click()
    await user.should_see("Yandex: saved.", retries=RETRIES)
    stored = row("yandex")
    assert stored is not None and stored.endpoints == {
        "authorize_url": "http://127.0.0.1:9000/authorize",
        "token_url": "https://oauth.example.org/token",
    }


async def test_the_services_own_checks_are_shown_next_to_the_field(user: User) -> None:
    await open_as_admin(user)
    open_settings(user, "telegram")
    fill(user, "field-telegram-bot_username", "example_site_bot")
    fill(user, "field-telegram-bot_token", "not-a-token")
    user.find(marker="save-telegram").click()
    await user.should_see(marker="problem-telegram-settings.bot_token", retries=RETRIES)
    assert text_of(user, "problem-telegram-settings.bot_token") == (
        "not accepted: bot_token is not a bot token"
    )
    assert row("telegram") is None


async def test_a_secret_follows_only_to_the_same_place(user: User) -> None:
    await open_as_admin(user)
    open_settings(user, "odnoklassniki")
    await save_odnoklassniki(user)
    fill(user, "field-odnoklassniki-app_id", "999")  # another application, same secret?
    user.find(marker="save-odnoklassniki").click()
    await user.should_see(marker="problem-odnoklassniki-settings.secret_key", retries=RETRIES)
    stored = row("odnoklassniki")
    assert stored is not None and stored.settings["app_id"] == "512000000000"
    fill(user, "field-odnoklassniki-secret_key", "another secret")
    user.find(marker="save-odnoklassniki").click()
    await user.should_see("Odnoklassniki: saved.", retries=RETRIES)
    stored = row("odnoklassniki")
    assert stored is not None and secrets_of(stored) == {"secret_key": "another secret"}


async def test_a_stale_form_is_refused(user: User) -> None:
    await open_as_admin(user)
    open_settings(user, "odnoklassniki")
    await save_odnoklassniki(user)
    with session_scope() as session:  # another administrator saves meanwhile
        theirs = session.exec(
            select(ConfiguredService).where(ConfiguredService.service_id == "odnoklassniki")
        ).one()
        theirs.settings = {**theirs.settings, "public_key": "THEIRS"}
        theirs.version += 1
        session.add(theirs)
    fill(user, "field-odnoklassniki-public_key", "MINE")
    user.find(marker="save-odnoklassniki").click()
    await user.should_see("Someone else changed this meanwhile.", retries=RETRIES)
    stored = row("odnoklassniki")
    assert stored is not None and stored.settings["public_key"] == "THEIRS"
    user.find(marker="switch-odnoklassniki").click()  # the switch too
    await user.should_see("Someone else changed this meanwhile.", retries=RETRIES)
    stored = row("odnoklassniki")
    assert stored is not None and not stored.enabled
    assert [e.action for e in audit_entries()] == ["service.update"]


async def test_a_stale_first_save_of_a_service_is_refused(user: User) -> None:
    await open_as_admin(user)
    open_settings(user, "yandex")
    with session_scope() as session:  # someone stored Yandex after the page was drawn
        session.add(ConfiguredService(scope=COMMON, service_id="yandex", provider="yandex"))
    fill(user, "field-yandex-client_id", "mine")
    user.find(marker="save-yandex").click()
    await user.should_see("Someone else changed this meanwhile.", retries=RETRIES)
    stored = row("yandex")
    assert stored is not None and stored.settings == {}


async def test_an_administrator_removed_meanwhile_is_refused(user: User) -> None:
    await open_as_admin(user)
    open_settings(user, "odnoklassniki")
    with session_scope() as session:
        administrators = session.exec(select(Group).where(Group.code == "administrators")).one()
        membership = session.exec(
            select(Membership).where(Membership.group_id == administrators.id)
        ).one()
        session.delete(membership)
    fill(user, "field-odnoklassniki-app_id", "512000000000")
    user.find(marker="save-odnoklassniki").click()
    await user.should_see("Only administrators may do this.", retries=RETRIES)
    user.find(marker="switch-odnoklassniki").click()
    await user.should_see("Only administrators may do this.", retries=RETRIES)
    user.find(marker="down-odnoklassniki").click()
    await user.should_see("Only administrators may do this.", retries=RETRIES)
    assert row("odnoklassniki") is None
    assert audit_entries() == []


async def test_use_cases_refuse_without_a_signed_in_administrator(user: User) -> None:
    add_user("alice")
    with pytest.raises(NotAnAdministratorError):
        save_service(COMMON, "yandex", ServiceChanges(settings={"client_id": "x"}), version=None)
    with pytest.raises(NotAnAdministratorError):
        set_enabled(COMMON, "yandex", True, version=None)
    assert row("yandex") is None and audit_entries() == []


async def test_arrows_set_the_order_of_the_sign_in_buttons(user: User) -> None:
    await open_as_admin(user)
    open_settings(user, "yandex", "github", "odnoklassniki")
    await save_odnoklassniki(user)
    user.find(marker="switch-odnoklassniki").click()
    await user.should_see("Odnoklassniki is switched on.", retries=RETRIES)
    fill(user, "field-yandex-client_id", "yandex-client")
    fill(user, "field-yandex-client_secret", "yandex-secret")
    user.find(marker="save-github").click()  # stored (empty): moves up after Odnoklassniki
    await user.should_see("GitHub: saved.", retries=RETRIES)
    assert card_order(user)[:3] == ["odnoklassniki", "github", "yandex"]
    user.find(marker="save-yandex").click()
    await user.should_see("Yandex: saved.", retries=RETRIES)
    user.find(marker="up-github").click()  # GitHub back to the end of the stored ones
    await user.should_see("GitHub moved to place 1.", retries=RETRIES)
    user.find(marker="down-github").click()
    user.find(marker="down-github").click()
    await user.should_see("GitHub moved to place 3.", retries=RETRIES)
    assert card_order(user)[:3] == ["odnoklassniki", "yandex", "github"]
    user.find(marker="switch-yandex").click()
    await user.should_see("Yandex is switched on.", retries=RETRIES)
    assert [s.service_id for s in site_services(offered_only=True)] == ["odnoklassniki", "yandex"]
    user.find(marker="up-yandex").click()
    await user.should_see("Yandex moved to place 1.", retries=RETRIES)
    assert [s.service_id for s in site_services(offered_only=True)] == ["yandex", "odnoklassniki"]
    # the forms go on with the versions the move gave them
    fill(user, "field-odnoklassniki-public_key", "CBANEW")
    user.find(marker="save-odnoklassniki").click()
    await user.should_see("Odnoklassniki: saved.", retries=RETRIES)
    # services never stored move too, and are stored switched off: Google, drawn below
    # the three stored ones and the never-stored ones before it in the catalogue (VK,
    # Mail.ru, ...), goes up one place at a time to place 4
    first = ["yandex", "odnoklassniki", "github"]
    rest = [key for key in PROVIDERS if key not in first]  # catalogue order
    above_google = rest[: rest.index("google")]
    assert above_google[:2] == ["vkontakte", "mailru"]
    for place in range(len(first) + len(above_google), len(first), -1):
        user.find(marker="up-google").click()
        await user.should_see(f"Google moved to place {place}.", retries=RETRIES)
    expected = [*first, "google", *above_google]
    stored = {s.service_id: (s.position, s.enabled) for s in site_services()}
    assert stored == {
        key: (place, key in ("yandex", "odnoklassniki"))
        for place, key in enumerate(expected, start=1)
    }
    assert card_order(user)[: len(expected)] == expected
    await user.open("/admin/services")  # drawn again: the stored order
    open_settings(user, "yandex", "github", "odnoklassniki")
    cards = card_order(user)
    assert cards[: len(expected)] == expected
    remaining = cards[len(expected) :]
    assert remaining[0] == "office365"  # the rest in catalogue order
    assert remaining == sorted(remaining, key=list(PROVIDERS).index)
    entry = audit_entries()[-1]
    assert entry.action == "service.reorder" and entry.details["order"][: len(expected)] == expected


async def test_a_move_based_on_a_stale_order_is_refused(user: User) -> None:
    await open_as_admin(user)
    with session_scope() as session:  # someone stored Yandex first meanwhile
        session.add(
            ConfiguredService(scope=COMMON, service_id="yandex", provider="yandex", position=1)
        )
    user.find(marker="down-odnoklassniki").click()  # would swap with Yandex
    await user.should_see("Someone else changed this meanwhile.", retries=RETRIES)
    assert row("odnoklassniki") is None
    stored = row("yandex")
    assert stored is not None and (stored.position, stored.version) == (1, 1)
    assert audit_entries() == []


async def test_add_and_remove_an_openid_connect_service(user: User) -> None:
    await open_as_admin(user)
    open_add_form(user)
    user.find(marker="add-service-submit").click()
    await user.should_see(marker="problem-add-service_id", retries=RETRIES)
    fill(user, "add-service-id", "google")
    fill(user, "add-service-name", "Staff")
    user.find(marker="add-service-submit").click()
    await user.should_see("'google' is the id of a built-in service", retries=RETRIES)
    fill(user, "add-service-id", "Staff SSO")
    user.find(marker="add-service-submit").click()
    await user.should_see(
        "a service id has 2 to 50 lower-case letters, digits or -", retries=RETRIES
    )
    fill(user, "add-service-id", "staff-sso")
    user.find(marker="add-service-submit").click()
    await user.should_see(marker="service-staff-sso", retries=RETRIES)
    assert card_order(user)[0] == "staff-sso"  # stored services come first
    stored = row("staff-sso")
    assert stored is not None and (stored.provider, stored.name, stored.enabled) == (
        "oidc",
        "Staff",
        False,
    )
    redirect = next(iter(user.find(marker="redirect-staff-sso").elements))
    assert redirect.value.endswith("/oauth/staff-sso/callback")  # type: ignore[attr-defined]
    # switching on needs the issuer too
    fill(user, "field-staff-sso-client_id", "client")
    fill(user, "field-staff-sso-client_secret", "secret")
    user.find(marker="save-staff-sso").click()
    await user.should_see("Staff: saved.", retries=RETRIES)
    user.find(marker="switch-staff-sso").click()
    await user.should_see(marker="problem-staff-sso-endpoints.issuer", retries=RETRIES)
    # the same id again is refused
    fill(user, "add-service-id", "staff-sso")
    fill(user, "add-service-name", "Again")
    user.find(marker="add-service-submit").click()
    await user.should_see("'staff-sso' is taken", retries=RETRIES)
    # removal asks first
    user.find(marker="remove-staff-sso").click()
    await user.should_see("Remove Staff and its settings?", retries=RETRIES)
    user.find(marker="confirm-remove-staff-sso").click()
    await user.should_see("Staff is removed.", retries=RETRIES)
    await user.should_not_see(marker="service-staff-sso")
    assert row("staff-sso") is None
    assert [e.action for e in audit_entries()] == [
        "service.add",
        "service.update",
        "service.remove",
    ]


async def test_an_administrators_name_stays_text(user: User) -> None:
    await open_as_admin(user)
    open_add_form(user)
    name = 'R&D "lab" <b>x</b>'
    fill(user, "add-service-id", "lab")
    fill(user, "add-service-name", name)
    user.find(marker="add-service-submit").click()
    await user.should_see(marker="service-lab", retries=RETRIES)
    switch = next(iter(user.find(marker="switch-lab").elements))
    assert switch.props["aria-label"] == f"{name}: Off"
    up = next(iter(user.find(marker="up-lab").elements))
    assert up.props["aria-label"] == f"Move {name} up"
    await user.should_see(name)  # a label: text, not HTML


async def test_try_it_is_a_form_post_with_csrf_once_settings_are_complete(user: User) -> None:
    await open_as_admin(user)
    open_settings(user, "odnoklassniki")
    form = next(iter(user.find(marker="try-form-odnoklassniki").elements))
    assert form.props["action"] == "/oauth/odnoklassniki/try"
    assert form.props["target"] == "_blank" and form.props["method"] == "post"
    hidden = [child.props for child in form.default_slot.children if child.tag == "input"]
    assert [(props["name"], props["value"] != "") for props in hidden] == [
        ("csrf", True),
        ("scope", True),
    ]
    assert hidden[1]["value"] == "common"
    button = next(iter(user.find(marker="try-odnoklassniki").elements))
    assert not button.enabled  # type: ignore[attr-defined]
    await save_odnoklassniki(user)
    assert button.enabled  # type: ignore[attr-defined]


def keep_tried(login: str, browser: str, profile: dict[str, object]) -> None:
    """What the service's callback keeps for an administrator's "Try it"."""
    with session_scope() as session:
        administrator = find_by_login(session, login)
        assert administrator is not None and administrator.id is not None
        tried_results.keep(session, user_id=administrator.id, browser=browser, profile=profile)


def tried_rows() -> int:
    with session_scope() as session:
        return len(session.exec(select(TriedResult)).all())


async def test_tried_page_shows_the_profile_once(user: User) -> None:
    await open_as_admin(user)
    assert user.client is not None
    browser_id = user.client.request.session["id"]
    keep_tried(
        "root",
        browser_id,
        {
            "service_id": "staff",
            "external_id": "alice-42",
            "login_hint": "alice",
            "first_name": "<b>Alice</b>",
            "last_name": "Liddell",
            "email": None,
            "email_verified": False,
            "picture_url": "https://idp.example.org/alice.png",
            "profile_url": None,
            "scopes": ["openid", "email"],
            "refresh_token": True,
        },
    )
    await user.open("/admin/services/tried")
    await user.should_see("alice-42")
    await user.should_see("<b>Alice</b>")  # text, not HTML
    assert text_of(user, "tried-email") == "no e-mail came"
    assert text_of(user, "tried-scopes") == "openid email"
    assert text_of(user, "tried-refresh_token") == "yes"
    assert tried_rows() == 0
    await user.open("/admin/services/tried")
    await user.should_see(marker="tried-nothing")


# ------------------------------------------------------- issuers and redirect URIs


async def add_staff_sso(user: User, issuer: str) -> None:
    open_add_form(user)
    fill(user, "add-service-id", "staff-sso")
    fill(user, "add-service-name", "Staff")
    user.find(marker="add-service-submit").click()
    await user.should_see(marker="service-staff-sso", retries=RETRIES)
    fill(user, "field-staff-sso-client_id", "client")
    fill(user, "field-staff-sso-client_secret", "secret")
    fill(user, "endpoint-staff-sso-issuer", issuer)
    user.find(marker="save-staff-sso").click()


async def test_an_issuer_stays_with_the_accounts_linked_through_it(user: User) -> None:
    """Subjects are unique per issuer only: with accounts linked, the issuer of their
    service id cannot change, nor can the id be added again for another issuer (only for
    its own)."""
    await open_as_admin(user)
    await add_staff_sso(user, "http://127.0.0.1:9/a")
    await user.should_see("Staff: saved.", retries=RETRIES)
    alice = add_user("alice")
    with session_scope() as session:
        session.add(
            LinkedAccount(
                user_id=alice,
                service_id="staff-sso",
                provider="oidc",
                issuer="http://127.0.0.1:9/a",
                external_id="1",
                site_id="s1",
            )
        )
    fill(user, "endpoint-staff-sso-issuer", "http://127.0.0.1:9/b")
    user.find(marker="save-staff-sso").click()
    await user.should_see(
        "'staff-sso' has linked accounts (1) from the issuer http://127.0.0.1:9/a: its "
        "issuer cannot change to http://127.0.0.1:9/b.",
        retries=RETRIES,
    )
    stored = row("staff-sso")
    assert stored is not None and stored.endpoints == {"issuer": "http://127.0.0.1:9/a"}
    user.find(marker="remove-staff-sso").click()
    user.find(marker="confirm-remove-staff-sso").click()
    await user.should_see("Staff is removed.", retries=RETRIES)
    await add_staff_sso(user, "http://127.0.0.1:9/b")  # the same id, another issuer
    await user.should_see(
        "'staff-sso' has linked accounts (1) from the issuer http://127.0.0.1:9/a",
        retries=RETRIES,
    )
    stored = row("staff-sso")
    assert stored is not None and stored.endpoints == {}
    fill(user, "endpoint-staff-sso-issuer", "http://127.0.0.1:9/a")  # its own issuer
    user.find(marker="save-staff-sso").click()
    await user.should_see("Staff: saved.", retries=RETRIES)


async def test_one_service_id_has_one_issuer_in_every_scope(user: User) -> None:
    with session_scope() as session:
        session.add(
            Site(id="blog", name="Blog", host_names="blog.example.org", individual_settings=True)
        )
        session.add(
            ConfiguredService(
                scope="blog",
                service_id="staff-sso",
                provider="oidc",
                endpoints={"issuer": "http://127.0.0.1:9/blog"},
            )
        )
    await open_as_admin(user)
    await add_staff_sso(user, "http://127.0.0.1:9/shop")
    await user.should_see(
        "Other settings use 'staff-sso' with the issuer http://127.0.0.1:9/blog", retries=RETRIES
    )
    fill(user, "endpoint-staff-sso-issuer", "http://127.0.0.1:9/blog")
    user.find(marker="save-staff-sso").click()
    await user.should_see("Staff: saved.", retries=RETRIES)


async def test_every_site_using_the_settings_shows_its_redirect_uri(user: User) -> None:
    with session_scope() as session:
        session.add(Site(id="blog", name="Blog", host_names="blog.example.org"))
    await open_as_admin(user)
    open_settings(user, "yandex")
    first = next(iter(user.find(marker="redirect-yandex").elements))
    second = next(iter(user.find(marker="redirect-yandex-1").elements))
    assert first.value.endswith("/oauth/yandex/callback")  # type: ignore[attr-defined]
    assert "blog.example.org" not in first.value  # type: ignore[attr-defined]
    assert "//blog.example.org" in second.value  # type: ignore[attr-defined]
    await user.should_see("Register all these redirect URIs at the service, one per site:")
    with session_scope() as session:
        for site in session.exec(select(Site)):
            site.individual_settings = True
            session.add(site)
    await user.open("/admin/services")
    open_settings(user, "yandex")
    await user.should_see(marker="redirect-none-yandex", retries=RETRIES)
    await user.should_not_see(marker="redirect-yandex")


async def test_an_optional_secret_can_be_removed_and_is_dropped_with_notice(user: User) -> None:
    await open_as_admin(user)
    open_settings(user, "vkontakte")
    fill(user, "field-vkontakte-client_id", "51000001")
    fill(user, "field-vkontakte-client_secret", SECRET)
    user.find(marker="save-vkontakte").click()
    await user.should_see("VK ID: saved.", retries=RETRIES)
    stored = row("vkontakte")
    assert stored is not None and secrets_of(stored) == {"client_secret": SECRET}
    user.find(marker="clear-vkontakte-client_secret").click()
    user.find(marker="save-vkontakte").click()
    await user.should_see(marker="field-vkontakte-client_secret")
    await user.should_not_see(marker="saved-vkontakte-client_secret", retries=RETRIES)
    stored = row("vkontakte")
    assert stored is not None and secrets_of(stored) == {}
    # saved again, then the application changes: the optional key is dropped, and said so
    fill(user, "field-vkontakte-client_secret", SECRET)
    user.find(marker="save-vkontakte").click()
    await user.should_see(marker="saved-vkontakte-client_secret", retries=RETRIES)
    fill(user, "field-vkontakte-client_id", "51000002")
    user.find(marker="save-vkontakte").click()
    await user.should_see("the saved value was removed", retries=RETRIES)
    stored = row("vkontakte")
    assert stored is not None and (stored.settings, secrets_of(stored)) == (
        {"client_id": "51000002"},
        {},
    )


async def test_a_real_try_shows_what_the_service_sent_once_and_creates_nobody(
    user: User,
) -> None:
    """The whole "Try it" over HTTP: the administrator's form, a fake OpenID provider, the
    callback, and the page that shows the result (kept in the database in between)."""
    forget_cached_metadata()
    idp = FakeOpenIDProvider(
        client_id="app",
        client_secret="secret",
        profile={"sub": "alice-1", "email": "alice@example.org", "email_verified": True},
    ).start()
    try:
        import_configuration(
            yaml.safe_dump(
                {
                    "services": {
                        "staff": {
                            "provider": "oidc",
                            "enabled": False,  # switched off, yet it can be tried
                            "settings": {"client_id": "app", "client_secret": "secret"},
                            "endpoints": {"issuer": idp.issuer},
                        }
                    }
                }
            )
        )
        await open_as_admin(user)
        open_settings(user, "staff")
        form = next(iter(user.find(marker="try-form-staff").elements))
        fields = {
            child.props["name"]: child.props["value"]
            for child in form.default_slot.children
            if child.tag == "input"
        }
        started = await user.http_client.post("/oauth/staff/try", data=fields)
        async with httpx.AsyncClient() as browser:
            at_provider = await browser.get(started.headers["location"])
        back = urlsplit(at_provider.headers["location"])
        callback = await user.http_client.get(f"{back.path}?{back.query}")
        assert callback.headers["location"] == "/admin/services/tried"
    finally:
        idp.stop()
    await user.open("/admin/services/tried")
    await user.should_see("alice-1")
    assert text_of(user, "tried-email") == "alice@example.org"
    await user.open("/admin/services/tried")
    await user.should_see(marker="tried-nothing")
    with session_scope() as session:
        assert [row.login for row in users_after(session)] == ["root"]
