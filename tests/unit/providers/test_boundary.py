"""The one boundary between a provider's answer and the application, and the identity of
a service's accounts: against the fake OpenID Connect issuer over real HTTP.

The contract (contract.py) checks for every provider that account ids arrive exactly or
are refused, and that names are cut; this module checks the rest of what a hostile or
careless issuer can send, the RFC 9207 ``iss`` rule, and who vouches for account ids.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from providers import PROVIDERS
from providers.base import Provider, ProviderError, ServiceConfig, SignInResult
from providers.oidc import OpenIDConnect
from providers.openid import forget_cached_metadata
from tests.support.fakes.openid import FakeOpenIDProvider
from tests.support.provider_contract import REDIRECT_URI, follow_authorize

SETTINGS = {"client_id": "our-client", "client_secret": "our-secret"}
PROFILE = {
    "sub": "alice",
    "given_name": "Alice",
    "family_name": "Liddell",
    "email": "alice@example.org",
    "email_verified": True,
    "picture": "https://idp.example.org/alice.png",
}


@pytest.fixture
def issuer() -> Iterator[FakeOpenIDProvider]:
    forget_cached_metadata()
    fake = FakeOpenIDProvider(profile=PROFILE, **SETTINGS)
    fake.start()
    yield fake
    fake.stop()


def provider_for(issuer: FakeOpenIDProvider) -> OpenIDConnect:
    return OpenIDConnect(ServiceConfig(settings=SETTINGS, endpoints={"issuer": issuer.issuer}))


async def sign_in(
    issuer: FakeOpenIDProvider, callback_change: dict[str, str | None] | None = None
) -> SignInResult:
    """A whole round trip; ``callback_change`` edits what the browser brings back."""
    provider = provider_for(issuer)
    request = await provider.begin(REDIRECT_URI)
    callback = await follow_authorize(request)
    for key, value in (callback_change or {}).items():
        if value is None:
            callback.pop(key, None)
        else:
            callback[key] = value
    return await provider.finish(request, callback, REDIRECT_URI)


def say(issuer: FakeOpenIDProvider, **claims: Any) -> None:
    """From now on the issuer says ``claims`` about the user (ID token and UserInfo)."""
    issuer.user_profile = {**PROFILE, **claims}


# ------------------------------------------------------------------------ account ids


async def test_an_id_of_255_characters_is_kept_and_256_refused(
    issuer: FakeOpenIDProvider,
) -> None:
    say(issuer, sub="é" * 255)
    assert (await sign_in(issuer)).profile.external_id == "é" * 255
    say(issuer, sub="é" * 256)
    with pytest.raises(ProviderError) as error:
        await sign_in(issuer)
    assert error.value.code == "invalid_id"


async def test_userinfo_about_a_differently_spaced_subject_is_refused(
    issuer: FakeOpenIDProvider,
) -> None:
    """The ID token says "alice", UserInfo "alice ": not the same account."""
    issuer.profile = lambda profile, grant: {**profile, "sub": "alice "}  # type: ignore[method-assign]
    with pytest.raises(ProviderError) as error:
        await sign_in(issuer)
    assert error.value.code == "invalid_response"


# --------------------------------------------------------------------- other values


async def test_an_email_holding_a_nul_arrives_as_none_and_unverified(
    issuer: FakeOpenIDProvider,
) -> None:
    say(issuer, email="alice\x00@example.org", email_verified=True)
    profile = (await sign_in(issuer)).profile
    assert (profile.email, profile.email_verified) == (None, False)


@pytest.mark.parametrize(
    "email",
    ["a" * 250 + "@example.org", "alice @example.org", "no-at-sign"],
    ids=["too-long", "space", "no-at-sign"],
)
async def test_an_email_that_does_not_fit_arrives_as_none(
    issuer: FakeOpenIDProvider, email: str
) -> None:
    say(issuer, email=email)
    profile = (await sign_in(issuer)).profile
    assert (profile.email, profile.email_verified) == (None, False)


@pytest.mark.parametrize(
    "picture",
    ["javascript:alert(1)", "data:image/png;base64,AAAA", "https://x.org/" + "a" * 2000],
    ids=["javascript", "data", "too-long"],
)
async def test_a_picture_that_is_not_a_web_address_is_dropped(
    issuer: FakeOpenIDProvider, picture: str
) -> None:
    say(issuer, picture=picture)
    assert (await sign_in(issuer)).profile.picture_url is None


async def test_names_lose_control_characters(issuer: FakeOpenIDProvider) -> None:
    say(issuer, given_name="Ali\x00ce\x1b[2J", family_name="Lid\ndell", preferred_username="a\x07b")
    profile = (await sign_in(issuer)).profile
    assert (profile.first_name, profile.last_name, profile.login_hint) == (
        "Alice[2J",
        "Lid dell",
        "ab",
    )


async def test_a_login_hint_is_cut_to_its_column(issuer: FakeOpenIDProvider) -> None:
    say(issuer, preferred_username="ж" * 1000)
    assert (await sign_in(issuer)).profile.login_hint == "ж" * 255


def nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {"bottom": True}
    for _ in range(depth):
        value = {"deeper": value}
    return value


def depth_of(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((depth_of(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((depth_of(v) for v in value), default=0)
    return 0


async def test_the_raw_profile_arrives_storable(issuer: FakeOpenIDProvider) -> None:
    """What PostgreSQL refuses in JSON (NUL, lone surrogates, NaN) is gone, keys too, and
    nesting past any use is cut off; the rest is kept for the administrator."""
    odd = {
        "note": "a\x00b",
        "odd": "x\udc00y",
        "ratio": float("nan"),
        "key\x00": "value",
        "nest": nested(100),
        "keep": [1, "two", {"three": 3.0}],
    }
    # in the UserInfo answer (the fake issuer's JWT library cannot sign all of it)
    issuer.profile = lambda profile, grant: {**profile, **odd}  # type: ignore[method-assign]
    raw = (await sign_in(issuer)).profile.raw
    encoded = json.dumps(raw, ensure_ascii=False, allow_nan=False)  # no NaN: or ValueError
    encoded.encode()  # valid UTF-8: no lone surrogates
    assert "\\u0000" not in json.dumps(raw) and "\x00" not in encoded
    assert (raw["note"], raw["odd"], raw["ratio"], raw["key"]) == ("ab", "xy", None, "value")
    assert raw["keep"] == [1, "two", {"three": 3.0}]
    assert 1 < depth_of(raw) <= 20


async def test_a_huge_raw_profile_is_not_kept(issuer: FakeOpenIDProvider) -> None:
    say(issuer, blob="x" * 70_000)
    profile = (await sign_in(issuer)).profile
    assert profile.raw == {}
    assert profile.external_id == "alice"  # the sign-in itself goes on


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x85", "\u2028", "\ud800"])
async def test_a_token_holding_a_control_character_is_refused(
    issuer: FakeOpenIDProvider, char: str
) -> None:
    """C0 and C1 controls, line separators and lone surrogates alike."""
    original = issuer.token_response
    issuer.token_response = lambda access_token, grant: {  # type: ignore[method-assign]
        **original(access_token, grant),
        "refresh_token": f"refresh{char}token",
    }
    with pytest.raises(ProviderError) as error:
        await sign_in(issuer)
    assert error.value.code == "malformed_response"


def test_no_provider_gets_round_the_boundary() -> None:
    """Every result leaves through Provider.finish, which checks it: no provider may
    override it (they override ``complete``)."""
    for provider in PROVIDERS.values():
        for cls in provider.__mro__:
            if cls is not Provider:
                assert "finish" not in vars(cls), f"{cls.__name__} overrides finish"


# --------------------------------------------------------------- RFC 9207: iss


async def test_an_issuer_that_promises_iss_refuses_a_callback_without_it(
    issuer: FakeOpenIDProvider,
) -> None:
    issuer.iss_parameter = True
    with pytest.raises(ProviderError) as error:
        await sign_in(issuer, {"iss": None})
    assert error.value.code == "invalid_response"


async def test_an_issuer_that_promises_iss_signs_in_with_the_right_one(
    issuer: FakeOpenIDProvider,
) -> None:
    issuer.iss_parameter = True
    assert (await sign_in(issuer)).profile.external_id == "alice"
    with pytest.raises(ProviderError) as error:
        await sign_in(issuer, {"iss": "https://evil.example.org"})
    assert error.value.code == "invalid_response"


async def test_an_issuer_that_does_not_promise_iss_needs_none(
    issuer: FakeOpenIDProvider,
) -> None:
    assert (await sign_in(issuer, {"iss": None})).profile.external_id == "alice"


async def test_a_cancelled_sign_in_at_an_iss_issuer_is_still_a_cancel(
    issuer: FakeOpenIDProvider,
) -> None:
    issuer.iss_parameter = True
    issuer.failure = "access_denied"
    with pytest.raises(ProviderError) as error:
        await sign_in(issuer)
    assert error.value.code == "cancelled"
