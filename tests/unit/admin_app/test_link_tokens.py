"""A stored token the service refuses as expired is refreshed and the call made once more,
for any service that gave a refresh token (not only the publishers): Odnoklassniki's error
102 ("session expired") and OAuth Mail's ``invalid_token``, against their fakes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from admin_app.activity.link_tokens import LinkToken, current_token, with_token
from admin_app.core import runtime, startup
from admin_app.core.settings import load_settings
from models.db import session_scope
from models.linked_accounts import read_tokens
from models.tables import LinkedAccount
from providers.base import (
    AuthorizationRequest,
    Provider,
    ProviderError,
    ServiceConfig,
    TokenSet,
    provider_errors,
)
from providers.mailru import MailRu
from providers.odnoklassniki import Odnoklassniki
from tests.support.activity_setup import link, person
from tests.support.fakes.mailru import FakeMailRu
from tests.support.fakes.odnoklassniki import FakeOdnoklassniki

OK_SETTINGS = {
    "app_id": "512000384512",
    "public_key": "CBAJLNABCDEFGABCD",
    "secret_key": "9A1B2C3D4E5F60718293A4B5",
}
OK_PROFILE = {"uid": "574380348957", "first_name": "Ivan", "last_name": "Petrov"}


@pytest.fixture
def ok() -> Iterator[FakeOdnoklassniki]:
    fake = FakeOdnoklassniki(
        client_id=OK_SETTINGS["app_id"],
        client_secret=OK_SETTINGS["secret_key"],
        application_key=OK_SETTINGS["public_key"],
        profile=OK_PROFILE,
    ).start()
    yield fake
    fake.stop()


def ok_provider(fake: FakeOdnoklassniki) -> Odnoklassniki:
    return Odnoklassniki(ServiceConfig(settings=OK_SETTINGS, endpoints=fake.endpoints()))


def held(access: str, refresh: str | None) -> LinkToken:
    """Tokens of a link being removed: refreshed, they are used and not stored."""
    return LinkToken(None, access, refresh, None, None)


async def profile_with(provider: Provider, access_token: str) -> str:
    """The account id, read with ``access_token`` as the sign-in reads the profile."""
    with provider_errors("profile"):
        raw = await provider.fetch_profile(TokenSet(access_token), AuthorizationRequest("", ""), {})
    return str(raw.get("uid") or raw.get("id"))


async def test_odnoklassnikis_expired_session_is_refreshed_and_asked_again(
    ok: FakeOdnoklassniki,
) -> None:
    provider = ok_provider(ok)
    access, refresh = ok.issue_token(scope="VALUABLE_ACCESS")
    ok.expire(access)
    with pytest.raises(ProviderError) as error:
        await profile_with(provider, access)
    assert error.value.token_refused  # error 102, in OK's words "session expired"
    uid, used = await with_token(
        provider, held(access, refresh), lambda t: profile_with(provider, t)
    )
    assert uid == OK_PROFILE["uid"]
    assert ok.refreshes == 1 and used.access_token != access


async def test_a_refused_token_without_a_refresh_token_is_the_callers_problem(
    ok: FakeOdnoklassniki,
) -> None:
    provider = ok_provider(ok)
    access, _ = ok.issue_token()
    ok.expire(access)
    with pytest.raises(ProviderError):
        await with_token(provider, held(access, None), lambda t: profile_with(provider, t))
    assert ok.refresh_attempts == 0


async def test_other_failures_are_not_refreshed(ok: FakeOdnoklassniki) -> None:
    provider = ok_provider(ok)
    access, refresh = ok.issue_token()
    ok.failure = "profile_500"
    with pytest.raises(ProviderError):
        await with_token(provider, held(access, refresh), lambda t: profile_with(provider, t))
    assert ok.refresh_attempts == 0


async def test_oauth_mails_invalid_token_is_refreshed_and_asked_again() -> None:
    fake = FakeMailRu(client_id="mail-app", client_secret="mail-secret", profile={"id": "77"})
    fake.start()
    try:
        provider = MailRu(
            ServiceConfig(
                settings={"client_id": "mail-app", "client_secret": "mail-secret"},
                endpoints=fake.endpoints(),
            )
        )
        access, refresh = fake.issue_token(scope="userinfo")
        fake.expire(access)
        uid, _ = await with_token(
            provider, held(access, refresh), lambda t: profile_with(provider, t)
        )
        assert (uid, fake.refreshes) == ("77", 1)
    finally:
        fake.stop()


async def test_a_stored_links_tokens_are_refreshed_and_kept(
    ok: FakeOdnoklassniki, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOCIALSERVICES_DATABASE_URL", database_url)
    startup.prepare(load_settings())
    provider = ok_provider(ok)
    access, refresh = ok.issue_token(scope="VALUABLE_ACCESS")
    link_id = link(person("ivan"), "odnoklassniki", OK_PROFILE["uid"], (access, refresh))
    ok.expire(access)
    uid, used = await with_token(
        provider, current_token(link_id), lambda t: profile_with(provider, t)
    )
    assert uid == OK_PROFILE["uid"]
    with session_scope() as session:
        row = session.get(LinkedAccount, link_id)
        assert row is not None
        stored = read_tokens(runtime.keyring(), row)
    assert stored is not None and stored.access_token == used.access_token != access
    assert stored.refresh_token == used.refresh_token != refresh
