"""Return addresses we are willing to send a browser to after sign-in."""

from __future__ import annotations

from urllib.parse import urlsplit

#: the longest return address kept (the sign-in state stores it in a column of this size)
MAX_NEXT_LENGTH = 2_000


def safe_next(candidate: str | None, default: str = "/") -> str:
    """``candidate`` when it is a path on this site, else ``default``.

    Refuses absolute and scheme-relative URLs (``//evil``, ``/\\evil``, which browsers
    treat as another host), anything with control characters, and anything longer than
    ``MAX_NEXT_LENGTH`` (no page of ours has such an address; the database refuses it).
    """
    if candidate and len(candidate) > MAX_NEXT_LENGTH:
        return default
    if not candidate or not candidate.startswith("/") or candidate.startswith(("//", "/\\")):
        return default
    if any(ord(char) < 32 or char == "\\" for char in candidate):
        return default
    parts = urlsplit(candidate)
    if parts.scheme or parts.netloc:
        return default
    return candidate
