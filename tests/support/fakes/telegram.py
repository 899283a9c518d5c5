"""A fake oauth.telegram.org: the Login Widget's /auth page, which signs the user's data.

Like Telegram it knows the bot by the numeric id in its token and the one domain linked to
it with /setdomain: an unknown ``bot_id``, an ``origin`` on another domain or a
``return_to`` outside the origin are refused with Telegram's plain-text "Bot domain
invalid". Otherwise the user "confirms" at once and the browser is sent to ``return_to``
with the signed data: as query parameters (the documented ``data-auth-url`` form), or, with
``fragment=True``, as ``#tgAuthResult=<base64url JSON>`` the way oauth.telegram.org does.

There is no token or profile endpoint, so the contract's token/profile failures do not
apply; its own ``failure`` values spoil the signed data instead: ``forged_hash`` (the id is
changed after signing), ``stale_auth_date`` (signed two days ago), ``other_bot`` (signed with
another bot's token) and ``profile_no_id`` (signed, but without ``id``). ``access_denied``
leaves the browser on Telegram's page, as a user who declines is never sent back.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

from tests.support.fakes.oauth import FakeOAuthService, Response

OTHER_BOT_TOKEN = "987654321:AAHotherbototherbototherbototherbot"


def telegram_hash(data: Mapping[str, str], bot_token: str) -> str:
    check_string = "\n".join(f"{key}={data[key]}" for key in sorted(data) if key != "hash")
    secret_key = hashlib.sha256(bot_token.encode()).digest()
    return hmac.new(secret_key, check_string.encode(), hashlib.sha256).hexdigest()


class FakeTelegram(FakeOAuthService):
    authorize_path = "/auth"

    def __init__(self, *, domain: str, fragment: bool = False, **kwargs: Any) -> None:
        # ``client_id`` is the bot's username, ``client_secret`` its token.
        super().__init__(**kwargs)
        self.domain = domain
        self.fragment = fragment
        self.bot_id = self.client_secret.partition(":")[0]

    def endpoints(self) -> dict[str, str]:
        return {"authorize_url": self.url(self.authorize_path)}

    def route(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        form: dict[str, str],
        headers: Mapping[str, str],
    ) -> Response:
        if path == self.authorize_path and method == "GET":
            return self.authorize(query)
        return Response(404, b"not found", "text/plain")

    def authorize(self, query: dict[str, str]) -> Response:
        self.authorize_requests.append(query)
        if query.get("bot_id") != self.bot_id:
            return Response(400, b"Bot not found", "text/plain")
        origin = query.get("origin", "")
        return_to = query.get("return_to", "")
        if urlsplit(origin).hostname != self.domain or not return_to.startswith(origin + "/"):
            return Response(400, b"Bot domain invalid", "text/plain")
        if self.failure == "access_denied":
            return Response(200, b"<html>Login cancelled</html>", "text/html")
        data = self.signed_data()
        if self.fragment:
            numbers = {"id", "auth_date"}  # JSON numbers in Telegram's result
            encoded = json.dumps({k: int(v) if k in numbers else v for k, v in data.items()})
            result = base64.urlsafe_b64encode(encoded.encode()).decode().rstrip("=")
            location = f"{return_to}#tgAuthResult={result}"
        else:
            separator = "&" if "?" in return_to else "?"
            location = return_to + separator + urlencode(data)
        return Response(302, b"", "text/plain", {"Location": location})

    def signed_data(self) -> dict[str, str]:
        data = {key: str(value) for key, value in self.user_profile.items()}
        age = 2 * 86400 if self.failure == "stale_auth_date" else 0
        data["auth_date"] = str(int(time.time()) - age)
        if self.failure == "profile_no_id":
            data.pop("id", None)
        token = OTHER_BOT_TOKEN if self.failure == "other_bot" else self.client_secret
        data["hash"] = telegram_hash(data, token)
        if self.failure == "forged_hash":
            data["id"] = "1"  # somebody else's account, under the real user's signature
        return data
