"""The editor's "Read again" for a generic OpenID Connect service: an issuer that takes
only public clients is no longer a problem, one without a discovery document is not read,
and one whose methods the settings cannot meet is named with what they could use."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from nicegui.testing import User

from admin_app.pages.admin import service_editor
from admin_app.services import discovery
from admin_app.services.config_file import import_configuration
from providers.openid import forget_cached_metadata
from tests.support.accounts import RETRIES
from tests.support.admin_pages import open_as_admin, text_of
from tests.support.fakes.openid import FakeOpenIDProvider
from tests.support.service_panels import open_settings


class Offering(FakeOpenIDProvider):
    """An issuer whose discovery offers ``offered`` at its token endpoint."""

    offered: list[str] = []
    reads = 0

    def discovery(self) -> dict[str, Any]:
        type(self).reads += 1
        return {**super().discovery(), "token_endpoint_auth_methods_supported": self.offered}


@pytest.fixture
def idp() -> Iterator[Offering]:
    forget_cached_metadata()
    Offering.reads = 0
    started = Offering(client_id="app", client_secret="secret", profile={}).start()
    yield started
    started.stop()


def configure_staff(endpoints: dict[str, str], **settings: str) -> None:
    service = {
        "provider": "oidc",
        "name": "Staff",
        "settings": {"client_id": "app", **settings},
        "endpoints": endpoints,
    }
    import_configuration(yaml.safe_dump({"services": {"staff": service}}))


async def read_again(user: User) -> None:
    await open_as_admin(user)
    open_settings(user, "staff")
    user.find(marker="discovery-read-staff").click()


async def test_an_issuer_taking_only_public_clients_is_no_problem(
    user: User, idp: Offering
) -> None:
    idp.offered = ["none"]
    configure_staff({"issuer": idp.issuer})
    await read_again(user)
    await user.should_see(
        marker="discovery-staff-token_endpoint_auth_methods_supported", retries=RETRIES
    )
    await user.should_not_see(marker="discovery-auth-warning-staff")


async def test_methods_the_settings_cannot_meet_are_named_with_what_they_could_use(
    user: User, idp: Offering
) -> None:
    idp.offered = ["private_key_jwt"]
    configure_staff({"issuer": idp.issuer}, client_secret="secret")
    await read_again(user)
    await user.should_see(marker="discovery-auth-warning-staff", retries=RETRIES)
    warning = text_of(user, "discovery-auth-warning-staff")
    assert "(token_endpoint_auth_methods_supported): private_key_jwt." in warning
    assert "authenticates with: client_secret_basic, client_secret_post, none." in warning


async def test_an_issuer_configured_by_its_endpoints_is_not_read(
    user: User, idp: Offering, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure_staff(
        {
            "issuer": idp.issuer,
            "authorize_url": idp.url(idp.authorize_path),
            "token_url": idp.url(idp.token_path),
            "jwks_uri": idp.url("/jwks"),
        },
        client_secret="secret",
    )
    reports: list[object] = []

    async def recorded(scope: str, service_id: str) -> object:
        reports.append(await discovery.read_again(scope, service_id))
        return reports[-1]

    monkeypatch.setattr(service_editor, "read_again", recorded)
    await read_again(user)
    for _ in range(50):
        if reports:
            break
        await asyncio.sleep(0.05)
    assert reports == [None]  # nothing to show, nothing read
    assert Offering.reads == 0
