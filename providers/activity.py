"""Publishing a person's activity to a service, and reading their recent posts back.

A service that can publish (X, Facebook) is a ``Publisher`` as well as a ``Provider``. Its
answer is ``Published`` or one ``PublishError`` whose ``kind`` tells the delivery outbox
what to do next; the outbox, not the provider, decides on retries and schedules.

What separates "retry" from "unknown" is whether the service may have taken the post:
a refused connection, a rate limit or a client error says it did not; a request that got
no answer (timed out while waiting, connection dropped) or a server error may have been
published. Both services
refuse a repeat of the same text, which is what makes retrying an unknown outcome safe.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

#: PublishError kinds
RETRY = "retry"  # not published; try again later (at ``retry_at`` when the service says)
UNKNOWN = "unknown"  # no answer: it may have been published; retry only where repeats fail
TOKEN = "token"  # the access token was refused: refresh it, or the person signs in again
DUPLICATE = "duplicate"  # the service refuses the text as a repeat of an earlier post
REFUSED = "refused"  # the service will never take this post as it is

KINDS = (RETRY, UNKNOWN, TOKEN, DUPLICATE, REFUSED)


class PublishError(Exception):
    """``detail`` is for the log and the administrator (it may quote the service)."""

    def __init__(self, kind: str, detail: str = "", *, retry_at: datetime | None = None) -> None:
        assert kind in KINDS, kind
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind
        self.detail = detail[:500]
        self.retry_at = retry_at


@dataclass(frozen=True)
class Published:
    external_id: str
    url: str | None = None


@dataclass(frozen=True)
class RateLimit:
    """What the service said about the caller's remaining requests (X's headers)."""

    remaining: int | None = None
    reset_at: datetime | None = None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimit:
        def number(name: str) -> int | None:
            try:
                return int(headers.get(name, ""))
            except ValueError:
                return None

        reset = number("x-rate-limit-reset")
        try:
            reset_at = datetime.fromtimestamp(reset, UTC) if reset is not None else None
        except (OverflowError, OSError, ValueError):  # not a time any clock has
            reset_at = None
        return cls(remaining=number("x-rate-limit-remaining"), reset_at=reset_at)

    @property
    def exhausted(self) -> bool:
        return self.remaining == 0


@dataclass(frozen=True)
class ExternalPost:
    """A post read from a service: ``text`` is plain text (never markup)."""

    id: str
    text: str
    url: str
    created_at: datetime | None = None


@dataclass(frozen=True)
class TimelinePage:
    posts: list[ExternalPost]
    #: the newest post id the service has for this person since the one asked after
    newest_id: str | None
    #: give it back for the next (older) page; None: nothing more
    next_token: str | None
    rate_limit: RateLimit


class Publisher:
    """A provider that can publish a person's activity with their access token."""

    #: the longest text the service takes (counted by ``length``)
    max_length: int

    def length(self, text: str) -> int:
        return len(text)

    def shorten(self, text: str) -> str:
        """``text`` cut at a word, with an ellipsis, to fit ``max_length``."""
        if self.length(text) <= self.max_length:
            return text
        words = text.split(" ")
        while len(words) > 1 and self.length(" ".join(words) + "…") > self.max_length:
            words.pop()
        shortened = " ".join(words).rstrip()
        while self.length(shortened + "…") > self.max_length:  # one very long word
            shortened = shortened[:-1]
        return shortened + "…"

    async def publish(self, access_token: str, message: str) -> Published:
        raise NotImplementedError


@contextmanager
def publish_errors(step: str) -> Iterator[None]:
    """Network failures as PublishErrors: refused connections were not sent at all."""
    try:
        yield
    except PublishError:
        raise
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as error:
        raise PublishError(RETRY, f"{step}: {type(error).__name__}") from None
    except httpx.HTTPError as error:  # sent, and no readable answer came back
        raise PublishError(UNKNOWN, f"{step}: {type(error).__name__}") from None
    except (ValueError, KeyError, TypeError) as error:
        raise PublishError(UNKNOWN, f"{step}: unreadable answer ({error})") from None


def server_error(step: str, response: httpx.Response) -> PublishError | None:
    """The PublishError for a server error or a 429 (with its reset time), else None."""
    if response.status_code == 429:
        limit = RateLimit.from_headers(response.headers)
        return PublishError(RETRY, f"{step}: HTTP 429", retry_at=limit.reset_at)
    if response.status_code >= 500:  # it may have failed after publishing
        return PublishError(UNKNOWN, f"{step}: HTTP {response.status_code}")
    return None
