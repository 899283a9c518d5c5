"""Telegram, through the Telegram Login Widget's signed data: no OAuth, no tokens.

The browser goes to oauth.telegram.org, the user confirms in Telegram, and Telegram sends
the browser back to us with the user's data (``id``, ``first_name``, ``last_name``,
``username``, ``photo_url``, ``auth_date``) and ``hash``, an HMAC-SHA-256 of that data keyed
with SHA-256 of the bot token (https://core.telegram.org/widgets/login-legacy). We check the hash
and the age of ``auth_date`` ourselves; no request goes from our server to Telegram.

The data comes back in one of two documented shapes, both accepted by ``finish()``: as query
parameters (the widget's ``data-auth-url`` form), or as ``tgAuthResult``, the base64url JSON
that oauth.telegram.org puts in the return URL's #fragment, which the callback page forwards
to the server as a parameter because browsers do not send fragments.

CSRF: Telegram echoes no ``state``. We put ours in the return URL as a query parameter
(Telegram keeps the return URL's query) and compare it before looking at anything else.
Telegram does not tie its signature to that state, so the signed data is a bearer proof
until it is ``max_auth_age`` old: it is accepted for ten minutes, and the sign-in result
carries its hash as a replay key that the application accepts once only.

(Telegram now also offers "Log In With Telegram" over OpenID Connect,
https://core.telegram.org/bots/telegram-login; this module is the Login Widget.)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import urlencode, urlsplit

from providers.base import (
    N_,
    AuthorizationRequest,
    ExternalProfile,
    Provider,
    ProviderError,
    SettingField,
    SignInResult,
    TokenSet,
    identifier,
    provider_errors,
    text,
)

BOT_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")

#: the redirect flow's signed data arrives in the return URL's #fragment, which browsers
#: never send to a server: this page moves it into the query, once (``%s``: where a
#: browser that brought none goes, as a script string)
FRAGMENT_TO_QUERY = """<!doctype html><meta charset="utf-8"><title>…</title><script>
var m = /[#&]tgAuthResult=([^&]*)/.exec(location.hash);
if (m) { location.replace(location.pathname + location.search
  + (location.search ? "&" : "?") + "tgAuthResult=" + m[1]); }
else { location.replace(%s); }
</script>"""


class Telegram(Provider):
    id = "telegram"
    title = N_("Telegram")
    # Only the page the browser is sent to: Telegram has no token endpoint and no profile
    # API for a site; the signed data that comes back IS the profile.
    endpoints: ClassVar[Mapping[str, str]] = {"authorize_url": "https://oauth.telegram.org/auth"}
    #: ask the user to let the bot write to them (Telegram's "request_access")
    extra_authorize_params: ClassVar[Mapping[str, str]] = {"request_access": "write"}
    client_id_key = "bot_username"
    client_secret_key = "bot_token"
    #: signed data older than this many seconds is refused (Telegram says: check auth_date)
    max_auth_age: ClassVar[int] = 600
    #: how far in the future ``auth_date`` may be (clocks differ a little)
    clock_leeway: ClassVar[int] = 300

    fields = (
        SettingField(
            "bot_username", N_("Bot username"), hint=N_("Without the @, e.g. example_site_bot.")
        ),
        SettingField(
            "bot_token",
            N_("Bot token"),
            secret=True,
            hint=N_("The token @BotFather gave you, e.g. 123456789:AAE..."),
        ),
    )
    help = N_(
        "Telegram signs visitors in through a bot of yours.\n\n"
        "1. In Telegram, open @BotFather (https://t.me/BotFather), send /newbot and follow its "
        "questions. Users see the bot's name and picture when they sign in, so give it your "
        "site's name and logo (/setname, /setuserpic).\n"
        "2. @BotFather answers with the bot token: copy it and the bot's username (without the "
        "@) here. Keep the token secret; /revoke in @BotFather replaces it.\n"
        "3. Send /setdomain to @BotFather, choose the bot and send your site's domain: the host "
        "of the redirect URI shown below (e.g. sso.example.org). Telegram signs visitors in "
        "only on that domain and sends them back to the redirect URI.\n\n"
        "Telegram gives no e-mail address.\n\n"
        "Documentation: https://core.telegram.org/widgets/login-legacy"
    )

    # -- configuration

    @classmethod
    def identity_issuer(cls, endpoints: Mapping[str, str]) -> str:
        """Telegram itself, whatever the settings: always ``https://telegram.org``.

        The ids are Telegram's own user ids, the same whichever bot asks, and what
        vouches for them is the hash made with the bot token, checked here; no endpoint
        answers for them, so an override of ``authorize_url`` (where the browser is sent)
        changes nothing. The bot token is a secret and the bot's id would only tell bots
        apart, which see the same user ids: neither is part of it.
        """
        return "https://telegram.org"

    def configuration_checks(self) -> list[Callable[[], object]]:
        return [lambda: self.bot_username, lambda: self.bot_id]

    @property
    def bot_username(self) -> str:
        """The bot's username, for the Login Widget's ``data-telegram-login``."""
        username = self.setting("bot_username").strip().removeprefix("@")
        if not BOT_USERNAME.fullmatch(username) or not username.lower().endswith("bot"):
            raise ProviderError("misconfigured", "bot_username is not a bot's username")
        return username

    @property
    def bot_id(self) -> str:
        """The numeric bot id: the part of the token before the colon."""
        bot_id, colon, rest = self.setting("bot_token").strip().partition(":")
        if not (bot_id.isascii() and bot_id.isdigit()) or not colon or not rest:
            raise ProviderError("misconfigured", "bot_token is not a bot token")
        return bot_id

    # -- step 1: send the browser to Telegram

    async def begin(self, redirect_uri: str) -> AuthorizationRequest:
        _ = self.bot_username  # refuse a half-configured service before the round trip
        state = secrets.token_urlsafe(24)
        parts = urlsplit(redirect_uri)
        separator = "&" if parts.query else "?"
        params = {
            "bot_id": self.bot_id,
            "origin": f"{parts.scheme}://{parts.netloc}",
            "return_to": f"{redirect_uri}{separator}{urlencode({'state': state})}",
            **self.extra_authorize_params,
        }
        url = f"{await self.authorize_url()}?{urlencode(params)}"
        return AuthorizationRequest(url=url, state=state)

    # -- step 2: the browser is back with the signed data

    @classmethod
    def callback_page(cls, callback: Mapping[str, str], *, problem_url: str) -> str | None:
        """The page that forwards the fragment, while the query holds no signed data
        (``problem_url`` escaped so that nothing in it could end the script)."""
        if "hash" in callback or "tgAuthResult" in callback:
            return None
        return FRAGMENT_TO_QUERY % json.dumps(problem_url).replace("<", "\\u003c")

    async def complete(
        self,
        request: AuthorizationRequest,
        callback: Mapping[str, str],
        redirect_uri: str,
    ) -> SignInResult:
        self.check_state(request, callback)
        data = self.signed_data(callback)
        self.verify(data)
        with provider_errors("profile"):
            profile = self.map_profile(data)
        signed_at = datetime.fromtimestamp(int(data["auth_date"]), UTC)
        return SignInResult(
            profile=profile,
            tokens=no_tokens(),
            replay_key=f"telegram:{data['hash']}",
            replay_valid_until=signed_at + timedelta(seconds=self.max_auth_age + self.clock_leeway),
        )

    def signed_data(self, callback: Mapping[str, str]) -> dict[str, str]:
        """What Telegram signed, as strings: every received field except our ``state``."""
        encoded = callback.get("tgAuthResult")
        if encoded is None:
            return {k: v for k, v in callback.items() if k != "state"}
        with provider_errors("tgAuthResult"):
            padded = encoded + "=" * (-len(encoded) % 4)
            decoded = json.loads(base64.urlsafe_b64decode(padded.encode()))
            if not isinstance(decoded, dict):
                raise ValueError("tgAuthResult is not a JSON object")
            data: dict[str, str] = {}
            for key, value in decoded.items():
                if isinstance(value, bool) or not isinstance(value, str | int):
                    raise ValueError(f"tgAuthResult has an unexpected {key!r}")
                data[str(key)] = str(value)
        return data

    def verify(self, data: Mapping[str, str]) -> None:
        """Telegram's check: the hash first, then the age of ``auth_date``."""
        received = data.get("hash", "")
        if not received:
            raise ProviderError("invalid_response", "the data is not signed")
        if not secrets.compare_digest(
            data_hash(data, self.setting("bot_token").strip()).encode(), received.lower().encode()
        ):
            raise ProviderError("invalid_response", "the hash does not match the data")
        auth_date = data.get("auth_date", "")
        if not (auth_date.isascii() and auth_date.isdigit()):
            raise ProviderError("invalid_response", "the data has no auth_date")
        age = self.now() - int(auth_date)
        if age > self.max_auth_age or age < -self.clock_leeway:
            raise ProviderError("invalid_response", f"auth_date is {int(age)} s old")

    @staticmethod
    def now() -> float:
        return time.time()

    def map_profile(self, raw: Mapping[str, Any]) -> ExternalProfile:
        username = text(raw.get("username"))
        return ExternalProfile(
            external_id=identifier(raw.get("id")),
            login_hint=username,
            first_name=text(raw.get("first_name")),
            last_name=text(raw.get("last_name")),
            email=None,  # Telegram never gives one
            picture_url=text(raw.get("photo_url")) or None,
            profile_url=f"https://t.me/{username}" if username else None,
            raw={k: v for k, v in raw.items() if k != "hash"},
        )


def data_hash(data: Mapping[str, str], bot_token: str) -> str:
    """hex(HMAC-SHA-256(data-check-string, SHA-256(bot token))), as Telegram computes it."""
    check_string = "\n".join(f"{k}={v}" for k, v in sorted(data.items()) if k != "hash")
    secret_key = hashlib.sha256(bot_token.encode()).digest()
    return hmac.new(secret_key, check_string.encode(), hashlib.sha256).hexdigest()


def no_tokens() -> TokenSet:
    """Telegram issues no token: nothing to call later, nothing to refresh.

    ``TokenSet`` wants an access token, so it is the empty string; read it as "none".
    """
    return TokenSet(access_token="")
