"""A failed "Try it" tells the administrator its cause (the provider's error and
description, a discovery document that could not be read, a client authentication the
issuer does not offer, a refused redirect URI), while a visitor keeps the short message.
The whole round trip over HTTP against the fake OpenID provider."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import yaml
from nicegui.testing import User

from admin_app.services.config_file import import_configuration
from models.db import session_scope
from models.users import users_after
from providers.base import ServiceConfig
from providers.oidc import OpenIDConnect
from providers.openid import forget_cached_metadata
from tests.support.accounts import RETRIES
from tests.support.admin_pages import open_as_admin, text_of
from tests.support.fakes.oauth import Response
from tests.support.fakes.openid import FakeOpenIDProvider
from tests.support.service_panels import open_settings


class OnlyMutualTls(FakeOpenIDProvider):
    """An issuer whose discovery offers only ``tls_client_auth`` at its token endpoint:
    a client authentication this service does not speak."""

    def discovery(self) -> dict[str, Any]:
        return {
            **super().discovery(),
            "token_endpoint_auth_methods_supported": ["tls_client_auth"],
        }


class RefusingTheRedirectUri(FakeOpenIDProvider):
    """An issuer that sends the browser back with an error about the redirect URI."""

    def authorize(self, query: dict[str, str]) -> Response:
        params = {
            "state": query.get("state", ""),
            "error": "invalid_request",
            "error_description": "redirect_uri did not match any of the client's registered",
        }
        return self.return_to_client(query, params)


@pytest.fixture
def idp() -> Iterator[FakeOpenIDProvider]:
    forget_cached_metadata()
    started = FakeOpenIDProvider(
        client_id="app",
        client_secret="secret",
        profile={"sub": "alice-1", "email": "alice@example.org", "email_verified": True},
    ).start()
    yield started
    started.stop()


def configure_staff(issuer: str, *, enabled: bool = False) -> None:
    import_configuration(
        yaml.safe_dump(
            {
                "services": {
                    "staff": {
                        "provider": "oidc",
                        "name": "Staff",
                        "enabled": enabled,
                        "settings": {"client_id": "app", "client_secret": "secret"},
                        "endpoints": {"issuer": issuer},
                    }
                }
            }
        )
    )


async def try_staff(user: User) -> str:
    """Press "Try it" (its form's POST), follow the provider's answer back; returns where
    the callback, or the start, sent the browser."""
    open_settings(user, "staff")
    form = next(iter(user.find(marker="try-form-staff").elements))
    fields = {
        child.props["name"]: child.props["value"]
        for child in form.default_slot.children
        if child.tag == "input"
    }
    started = await user.http_client.post("/oauth/staff/try", data=fields)
    location = started.headers["location"]
    if location.startswith("/"):
        return location
    async with httpx.AsyncClient() as browser:
        at_provider = await browser.get(location)
    back = urlsplit(at_provider.headers["location"])
    callback = await user.http_client.get(f"{back.path}?{back.query}")
    return str(callback.headers["location"])


async def test_an_issuer_offering_no_usable_method_is_named_as_the_cause(user: User) -> None:
    forget_cached_metadata()
    idp = OnlyMutualTls(client_id="app", client_secret="secret", profile={"sub": "alice-1"}).start()
    try:
        configure_staff(idp.issuer)
        await open_as_admin(user)
        assert await try_staff(user) == "/admin/services/tried"
    finally:
        idp.stop()
    await user.open("/admin/services/tried")
    await user.should_see("The sign-in with Staff failed.")
    cause = text_of(user, "tried-cause")
    assert "token_endpoint_auth_methods_supported): tls_client_auth." in cause
    assert "authenticates with: client_secret_basic, client_secret_post, none." in cause
    assert text_of(user, "tried-visitor-message") == (
        "Visitors read: This service is not set up completely. Please tell the administrator."
    )
    with session_scope() as session:
        assert [row.login for row in users_after(session)] == ["root"]


async def test_the_providers_error_and_description_are_shown(
    user: User, idp: FakeOpenIDProvider
) -> None:
    idp.failure = "access_denied"
    configure_staff(idp.issuer)
    await open_as_admin(user)
    assert await try_staff(user) == "/admin/services/tried"
    await user.open("/admin/services/tried")
    assert text_of(user, "tried-error") == "access_denied"
    assert text_of(user, "tried-error_description") == "The user said no"


async def test_a_wrong_secret_names_the_token_endpoints_answer(
    user: User, idp: FakeOpenIDProvider
) -> None:
    idp.client_secret = "another"
    configure_staff(idp.issuer)
    await open_as_admin(user)
    assert await try_staff(user) == "/admin/services/tried"
    await user.open("/admin/services/tried")
    assert text_of(user, "tried-error") == "invalid_client"
    assert text_of(user, "tried-error_description") == "client authentication failed"


async def test_a_discovery_document_that_cannot_be_read_names_its_url(user: User) -> None:
    forget_cached_metadata()
    configure_staff("http://127.0.0.1:9/realms/staff")  # nothing listens on port 9
    await open_as_admin(user)
    assert await try_staff(user) == "/admin/services/tried"
    await user.open("/admin/services/tried")
    cause = text_of(user, "tried-cause")
    assert "http://127.0.0.1:9/realms/staff/.well-known/openid-configuration" in cause


async def test_a_refused_redirect_uri_is_named(user: User) -> None:
    forget_cached_metadata()
    idp = RefusingTheRedirectUri(client_id="app", client_secret="secret", profile={}).start()
    try:
        configure_staff(idp.issuer)
        await open_as_admin(user)
        assert await try_staff(user) == "/admin/services/tried"
    finally:
        idp.stop()
    await user.open("/admin/services/tried")
    cause = text_of(user, "tried-cause")
    assert "/oauth/staff/callback" in cause and "redirect URI" in cause


async def test_a_visitor_keeps_the_short_message(user: User) -> None:
    forget_cached_metadata()
    idp = OnlyMutualTls(client_id="app", client_secret="secret", profile={"sub": "alice-1"}).start()
    try:
        configure_staff(idp.issuer, enabled=True)
        started = await user.http_client.get("/oauth/staff/login")
        async with httpx.AsyncClient() as browser:
            at_provider = await browser.get(started.headers["location"])
        back = urlsplit(at_provider.headers["location"])
        callback = await user.http_client.get(f"{back.path}?{back.query}")
    finally:
        idp.stop()
    await user.open(callback.headers["location"])
    await user.should_see("This service is not set up completely. Please tell the administrator.")
    await user.should_not_see("token_endpoint_auth_methods_supported")


# ------------------------------------------------------------ the discovery document


async def test_saving_reads_the_discovery_document_again(
    user: User, idp: FakeOpenIDProvider
) -> None:
    configure_staff(idp.issuer)
    await open_as_admin(user)
    open_settings(user, "staff")
    user.find(marker="discovery-read-staff").click()
    await user.should_see(marker="discovery-staff-token_endpoint", retries=RETRIES)
    assert text_of(user, "discovery-staff-token_endpoint") == f"{idp.issuer}/token"
    moved = f"{idp.issuer}/token-moved"
    idp.discovery = lambda: {**FakeOpenIDProvider.discovery(idp), "token_endpoint": moved}  # type: ignore[method-assign]
    user.find(marker="save-staff").click()  # read again at once: not the cached document
    await user.should_see("Staff: saved.", retries=RETRIES)
    await user.should_see(moved, retries=RETRIES)
    service = OpenIDConnect(
        ServiceConfig(settings={"client_id": "app"}, endpoints={"issuer": idp.issuer})
    )
    assert await service.token_url() == moved  # and the sign-in uses it


async def test_read_again_says_why_a_document_cannot_be_read(user: User) -> None:
    forget_cached_metadata()
    configure_staff("http://127.0.0.1:9/realms/staff")
    await open_as_admin(user)
    open_settings(user, "staff")
    user.find(marker="discovery-read-staff").click()
    await user.should_see(marker="discovery-problem-staff", retries=RETRIES)
    problem = text_of(user, "discovery-problem-staff")
    assert problem.startswith(
        "http://127.0.0.1:9/realms/staff/.well-known/openid-configuration could not be read:"
    )


async def test_read_again_is_offered_only_where_there_is_a_document(user: User) -> None:
    await open_as_admin(user)
    open_settings(user, "google", "yandex")
    await user.should_see(marker="discovery-read-google")
    await user.should_not_see(marker="discovery-read-yandex")


async def test_read_again_warns_of_an_issuer_that_takes_no_client_secret(user: User) -> None:
    forget_cached_metadata()
    idp = OnlyMutualTls(client_id="app", client_secret="secret", profile={}).start()
    try:
        configure_staff(idp.issuer)
        await open_as_admin(user)
        open_settings(user, "staff")
        user.find(marker="discovery-read-staff").click()
        await user.should_see(marker="discovery-auth-warning-staff", retries=RETRIES)
    finally:
        idp.stop()
    warning = text_of(user, "discovery-auth-warning-staff")
    assert warning.startswith(
        "The issuer offers only these client authentication methods at its token endpoint "
        "(token_endpoint_auth_methods_supported): tls_client_auth."
    )
