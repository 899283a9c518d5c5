"""What every external service has in common, and the OAuth 2.0 authorization-code flow.

A provider module declares data (id, title, settings fields, endpoints, scopes, help) and
overrides only what its protocol does differently: how the profile is read and mapped,
how the client authenticates, extra parameters. It knows nothing of our database or UI:
it receives the administrator's settings and returns an ``ExternalProfile`` and tokens, or
raises one ``ProviderError`` whose code the application turns into a readable message.

Every result leaves through ``Provider.finish``, which no provider overrides: it passes
the profile through one check (``checked_result``) so that the application receives an
account id exactly as the service sent it, or a refusal, and other values that fit their
columns on SQLite and PostgreSQL alike.

Titles and help texts are English message ids marked with ``N_``; the application's
translation layer renders them (Russian lives in the gettext catalogue).
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, final
from urllib.parse import quote

import httpx
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from providers import http as provider_http
from providers.http import http_client
from providers.values import (
    MAX_LOGIN_HINT_LENGTH,
    MAX_NAME_LENGTH,
    email_address,
    holds_unusable,
    identifier_problem,
    origin,
    plain_text,
    quoted,
    scope_list,
    storable,
    web_url,
)
from providers.values import identifier as identifier  # providers map their ids with it


def N_(message: str) -> str:
    """Mark a message for the translation catalogue; it is translated where it is shown."""
    return message


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class SettingField:
    """One value the administrator types in, e.g. the client secret."""

    key: str
    label: str
    secret: bool = False
    required: bool = True
    multiline: bool = False
    default: str = ""
    hint: str = ""
    #: the only values it takes (the editor offers them in a drop-down; empty: any text)
    choices: tuple[str, ...] = ()


MAX_LIFETIME = 10 * 365 * 24 * 3600  # seconds

#: the usual pair for services that call them "Client ID" and "Client secret"
CLIENT_CREDENTIALS = (
    SettingField("client_id", N_("Client ID")),
    SettingField("client_secret", N_("Client secret"), secret=True),
)


@dataclass(frozen=True)
class ServiceConfig:
    """The administrator's settings and endpoint overrides for one service."""

    settings: Mapping[str, str] = field(default_factory=dict)
    endpoints: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AuthorizationRequest:
    """Where to send the browser, and what to remember until it comes back."""

    url: str
    state: str
    nonce: str | None = None
    code_verifier: str | None = None


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str | None = None
    expires_at: datetime | None = None
    scopes: tuple[str, ...] = ()
    id_token: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ExternalProfile:
    """A provider's account in our terms. Strings are data: never rendered as HTML."""

    external_id: str
    login_hint: str = ""
    first_name: str = ""
    last_name: str = ""
    email: str | None = None
    email_verified: bool = False
    picture_url: str | None = None
    profile_url: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SignInResult:
    profile: ExternalProfile
    tokens: TokenSet
    #: for answers that are bearer proofs (Telegram's signed data): a value the application
    #: must accept once only, and until when it could be replayed
    replay_key: str | None = None
    replay_valid_until: datetime | None = None


# ------------------------------------------------------------------------- errors

ERROR_MESSAGES = {
    "cancelled": N_("Sign-in was cancelled at the service."),
    "provider_error": N_("The service refused the sign-in."),
    "invalid_grant": N_("The sign-in has expired or was already used. Please try again."),
    "invalid_response": N_("The answer from the service could not be trusted."),
    "unavailable": N_("The service is not answering right now. Please try again later."),
    "timeout": N_("The service took too long to answer. Please try again later."),
    "malformed_response": N_("The service sent an answer we could not read."),
    "missing_id": N_("The service did not say who you are."),
    "invalid_id": N_(
        "The service gave an account id that cannot be used. Please tell the administrator."
    ),
    "misconfigured": N_("This service is not set up completely. Please tell the administrator."),
}


class ProviderError(Exception):
    """The one error a provider raises; ``code`` is a key of ``ERROR_MESSAGES``.

    ``detail`` is for the log (never shown to visitors: it may quote the provider).
    ``facts`` name the cause for the administrator's "Try it" (never for visitors): the
    service's ``error`` and ``error_description``, the ``discovery_url`` that could not be
    read and the ``problem`` with it, the client authentication methods the issuer
    ``offers`` and those we ``use``.
    """

    def __init__(
        self, code: str, detail: str = "", *, token_refused: bool = False, **facts: str
    ) -> None:
        assert code in ERROR_MESSAGES, code
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail
        #: the service refused the access token as expired or no longer valid (an API's
        #: HTTP 401, Odnoklassniki's error 102): with a refresh token, refreshing and
        #: asking once more may succeed, where any other error would only repeat
        self.token_refused = token_refused
        self.facts = facts

    @property
    def message(self) -> str:
        """The English message id; translate it where it is shown."""
        return ERROR_MESSAGES[self.code]


@contextmanager
def provider_errors(step: str) -> Iterator[None]:
    """Turn whatever the network or a parser throws into one ProviderError."""
    try:
        yield
    except ProviderError:
        raise
    except httpx.TimeoutException as error:
        raise ProviderError("timeout", f"{step}: {type(error).__name__}") from None
    except httpx.HTTPStatusError as error:
        status = error.response.status_code
        code = "unavailable" if status >= 500 else "provider_error"
        raise ProviderError(code, f"{step}: HTTP {status}") from None
    except httpx.HTTPError as error:
        raise ProviderError("unavailable", f"{step}: {type(error).__name__}: {error}") from None
    except (ValueError, KeyError, TypeError) as error:
        raise ProviderError("malformed_response", f"{step}: {error}"[:500]) from None
    except Exception as error:  # whatever else an answer can provoke (RecursionError, ...)
        raise ProviderError("malformed_response", f"{step}: {type(error).__name__}") from None


def json_object(response: httpx.Response) -> dict[str, Any]:
    """The response body as a JSON object, or a ProviderError saying why not."""
    if response.status_code >= 500:
        response.raise_for_status()
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        response.raise_for_status()
        raise ProviderError(
            "malformed_response", f"not a JSON object (HTTP {response.status_code})"
        )
    return body


def refused_token(response: httpx.Response, step: str) -> ProviderError | None:
    """The error for a bearer API's refusal of the access token (RFC 6750, section 3.1:
    HTTP 401, ``invalid_token``), which a refresh may cure; None for any other answer."""
    if response.status_code != 401:
        return None
    return ProviderError("provider_error", f"{step}: HTTP 401", token_refused=True)


class RevocationUnavailable(Exception):
    """The service offers no way to revoke a grant (found only when asked, as when an
    OpenID Connect issuer's discovery document names no ``revocation_endpoint``)."""


def text(value: Any) -> str:
    """A profile value as plain text (numbers become digits, None becomes empty)."""
    if value is None or isinstance(value, dict | list):
        return ""
    return str(value).strip()


# ----------------------------------------------------------------------- the boundary


def checked_result(result: SignInResult) -> SignInResult:
    """A sign-in result as the application may store it: the one check every result
    passes on its way out of a provider (``Provider.finish``)."""
    return replace(result, profile=checked_profile(result.profile))


def checked_profile(profile: ExternalProfile) -> ExternalProfile:
    """The profile with every value fit for its column, or a ProviderError.

    The account id is never altered: one that is empty is ``missing_id``; one that is too
    long or holds a control character or a lone surrogate is ``invalid_id``. Names and
    the login hint lose control characters and are cut to their columns; an e-mail
    address or URL that does not fit or holds anything odd is dropped (an e-mail dropped
    is no longer verified); the raw profile keeps only what both databases can store.
    """
    external_id = profile.external_id
    if not isinstance(external_id, str) or not external_id:
        raise ProviderError("missing_id", "the profile has no id")
    problem = identifier_problem(external_id)
    if problem:
        raise ProviderError(
            "invalid_id", f"the account id {quoted(external_id)} is refused: {problem}"
        )
    email = email_address(profile.email)
    return ExternalProfile(
        external_id=external_id,
        login_hint=plain_text(profile.login_hint, MAX_LOGIN_HINT_LENGTH),
        first_name=plain_text(profile.first_name, MAX_NAME_LENGTH),
        last_name=plain_text(profile.last_name, MAX_NAME_LENGTH),
        email=email,
        email_verified=email is not None and profile.email_verified is True,
        picture_url=web_url(profile.picture_url),
        profile_url=web_url(profile.profile_url),
        raw=storable(profile.raw),
    )


# ----------------------------------------------------------------------- provider


class Provider:
    """An OAuth 2.0 service reached with the authorization-code grant."""

    id: ClassVar[str]
    title: ClassVar[str]
    help: ClassVar[str]
    fields: ClassVar[tuple[SettingField, ...]]
    scopes: ClassVar[tuple[str, ...]] = ()
    scope_separator: ClassVar[str] = " "
    #: default endpoints by key: authorize_url, token_url, api_url (and issuer for OIDC)
    endpoints: ClassVar[Mapping[str, str]]
    pkce: ClassVar[bool] = False
    #: "client_secret_post" or "client_secret_basic" (RFC 6749, 2.3.1)
    token_auth: ClassVar[str] = "client_secret_post"
    #: a service that takes its token request as a GET with the form in the query string
    #: (Bitrix24.Net) rather than RFC 6749's POST
    token_in_query: ClassVar[bool] = False
    #: the token endpoint's ``error`` values that mean a spent, expired or foreign code
    grant_errors: ClassVar[frozenset[str]] = frozenset({"invalid_grant"})
    #: "form_post" when the service returns to the callback with a POST
    response_mode: ClassVar[str | None] = None
    extra_authorize_params: ClassVar[Mapping[str, str]] = {}
    client_id_key: ClassVar[str] = "client_id"
    client_secret_key: ClassVar[str] = "client_secret"
    #: may an administrator add this service several times under their own names?
    multiple: ClassVar[bool] = False
    #: endpoints with no default that the administrator must set
    required_endpoints: ClassVar[tuple[str, ...]] = ()
    #: does the service refuse redirect URIs that are not https? (the editor then warns
    #: about an http:// one)
    https_redirect_only: ClassVar[bool] = False

    #: whether unlinking can ask the service to forget the grant (``revoke``); worked out
    #: for each subclass: True when it has a ``revocation_url`` endpoint or its own
    #: ``revoke`` or ``revocation_endpoint``, unless the subclass sets it itself
    revokes: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "revokes" not in cls.__dict__:
            cls.revokes = (
                "revocation_url" in getattr(cls, "endpoints", {})
                or cls.revoke is not Provider.revoke
                or cls.revocation_endpoint is not Provider.revocation_endpoint
            )

    def __init__(self, config: ServiceConfig) -> None:
        self.config = config

    # -- configuration

    @classmethod
    def endpoint_keys(cls) -> tuple[str, ...]:
        return tuple(cls.endpoints)

    @classmethod
    def identity_issuer(cls, endpoints: Mapping[str, str]) -> str:
        """Who vouches for this service's account ids, given the administrator's endpoint
        overrides: no network call, no secret.

        An account id means something only together with it: the application records it
        on each link and refuses to move a service with linked accounts to another one,
        so that another issuer's "alice" never signs in as this one's.

        OpenID Connect services (those with an ``issuer`` endpoint): the issuer exactly as
        configured (an override, else the default; for a template such as Office 365's
        ``…/{tenant}/v2.0`` the template, since the tenant is part of the account id).
        Plain OAuth services: the origin of the endpoint that answers with the profile
        (``api_url``), which is what names the account.
        """
        if "issuer" in cls.endpoints:
            return endpoints.get("issuer") or cls.endpoints.get("issuer", "")
        return origin(endpoints.get("api_url") or cls.endpoints.get("api_url", ""))

    @classmethod
    def is_complete(cls, values: Mapping[str, str], endpoints: Mapping[str, str]) -> bool:
        """Whether a sign-in could start with these values: every required setting and
        endpoint has one. A service that is not complete is never offered to visitors."""
        return all(values.get(f.key) or f.default for f in cls.fields if f.required) and all(
            endpoints.get(key) for key in cls.required_endpoints
        )

    def setting(self, key: str) -> str:
        value = self.config.settings.get(key, "")
        if not value:
            default = next((f.default for f in self.fields if f.key == key), "")
            value = default
        if not value:
            raise ProviderError("misconfigured", f"setting '{key}' is empty")
        return value

    def endpoint(self, key: str) -> str:
        value = self.config.endpoints.get(key) or self.endpoints.get(key, "")
        if not value:
            raise ProviderError("misconfigured", f"endpoint '{key}' is not set")
        return value

    def configuration_problems(self) -> list[str]:
        """What this service would refuse at sign-in about the settings, found now: the
        config file and the admin pages ask before saving. Empty when all is well."""
        problems = []
        for check in self.configuration_checks():
            try:
                check()
            except ProviderError as error:
                problems.append(error.detail)
        return problems

    def configuration_checks(self) -> list[Callable[[], object]]:
        """Callables that raise ProviderError("misconfigured") for a bad setting."""
        return []

    @property
    def client_id(self) -> str:
        return self.setting(self.client_id_key)

    @property
    def client_secret(self) -> str:
        return self.setting(self.client_secret_key)

    # -- step 1: send the browser to the service

    async def begin(self, redirect_uri: str) -> AuthorizationRequest:
        return self._authorization_request(redirect_uri, await self.authorize_url())

    def begin_at_once(self, redirect_uri: str) -> AuthorizationRequest | None:
        """``begin``'s request, made without waiting when it needs nothing from the
        network (the authorization endpoint configured, or discovered and cached); None
        when it would (``begin`` then fetches what it needs, and says what went wrong).
        The sign-in's start then reads the service and remembers the round trip in one
        transaction instead of two with the wait between them."""
        if type(self).begin is not Provider.begin:  # a flow of its own
            return None
        try:
            url = self.known_authorize_url()
        except ProviderError:
            return None
        return None if url is None else self._authorization_request(redirect_uri, url)

    def known_authorize_url(self) -> str | None:
        """``authorize_url`` when it is known without the network, else None."""
        if type(self).authorize_url is not Provider.authorize_url:
            return None
        return self.endpoint("authorize_url")

    def _authorization_request(self, redirect_uri: str, authorize_url: str) -> AuthorizationRequest:
        state = secrets.token_urlsafe(32)  # 256 bits
        code_verifier = secrets.token_urlsafe(48) if self.pkce else None
        params = dict(self.extra_authorize_params)
        if self.scopes:
            params["scope"] = self.scope_separator.join(self.scopes)
        if code_verifier:
            params["code_challenge"] = create_s256_code_challenge(code_verifier)
            params["code_challenge_method"] = "S256"
        if self.response_mode:
            params["response_mode"] = self.response_mode
        nonce = self.new_nonce()
        if nonce:
            params["nonce"] = nonce
        url = prepare_grant_uri(
            authorize_url,
            client_id=self.client_id,
            response_type="code",
            redirect_uri=redirect_uri,
            state=state,
            **params,
        )
        return AuthorizationRequest(url=url, state=state, nonce=nonce, code_verifier=code_verifier)

    def new_nonce(self) -> str | None:
        """OpenID Connect providers return a nonce; plain OAuth ones have none."""
        return None

    async def authorize_url(self) -> str:
        return self.endpoint("authorize_url")

    # -- step 2: the browser is back

    @classmethod
    def callback_page(cls, callback: Mapping[str, str], *, problem_url: str) -> str | None:
        """A page to serve instead of handling ``callback``, for a protocol whose answer
        reached the browser but not yet our server; None (every service but one): handle it.

        A class method: it is asked before the round trip is looked up, and must not need
        the settings. The page is our own markup, never built from ``callback``'s values;
        ``problem_url`` is where it sends a browser that brought no answer at all.
        """
        return None

    @final
    async def finish(
        self,
        request: AuthorizationRequest,
        callback: Mapping[str, str],
        redirect_uri: str,
    ) -> SignInResult:
        """The sign-in's result, checked at the one boundary (``checked_result``) before
        the application sees it. Providers override ``complete``, never this."""
        return checked_result(await self.complete(request, callback, redirect_uri))

    @staticmethod
    def check_state(request: AuthorizationRequest, callback: Mapping[str, str]) -> None:
        """The callback must carry our state: an answer that does not is nobody's
        business, not even its error message."""
        if not secrets.compare_digest(callback.get("state", "").encode(), request.state.encode()):
            raise ProviderError("invalid_response", "state does not match")

    async def complete(
        self,
        request: AuthorizationRequest,
        callback: Mapping[str, str],
        redirect_uri: str,
    ) -> SignInResult:
        """Check the callback, exchange the code, read and map the profile (the state
        first)."""
        self.check_state(request, callback)
        if callback.get("error"):
            error = callback.get("error", "")
            code = (
                "cancelled"
                if error in {"access_denied", "user_cancelled_login", "user_cancelled_authorize"}
                else "provider_error"
            )
            description = callback.get("error_description", "")
            raise ProviderError(
                code,
                f"callback error={error!r} description={description!r}"[:500],
                error=error[:200],
                error_description=description[:500],
            )
        if not callback.get("code"):
            raise ProviderError("malformed_response", "the callback has no code")
        tokens = await self.exchange_code(request, callback, redirect_uri)
        with provider_errors("profile"):
            raw = await self.fetch_profile(tokens, request, callback)
            profile = self.map_profile(raw)
        return SignInResult(profile=profile, tokens=tokens)

    async def exchange_code(
        self, request: AuthorizationRequest, callback: Mapping[str, str], redirect_uri: str
    ) -> TokenSet:
        form = {
            "grant_type": "authorization_code",
            "code": callback["code"],
            "redirect_uri": redirect_uri,
        }
        if request.code_verifier:
            form["code_verifier"] = request.code_verifier
        return await self.token_request(form)

    async def refresh(self, refresh_token: str) -> TokenSet:
        """New tokens for a refresh token (RFC 6749, section 6). A service that does not
        send a new refresh token lets the old one go on: it is kept."""
        tokens = await self.token_request(
            {"grant_type": "refresh_token", "refresh_token": refresh_token}
        )
        if tokens.refresh_token:
            return tokens
        return TokenSet(
            access_token=tokens.access_token,
            refresh_token=refresh_token,
            expires_at=tokens.expires_at,
            scopes=tokens.scopes,
            raw=tokens.raw,
        )

    async def token_request(self, form: dict[str, str]) -> TokenSet:
        """POST to the token endpoint with this service's client authentication."""
        form, headers = await self.authenticate_client(dict(form))
        with provider_errors("token"):
            url, sent = await self.token_url(), {"Accept": "application/json", **headers}
            response = await (
                provider_http.request("GET", url, params=form, headers=sent)
                if self.token_in_query
                else provider_http.request("POST", url, data=form, headers=sent)
            )
            body = json_object(response)
            if "error" in body:
                raise self.token_error(body)
            response.raise_for_status()
            return self.parse_tokens(body)

    def token_error(self, body: Mapping[str, Any]) -> ProviderError:
        """The error for a token response carrying ``error`` (RFC 6749, section 5.2).

        A spent, expired or foreign code is ``invalid_grant`` (a service that names it
        otherwise says so in ``grant_errors``).
        """
        error = text(body.get("error"))
        description = text(body.get("error_description"))
        code = "invalid_grant" if error in self.grant_errors else "provider_error"
        return ProviderError(
            code,
            f"token error={error!r} description={description!r}",
            error=error[:200],
            error_description=description[:500],
        )

    async def token_url(self) -> str:
        return self.endpoint("token_url")

    async def authenticate_client(
        self, form: dict[str, str]
    ) -> tuple[dict[str, str], dict[str, str]]:
        """Add the client credentials to a token request (RFC 6749, section 2.3.1)."""
        if self.token_auth == "client_secret_basic":
            pair = f"{quote(self.client_id, safe='')}:{quote(self.client_secret, safe='')}"
            return form, {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}
        form["client_id"] = self.client_id
        form["client_secret"] = self.client_secret
        return form, {}

    # -- unlinking: the service forgets the grant

    async def revocation_endpoint(self) -> str | None:
        """Where RFC 7009 revocation requests go: the ``revocation_url`` endpoint (an
        override, else the default); None when there is none. A service that learns it
        at run time (an OpenID Connect issuer's discovery document) overrides this."""
        return self.config.endpoints.get("revocation_url") or self.endpoints.get("revocation_url")

    async def revoke(self, tokens: TokenSet) -> None:
        """Ask the service to forget the grant behind ``tokens``, so that nothing stays
        authorised behind a link that is removed (RFC 7009).

        The refresh token is sent when there is one: revoking it ends the whole grant
        (RFC 7009, section 2.1), where an access token may end only itself. A service
        that does not take that type of token (``unsupported_token_type``) is asked with
        the access token. HTTP 200 is success (also for a token the service had already
        forgotten, section 2.2); anything else raises ProviderError. A service without
        such an endpoint raises RevocationUnavailable; one with its own method overrides
        this.
        """
        url = await self.revocation_endpoint()
        if not url:
            raise RevocationUnavailable(self.id)
        kinds = [("refresh_token", tokens.refresh_token), ("access_token", tokens.access_token)]
        sent = [(hint, token) for hint, token in kinds if token]
        for position, (hint, token) in enumerate(sent):
            form, headers = await self.authenticate_client(
                {"token": token, "token_type_hint": hint}
            )
            with provider_errors("revoke"):
                async with http_client() as http:
                    response = await http.post(
                        url, data=form, headers={"Accept": "application/json", **headers}
                    )
                if response.status_code == 200:
                    return
                error = self.revocation_error(response)
                if error.facts.get("error") != "unsupported_token_type" or position + 1 == len(
                    sent
                ):
                    raise error

    def revocation_error(self, response: httpx.Response) -> ProviderError:
        """The error for a revocation request the service did not answer with HTTP 200."""
        if response.status_code >= 500:
            return ProviderError("unavailable", f"revoke: HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return ProviderError("provider_error", f"revoke: HTTP {response.status_code}")
        error, description = text(body.get("error")), text(body.get("error_description"))
        return ProviderError(
            "provider_error",
            f"revoke: HTTP {response.status_code} error={error!r} description={description!r}",
            error=error[:200],
            error_description=description[:500],
        )

    def parse_tokens(self, body: Mapping[str, Any]) -> TokenSet:
        access_token = text(body.get("access_token"))
        if not access_token:
            raise ProviderError("malformed_response", "the token response has no access_token")
        for name in ("access_token", "refresh_token", "id_token"):  # stored, or sent on
            if holds_unusable(text(body.get(name))):
                raise ProviderError("malformed_response", f"the {name} holds a control character")
        expires_in = body.get("expires_in")
        expires_at = (
            # clamped: a lifetime past ten years is as good as none, and would overflow
            datetime.now(UTC) + timedelta(seconds=min(max(int(float(expires_in)), 0), MAX_LIFETIME))
            if expires_in not in (None, "", 0, "0")
            else None
        )
        scope = body.get("scope")
        granted = scope_list(
            tuple(s for s in str(scope).replace(",", " ").split() if s) if scope else self.scopes
        )
        return TokenSet(
            access_token=access_token,
            refresh_token=text(body.get("refresh_token")) or None,
            expires_at=expires_at,
            scopes=granted,
            id_token=text(body.get("id_token")) or None,
            raw=dict(body),
        )

    async def fetch_profile(
        self, tokens: TokenSet, request: AuthorizationRequest, callback: Mapping[str, str]
    ) -> dict[str, Any]:
        """The raw profile; by default a GET of ``api_url`` with the bearer token."""
        return await self.get_json(self.endpoint("api_url"), token=tokens.access_token)

    async def get_json(
        self,
        url: str,
        *,
        token: str | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        error_in_body: Callable[[Mapping[str, Any]], ProviderError] | None = None,
        http: httpx.AsyncClient | None = None,
    ) -> dict[str, Any]:
        """The JSON object a GET of ``url`` answers: the one way services' APIs are read,
        so that every answer is judged alike (``json_object``, then the HTTP status).

        ``token`` is sent as a bearer token (RFC 6750); ``headers`` add to ours or replace
        them, for services that want another scheme or media type. Services that name
        their errors in an ``error`` member, whatever the status, say with
        ``error_in_body`` which error that is. Other failures leave as httpx's errors,
        which the step's ``provider_errors`` turns into codes. ``http``: the exchange's
        client, when the caller asks more of the service in the same exchange. An HTTP 401
        to a request with ``token`` is a refused token (``token_refused``: a refresh may
        cure it), unless ``error_in_body`` names the error.
        """
        sent = {"Accept": "application/json"}
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        sent.update(headers or {})
        if http is None:  # a request on its own: no client needed
            response = await provider_http.request("GET", url, params=params, headers=sent)
        else:
            response = await http.get(url, params=params, headers=sent)
        refused = refused_token(response, "api") if token is not None else None
        if refused is not None and error_in_body is None:
            raise refused
        try:
            body = json_object(response)
        except (httpx.HTTPStatusError, ProviderError):
            if refused is None:
                raise
            raise refused from None
        if error_in_body is not None and "error" in body:
            raise error_in_body(body)
        if refused is not None:
            raise refused
        response.raise_for_status()
        return body

    def map_profile(self, raw: Mapping[str, Any]) -> ExternalProfile:
        raise NotImplementedError
