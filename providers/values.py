"""What a value from an external service may be before the application stores it.

A provider is a stranger's server: its answer may hold NUL bytes, lone surrogates, control
characters that forge log lines, names of a megabyte or JSON nested past any use. These
functions are the one place that decides what survives, so that every write after the
sign-in (on SQLite and PostgreSQL alike) gets values that fit their columns.

Account ids are the exception: they are compared, never cleaned. ``identifier`` keeps a
string byte for byte (``" alice"`` is not ``"alice"``), and ``identifier_problem`` says why
one cannot be used at all, so that the caller refuses it rather than alter it.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

#: the lengths of the columns these values go to (models.tables.LinkedAccount)
MAX_ID_LENGTH = 255
MAX_NAME_LENGTH = 100
MAX_LOGIN_HINT_LENGTH = 255
MAX_EMAIL_LENGTH = 254
MAX_URL_LENGTH = 2000
MAX_SCOPES_LENGTH = 2000
#: the raw profile is kept for the administrator's "Try it" and for support: anything
#: deeper or bigger than this is no use to a person reading it
MAX_RAW_DEPTH = 20
MAX_RAW_BYTES = 64 * 1024

#: line breaks that are not control characters (str.splitlines breaks on them)
_LINE_BREAKS = frozenset("\u2028\u2029")


def unusable(char: str) -> bool:
    """A character no stored value may hold: a control character (C0, DEL, C1), a lone
    surrogate (not Unicode text: UTF-8 cannot encode it), or a Unicode line break."""
    return unicodedata.category(char) in {"Cc", "Cs"} or char in _LINE_BREAKS


#: the characters ``unusable`` names, as one pattern (Cc is U+0000 to U+001F and U+007F
#: to U+009F in every Unicode version; Cs is U+D800 to U+DFFF), for long values: a token
#: of a thousand characters is searched at C speed, not with a call per character
_UNUSABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029]")


def holds_unusable(value: str) -> bool:
    """Whether any character of ``value`` is ``unusable``."""
    return _UNUSABLE.search(value) is not None


# ------------------------------------------------------------------ account ids


def identifier(value: Any) -> str:
    """An account id exactly as the service sent it.

    A string is kept byte for byte: no stripping, no case folding, since ``" alice"`` and
    ``"alice"`` are different accounts to the service. An integer (services send numeric
    ids as JSON numbers) becomes its digits. Anything else (None, a bool, a float, an
    object) is no id: the empty string.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return ""


def identifier_problem(value: str) -> str | None:
    """Why ``value`` cannot be an account id, for the log (never quoting it raw); None
    when it can. Empty ids are the caller's "missing id", not a problem of this kind."""
    if len(value) > MAX_ID_LENGTH:
        return f"it has {len(value)} characters, more than {MAX_ID_LENGTH}"
    for position, char in enumerate(value):
        if unusable(char):
            return f"it holds U+{ord(char):04X} at position {position}"
    return None


def quoted(value: str, limit: int = 40) -> str:
    """A value for a log detail: its beginning, with every non-ASCII character escaped."""
    return ascii(value[:limit]) + ("…" if len(value) > limit else "")


# ------------------------------------------------------------------ profile values


def plain_text(value: str, limit: int) -> str:
    """Text for a name or login hint: control characters that are whitespace become a
    space, other unusable characters go, and the result is cut to ``limit`` characters."""
    kept = "".join(
        (" " if char.isspace() else "") if unusable(char) else char for char in value
    ).strip()
    return kept[:limit].rstrip()


def email_address(value: str | None) -> str | None:
    """An e-mail address that fits its column and holds nothing odd, else None."""
    if not value or len(value) > MAX_EMAIL_LENGTH:
        return None
    if any(unusable(char) or char.isspace() for char in value):
        return None
    local, at, domain = value.rpartition("@")
    return value if at and local and domain else None


def web_url(value: str | None) -> str | None:
    """An http(s) address (a picture, a profile page) that fits its column, else None:
    a ``javascript:`` or ``data:`` address is never passed on to a page."""
    if not value or len(value) > MAX_URL_LENGTH:
        return None
    if any(unusable(char) or char.isspace() for char in value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    return value if parts.scheme.lower() in {"http", "https"} and parts.hostname else None


def scope_list(scopes: tuple[str, ...]) -> tuple[str, ...]:
    """Granted scopes that can be stored: no unusable characters, and no more of them than
    fit the column once joined with spaces."""
    kept: list[str] = []
    length = 0
    for scope in scopes:
        if not scope or any(unusable(char) or char.isspace() for char in scope):
            continue
        length += len(scope) + (1 if kept else 0)
        if length > MAX_SCOPES_LENGTH:
            break
        kept.append(scope)
    return tuple(kept)


# ------------------------------------------------------------------ the raw profile

_DROP = object()


def storable(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The raw profile as JSON that SQLite and PostgreSQL both store.

    Strings (keys too) lose NUL characters and lone surrogates, which PostgreSQL refuses;
    NaN and infinities (Python's JSON reader accepts them, PostgreSQL does not) become
    null; what is nested deeper than ``MAX_RAW_DEPTH`` is dropped; and a profile whose
    JSON is ``MAX_RAW_BYTES`` or more is not kept at all (an empty one instead).
    """
    cleaned = _storable(raw, 0)
    if not isinstance(cleaned, dict):
        return {}
    encoded = json.dumps(cleaned, ensure_ascii=False).encode()
    return cleaned if len(encoded) < MAX_RAW_BYTES else {}


def _storable(value: Any, depth: int) -> Any:
    if isinstance(value, str):
        return _storable_text(value)
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if depth >= MAX_RAW_DEPTH:
        return _DROP
    if isinstance(value, Mapping):
        items = ((_storable_text(str(k)), _storable(v, depth + 1)) for k, v in value.items())
        return {k: v for k, v in items if v is not _DROP}
    if isinstance(value, list | tuple):
        values = (_storable(v, depth + 1) for v in value)
        return [v for v in values if v is not _DROP]
    return _storable_text(str(value))


#: what PostgreSQL refuses in text: NUL and lone surrogates
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _storable_text(value: str) -> str:
    return _UNSTORABLE.sub("", value)


# ------------------------------------------------------------------ issuers


def origin(url: str) -> str:
    """``scheme://host[:port]`` of a URL, lower-case, without a default port or any user
    name or password; the URL itself, lower-cased, when it cannot be read."""
    try:
        parts = urlsplit(url.strip())
        host, port = parts.hostname, parts.port
    except ValueError:
        return url.strip().lower()
    if not parts.scheme or not host:
        return url.strip().lower()
    scheme = parts.scheme.lower()
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    default = {"http": 80, "https": 443}.get(scheme)
    return f"{scheme}://{host}" + (f":{port}" if port is not None and port != default else "")
