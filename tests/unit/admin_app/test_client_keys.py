"""A generic OpenID Connect service's key for private_key_jwt: made when the
administrator chooses that method (or presses "Create a key"), stored sealed with the
other secrets, its public half shown in the settings and served at the JWKS URL; the
private key never reaches the page."""

from __future__ import annotations

import json

import yaml
from nicegui.testing import User

from admin_app.core.token_storage import secrets_of
from admin_app.services.client_keys import jwks_path
from admin_app.services.config_file import import_configuration
from models.db import session_scope
from models.services import COMMON, find_config
from providers.client_assertion import public_jwks
from tests.support.accounts import RETRIES
from tests.support.admin_pages import (
    choose,
    everything_on_the_page,
    fill,
    open_as_admin,
    text_of,
)
from tests.support.service_panels import open_settings

ISSUER = "https://idp.example.org"


def configure_staff(**settings: str) -> None:
    service = {
        "provider": "oidc",
        "name": "Staff",
        "settings": {"client_id": "app", **settings},
        "endpoints": {"issuer": ISSUER},
    }
    import_configuration(yaml.safe_dump({"services": {"staff": service}}))


def stored_key() -> str:
    with session_scope() as session:
        row = find_config(session, COMMON, "staff")
        assert row is not None
        return secrets_of(row).get("client_key", "")


def value_of(user: User, marker: str) -> str:
    element = next(iter(user.find(marker=marker).elements))
    return str(element.value)  # type: ignore[attr-defined]


async def test_choosing_private_key_jwt_makes_a_key_and_shows_its_public_half(
    user: User,
) -> None:
    configure_staff()
    await open_as_admin(user)
    open_settings(user, "staff")
    await user.should_see(marker="client-key-create-staff")
    choose(user, "field-staff-client_auth", "private_key_jwt")
    user.find(marker="save-staff").click()
    await user.should_see("Staff: saved.", retries=RETRIES)
    await user.should_see(marker="client-key-jwks-staff", retries=RETRIES)
    key = stored_key()
    assert key.startswith("-----BEGIN PRIVATE KEY-----")
    jwks_url = value_of(user, "client-key-jwks-staff")
    assert jwks_url.endswith("/oidc-client/common/staff/jwks.json")
    assert json.loads(value_of(user, "client-key-jwk-staff")) == public_jwks(key)["keys"][0]
    served = await user.http_client.get(jwks_path(COMMON, "staff"))
    assert served.status_code == 200
    assert served.json() == public_jwks(key)
    page = everything_on_the_page(user)
    private_part = key.splitlines()[2]
    assert private_part not in page and '"d"' not in page


async def test_saving_again_keeps_the_key(user: User) -> None:
    configure_staff()
    await open_as_admin(user)
    open_settings(user, "staff")
    choose(user, "field-staff-client_auth", "private_key_jwt")
    user.find(marker="save-staff").click()
    await user.should_see(marker="client-key-jwks-staff", retries=RETRIES)
    first = stored_key()
    fill(user, "name-staff", "Staff sign-in")
    user.find(marker="save-staff").click()
    await user.should_see("Staff sign-in: saved.", retries=RETRIES)
    assert stored_key() == first


async def test_create_a_key_while_automatic(user: User) -> None:
    configure_staff(client_secret="secret")
    await open_as_admin(user)
    open_settings(user, "staff")
    user.find(marker="client-key-create-staff").click()
    await user.should_see(marker="client-key-jwks-staff", retries=RETRIES)
    assert stored_key()
    with session_scope() as session:
        row = find_config(session, COMMON, "staff")
        assert row is not None and secrets_of(row)["client_secret"] == "secret"
    fill(user, "name-staff", "Staff sign-in")  # the form claims the version the key made
    user.find(marker="save-staff").click()
    await user.should_see("Staff sign-in: saved.", retries=RETRIES)


async def test_no_key_no_jwks(user: User) -> None:
    configure_staff(client_secret="secret")
    for path in (
        jwks_path(COMMON, "staff"),
        jwks_path(COMMON, "nobody"),
        "/oidc-client/x/y/jwks.json",
    ):
        assert (await user.http_client.get(path)).status_code == 404


async def test_a_method_that_needs_a_secret_is_incomplete_without_one(user: User) -> None:
    configure_staff()
    await open_as_admin(user)
    open_settings(user, "staff")
    assert text_of(user, "configured-staff") == "Settings complete"  # a public client may do
    choose(user, "field-staff-client_auth", "client_secret_post")
    user.find(marker="save-staff").click()
    await user.should_see("Staff: saved.", retries=RETRIES)
    assert text_of(user, "configured-staff") == "Settings incomplete"
    assert next(iter(user.find(marker="try-staff").elements)).enabled is False


async def test_client_authentication_is_chosen_from_a_drop_down(user: User) -> None:
    configure_staff()
    await open_as_admin(user)
    open_settings(user, "staff")
    field = next(iter(user.find(marker="field-staff-client_auth").elements))
    assert field.options == [  # type: ignore[attr-defined]
        "automatic",
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
        "none",
    ]
    assert value_of(user, "field-staff-client_auth") == "automatic"  # the default, unsaved
    fill(user, "name-staff", "Staff sign-in")
    user.find(marker="save-staff").click()
    await user.should_see("Staff sign-in: saved.", retries=RETRIES)
    with session_scope() as session:
        row = find_config(session, COMMON, "staff")
        assert row is not None
        assert row.settings.get("client_auth", "") == ""  # still the default
    choose(user, "field-staff-client_auth", "none")
    user.find(marker="save-staff").click()
    await user.should_see("Staff sign-in: saved.", retries=RETRIES)
    with session_scope() as session:
        row = find_config(session, COMMON, "staff")
        assert row is not None
        assert row.settings["client_auth"] == "none"
