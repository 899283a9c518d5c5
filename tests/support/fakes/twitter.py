"""A fake X: OAuth 2.0 authorization code with PKCE, and ``GET /2/users/me``.

What it checks, as X does: PKCE with S256 is required (an authorize request without it is
refused, and the verifier must match); a confidential client authenticates with HTTP Basic
*and* names its ``client_id`` in the form; the redirect_uri must equal the authorize
request's; codes are single use. Refusals use X's words: ``unauthorized_client`` "Missing
valid authorization header" (401) for bad credentials, ``invalid_request`` "Value passed
for the authorization code was invalid." and the like for a bad grant. ``/2/users/me``
wants a bearer token, answers ``{"data": {...}}`` and adds ``profile_image_url`` only when
``user.fields`` asks for it.

Refresh tokens (``grant_type=refresh_token``, from the base) rotate; a spent or unknown one is
refused the way X refuses it: ``invalid_request`` "Value passed for the token was invalid.".
``POST /2/oauth2/revoke`` revokes as RFC 7009 says, but wants the ``token_type_hint`` that the
RFC leaves optional, as X does.

Posting and reading back (API v2, errors as X's "problem" JSON objects):

``POST /2/tweets`` takes ``{"text": ...}`` as JSON with a bearer token that has the
``tweet.write`` scope; X refuses an empty text or one longer than 280 as X counts it
(``weighted_length``: twitter-text's v3 weights, links as 23), and a text equal to an
earlier post of the same person (403, "duplicate content"). ``post_failures`` is a queue of
scripted answers, one taken per POST: an HTTP status (nothing is published; 429 with
X's rate-limit headers) or ``"no_answer"`` (published, then silent for ``SLOW_SECONDS``).

``GET /2/users/{id}/tweets`` answers the person's posts newest first, ``{"data": [...],
"meta": {...}}`` with ``max_results`` (5..100), ``since_id``, ``pagination_token`` and
``tweet.fields``; texts come with ``&``, ``<`` and ``>`` as HTML entities, as X sends them.
Each answer carries ``x-rate-limit-*`` headers; a spent window answers 429 until its reset.
``timeline_failures`` scripts answers (HTTP statuses) the way ``post_failures`` does.
"""

from __future__ import annotations

import json
import re
import secrets
import time
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from tests.support.fakes.oauth import (
    SLOW_SECONDS,
    FakeOAuthService,
    Grant,
    Response,
    json_response,
    oauth_error,
)

DEFAULT_FIELDS = {"id", "name", "username"}
TIMELINE_PATH = re.compile(r"^/2/users/([^/]+)/tweets$")
#: the tweet.fields this fake knows (X knows more; anything else is an invalid request)
TWEET_FIELDS = {"id", "text", "created_at", "author_id", "edit_history_tweet_ids"}
TIMELINE_LIMIT = 900  # requests per 15-minute window, per user, as X documents
TIMELINE_WINDOW = 900
FIRST_ID = 1_860_000_000_000_000_000  # ids look like X's (snowflakes), and only increase
INVALID_REQUEST = "https://api.twitter.com/2/problems/invalid-request"
DUPLICATE = "You are not allowed to create a Tweet with duplicate content."
TOO_LONG = (
    "Your Tweet text is too long. For more information on how Twitter determines text length"
    " see https://github.com/twitter/twitter-text."
)

# -- X's counting: twitter-text, config v3 (github.com/twitter/twitter-text/config/v3.json)

MAX_WEIGHTED_LENGTH = 280
#: code points weighing 1 (scale 100); every other one weighs 2 (defaultWeight 200)
LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
URL_WEIGHT = 23  # transformedURLLength: every link is a t.co link
#: links with a scheme, and bare domains under common generic TLDs (as twitter-text finds
#: them; its full rules also know country TLDs and more): trailing punctuation is not a part
LINK = re.compile(
    r"https?://[^\s]+?(?=[.,;:!?)\]'\"]*(?:\s|$))"
    r"|(?<![\w@.-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+"
    r"(?:com|org|net|info|edu|gov|biz|dev|app|xyz)\b(?:/[^\s]*?(?=[.,;:!?)\]'\"]*(?:\s|$)))?",
    re.IGNORECASE,
)
#: what joins an emoji sequence (counted once, as 2): ZWJ, variation selector 16,
#: skin tones, tags, the keycap sign
EMOJI_JOINERS = {0x200D, 0xFE0F, 0x20E3, *range(0x1F3FB, 0x1F400), *range(0xE0020, 0xE0080)}


def is_emoji(point: int) -> bool:
    return (
        0x1F000 <= point <= 0x1FAFF
        or 0x2600 <= point <= 0x27BF
        or 0x2B00 <= point <= 0x2BFF
        or 0x2300 <= point <= 0x23FF
    )


def weighted_length(text: str) -> int:
    """The length X counts for ``text``: NFC code points weighted by twitter-text's v3
    ranges, every link 23, every emoji (sequences, flags included) 2."""
    text = unicodedata.normalize("NFC", text)
    weight = 0
    position = 0
    for link in LINK.finditer(text):
        weight += unlinked_weight(text[position : link.start()]) + URL_WEIGHT * 100
        position = link.end()
    return (weight + unlinked_weight(text[position:]) + 99) // 100


def unlinked_weight(text: str) -> int:
    weight = 0
    points = [ord(c) for c in text]
    index = 0
    while index < len(points):
        point = points[index]
        if 0x1F1E6 <= point <= 0x1F1FF:  # a flag: two regional indicators
            index += 2 if index + 1 < len(points) and 0x1F1E6 <= points[index + 1] <= 0x1F1FF else 1
            weight += 200
            continue
        if is_emoji(point) or (index + 1 < len(points) and points[index + 1] in (0xFE0F, 0x20E3)):
            index += 1
            while index < len(points) and (
                points[index] in EMOJI_JOINERS
                or (points[index - 1] == 0x200D and is_emoji(points[index]))
            ):
                index += 1
            weight += 200
            continue
        light = any(start <= point <= end for start, end in LIGHT_RANGES)
        weight += 100 if light else 200
        index += 1
    return weight


def x_escaped(text: str) -> str:
    """What X sends for a text: ``&``, ``<`` and ``>`` as HTML entities (nothing else)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def problem(status: int, detail: str | None = None, title: str | None = None) -> Response:
    """X's problem JSON (RFC 7807 style) for an HTTP status."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    return json_response(
        {
            "title": title or phrase,
            "type": "about:blank",
            "status": status,
            "detail": detail or phrase,
        },
        status,
    )


def invalid_request(message: str, parameters: Mapping[str, list[str]] | None = None) -> Response:
    """X's answer to a parameter it does not take (HTTP 400)."""
    error: dict[str, Any] = {"message": message}
    if parameters is not None:
        error["parameters"] = dict(parameters)
    return json_response(
        {
            "errors": [error],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": INVALID_REQUEST,
        },
        400,
    )


UNAUTHORIZED = {
    "title": "Unauthorized",
    "type": "about:blank",
    "status": 401,
    "detail": "Unauthorized",
}


@dataclass
class Tweet:
    id: str
    text: str
    author_id: str
    created_at: datetime


class FakeTwitter(FakeOAuthService):
    authorize_path = "/i/oauth2/authorize"
    token_path = "/2/oauth2/token"
    profile_path = "/2/users/me"
    revocation_path = "/2/oauth2/revoke"
    client_auth = "client_secret_basic"
    require_pkce = True

    post_path = "/2/tweets"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fields_asked = ""
        #: every post the fake knows (POSTed or ``add_tweet``ed), oldest first
        self.tweets: list[Tweet] = []
        #: the posts created by POST /2/tweets: {"id", "text", "author_id"}
        self.created: list[dict[str, str]] = []
        #: the JSON body of every POST /2/tweets, in order
        self.post_requests: list[dict[str, Any]] = []
        #: scripted answers, one taken per POST /2/tweets: an HTTP status, or "no_answer"
        self.post_failures: list[int | str] = []
        #: every GET /2/users/{id}/tweets: {"user_id": ..., "query": {...}}
        self.timeline_requests: list[dict[str, Any]] = []
        #: seconds each timeline request waits before it is answered (outside the lock)
        self.timeline_delay = 0.0
        #: scripted answers, one taken per timeline request: an HTTP status (problem JSON)
        self.timeline_failures: list[int] = []
        self.timeline_limit = TIMELINE_LIMIT
        self.timeline_remaining = TIMELINE_LIMIT
        self.timeline_reset = int(time.time()) + TIMELINE_WINDOW
        self._last_id = FIRST_ID
        self._pages: dict[str, tuple[str, int, int]] = {}  # token -> user, since, before

    def endpoints(self) -> dict[str, str]:
        return {
            **super().endpoints(),
            "post_url": self.url(self.post_path),
            "timeline_url": self.url("/2/users/{id}/tweets"),
        }

    def route(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        form: dict[str, str],
        headers: Mapping[str, str],
    ) -> Response:
        if path == self.post_path:
            if method != "POST":
                return problem(405)
            return self.post_tweet(headers)
        timeline = TIMELINE_PATH.match(path)
        if timeline and method == "GET":
            return self.timeline(timeline.group(1), query, headers)
        return super().route(method, path, query, form, headers)

    def revoke(self, form: dict[str, str], headers: Mapping[str, str]) -> Response:
        # X refuses a revocation without token_type_hint, optional as RFC 7009 makes it
        if form.get("token_type_hint") not in {"access_token", "refresh_token"}:
            return oauth_error("invalid_request", "Missing required parameter [token_type_hint].")
        return super().revoke(form, headers)

    # -- posts

    def add_tweet(self, author_id: str, text: str, *, created_at: datetime | None = None) -> str:
        """A post by ``author_id`` (as if written at X); returns its id."""
        with self.lock:
            return self._add(author_id, text, created_at).id

    def _add(self, author_id: str, text: str, created_at: datetime | None = None) -> Tweet:
        self._last_id += 1 + secrets.randbelow(1000)
        tweet = Tweet(str(self._last_id), text, author_id, created_at or datetime.now(UTC))
        self.tweets.append(tweet)
        return tweet

    def user_id_of(self, grant: Grant) -> str:
        if grant.user_id is not None:
            return grant.user_id
        data = self.user_profile.get("data")
        return str(data.get("id", "")) if isinstance(data, dict) else ""

    def set_timeline_limit(self, remaining: int, reset_in: int = TIMELINE_WINDOW) -> None:
        """The timeline's rate-limit window: ``remaining`` requests until ``reset_in``
        seconds from now, when it refills to ``timeline_limit``."""
        with self.lock:
            self.timeline_remaining = remaining
            self.timeline_reset = int(time.time()) + reset_in

    def post_tweet(self, headers: Mapping[str, str]) -> Response:
        body = self.json_body
        with self.lock:
            if isinstance(body, dict):
                self.post_requests.append(body)
            else:
                self.post_requests.append({"_raw": self.request_body.decode(errors="replace")})
            scripted = self.post_failures.pop(0) if self.post_failures else None
        if isinstance(scripted, int):
            response = problem(scripted)
            if scripted == 429:
                response.headers.update(
                    {
                        "x-rate-limit-limit": "100",
                        "x-rate-limit-remaining": "0",
                        "x-rate-limit-reset": str(int(time.time()) + 60),
                    }
                )
            return response
        if scripted not in (None, "no_answer"):
            raise ValueError(f"unknown post_failures entry {scripted!r}")
        response = self.create_tweet(headers, body)
        if scripted == "no_answer":
            time.sleep(SLOW_SECONDS)  # the client has given up by now
        return response

    def create_tweet(self, headers: Mapping[str, str], body: Any) -> Response:
        grant = self.bearer_grant(headers, {})
        if grant is None:
            return json_response(UNAUTHORIZED, 401)
        if "tweet.write" not in grant.scope.split():
            return problem(403, "You are not permitted to perform this action.")
        if headers.get("content-type", "").partition(";")[0].strip().lower() != "application/json":
            return invalid_request(
                "Requests with bodies must have content-type of application/json."
            )
        if not isinstance(body, dict) or not isinstance(body.get("text"), str):
            return invalid_request("$.text: a post needs a text")
        text = body["text"]
        if not text.strip():
            return invalid_request("$.text: must not be empty", {"text": [text]})
        if weighted_length(text) > MAX_WEIGHTED_LENGTH:
            return problem(400, TOO_LONG)
        author = self.user_id_of(grant)
        with self.lock:
            if any(t.author_id == author and t.text == text for t in self.tweets):
                return problem(403, DUPLICATE, "Forbidden")
            tweet = self._add(author, text)
            self.created.append({"id": tweet.id, "text": text, "author_id": author})
        return json_response(
            {
                "data": {
                    "edit_history_tweet_ids": [tweet.id],
                    "id": tweet.id,
                    "text": x_escaped(text),
                }
            },
            201,
        )

    # -- a person's posts

    def timeline(self, user_id: str, query: dict[str, str], headers: Mapping[str, str]) -> Response:
        with self.lock:
            self.timeline_requests.append({"user_id": user_id, "query": dict(query)})
            delay = self.timeline_delay
            scripted = self.timeline_failures.pop(0) if self.timeline_failures else None
        if delay:
            time.sleep(delay)
        grant = self.bearer_grant(headers, {})
        with self.lock:
            now = time.time()
            if now >= self.timeline_reset:
                self.timeline_remaining = self.timeline_limit
                self.timeline_reset = int(now) + TIMELINE_WINDOW
            spent = self.timeline_remaining <= 0
            if grant is not None and not spent:
                self.timeline_remaining -= 1
            limits = {
                "x-rate-limit-limit": str(self.timeline_limit),
                "x-rate-limit-remaining": str(max(self.timeline_remaining, 0)),
                "x-rate-limit-reset": str(self.timeline_reset),
            }
            if scripted is not None:
                response = problem(scripted)
            elif grant is None:
                response = json_response(UNAUTHORIZED, 401)
            elif spent:
                response = problem(429, "Too Many Requests")
            else:
                response = self.timeline_page(user_id, query, grant)
        response.headers.update(limits)
        return response

    def timeline_page(self, user_id: str, query: dict[str, str], grant: Grant) -> Response:
        if self.user_id_of(grant) != user_id:
            return problem(403, "You are not permitted to perform this action.")
        fields = [f for f in query.get("tweet.fields", "").split(",") if f]
        unknown = [f for f in fields if f not in TWEET_FIELDS]
        if unknown:
            return invalid_request(
                f"The `tweet.fields` query parameter value [{unknown[0]}] is not one of"
                f" {sorted(TWEET_FIELDS)}",
                {"tweet.fields": [query["tweet.fields"]]},
            )
        raw_max = query.get("max_results", "10")
        if not raw_max.isdigit() or not 5 <= int(raw_max) <= 100:
            return invalid_request(
                f"The `max_results` query parameter value [{raw_max}] is not between 5 and 100",
                {"max_results": [raw_max]},
            )
        raw_since = query.get("since_id", "")
        if raw_since and not raw_since.isdigit():
            return invalid_request(
                f"The `since_id` query parameter value [{raw_since}] is not valid",
                {"since_id": [raw_since]},
            )
        since = int(raw_since or 0)
        before: int | None = None
        token = query.get("pagination_token")
        if token is not None:
            page = self._pages.get(token)
            if page is None or page[0] != user_id:
                return invalid_request(
                    f"The `pagination_token` query parameter value [{token}] is not valid",
                    {"pagination_token": [token]},
                )
            since = max(since, page[1])
            before = page[2]
        posts = sorted(
            (
                t
                for t in self.tweets
                if t.author_id == user_id
                and int(t.id) > since
                and (before is None or int(t.id) < before)
            ),
            key=lambda t: int(t.id),
            reverse=True,
        )
        shown, rest = posts[: int(raw_max)], posts[int(raw_max) :]
        if not shown:
            return json_response({"meta": {"result_count": 0}})
        meta: dict[str, Any] = {
            "result_count": len(shown),
            "newest_id": shown[0].id,
            "oldest_id": shown[-1].id,
        }
        if rest:
            next_token = secrets.token_hex(16)
            self._pages[next_token] = (user_id, since, int(shown[-1].id))
            meta["next_token"] = next_token
        return json_response({"data": [self.tweet_object(t, fields) for t in shown], "meta": meta})

    def tweet_object(self, tweet: Tweet, fields: list[str]) -> dict[str, Any]:
        item: dict[str, Any] = {
            "edit_history_tweet_ids": [tweet.id],
            "id": tweet.id,
            "text": x_escaped(tweet.text),
        }
        if "created_at" in fields:
            stamp = tweet.created_at.astimezone(UTC)
            item["created_at"] = (
                stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"
            )
        if "author_id" in fields:
            item["author_id"] = tweet.author_id
        return item

    # -- sign-in and refresh

    def token(self, form: dict[str, str], headers: Mapping[str, str]) -> Response:
        if not form.get("client_id"):
            return x_error("invalid_request", "Missing required parameter [client_id].")
        response = super().token(form, headers)
        if response.status < 400 or response.status >= 500:
            return response
        body = json.loads(response.body)
        description = body.get("error_description", "")
        if body.get("error") == "invalid_client":
            return x_error("unauthorized_client", "Missing valid authorization header", 401)
        if form.get("grant_type") == "refresh_token":
            # what X says to a spent, revoked or unknown refresh token
            return x_error("invalid_request", "Value passed for the token was invalid.")
        if "redirect_uri" in description:
            return x_error(
                "invalid_request",
                "Value passed for the redirect uri did not match the uri of the authorization code.",
            )
        if "PKCE" in description:
            return x_error(
                "invalid_request",
                "Value passed for the code verifier did not match the code challenge.",
            )
        return x_error("invalid_request", "Value passed for the authorization code was invalid.")

    def authenticated_client(self, form: dict[str, str], headers: Mapping[str, str]) -> bool:
        # X wants the client_id in the form as well as in the Basic credentials.
        return super().authenticated_client(form, headers) and form["client_id"] == self.client_id

    def token_response(self, access_token: str, grant: Grant) -> dict[str, Any]:
        body = super().token_response(access_token, grant)
        body.update(token_type="bearer", expires_in=7200)
        if "offline.access" not in grant.scope.split():
            body.pop("refresh_token")
        return body

    def bearer_grant(self, headers: Mapping[str, str], query: dict[str, str]) -> Grant | None:
        value = headers.get("authorization", "")
        if not value.startswith("Bearer ") or self.token_state(value[7:]) != "valid":
            return None
        return self.tokens.get(value[7:])

    def profile_endpoint(
        self, query: dict[str, str], form: dict[str, str], headers: Mapping[str, str]
    ) -> Response:
        self.fields_asked = query.get("user.fields", "")
        response = super().profile_endpoint(query, form, headers)
        if response.status == 401:
            return json_response(
                {
                    "title": "Unauthorized",
                    "type": "about:blank",
                    "status": 401,
                    "detail": "Unauthorized",
                },
                401,
            )
        return response

    def profile(self, profile: dict[str, Any], grant: Grant) -> Any:
        asked = DEFAULT_FIELDS | {f for f in self.fields_asked.split(",") if f}
        if "data" not in profile:
            return profile
        return {**profile, "data": {k: v for k, v in profile["data"].items() if k in asked}}

    def without_id(self, profile: dict[str, Any]) -> dict[str, Any]:
        data = {k: v for k, v in profile.get("data", {}).items() if k != "id"}
        return {**profile, "data": data}


def x_error(error: str, description: str, status: int = 400) -> Response:
    return json_response({"error": error, "error_description": description}, status)
