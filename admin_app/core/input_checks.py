"""What the web boundary accepts from a visitor before anything reaches the database.

A database refuses some values outright (PostgreSQL: a NUL in text, an integer beyond 32
bits, text longer than its column; SQLite: an integer beyond 64 bits). Left to the
database, such a value ends a request with a 500 or silently kills a form's handler; here
it is recognised first and answered with a message or the 400 page. Nothing here knows
NiceGUI or the database: pages and the request gate ask, and decide how to answer.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from admin_app.core.i18n import N_

#: the largest id a path may name: PostgreSQL's ``integer``, the narrower of our databases
MAX_DATABASE_ID = 2**31 - 1
#: a page number beyond this is no page of ours (and page x size still fits a bigint)
MAX_PAGE_INDEX = 1_000_000
#: the longest path and query string a request may carry (OAuth callbacks, with an Apple
#: id token forwarded from a form post, stay well below)
MAX_PATH_BYTES = 2_048
MAX_QUERY_BYTES = 16_384
#: the longest login, e-mail or password typed into a form (the columns hold 254 at most;
#: a password is hashed, but hashing megabytes is a denial of service)
MAX_LINE_LENGTH = 254
MAX_PASSWORD_TYPED = 1_024

_DIGITS = re.compile(r"[0-9]{1,12}")
# C0 controls and DEL; ``multi_line`` text may hold newlines and tabs
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_EXCEPT_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")

TOO_LONG = N_("This is too long: at most {limit} characters.")
INVISIBLE = N_("This holds invisible control characters, which cannot be used. Retype it.")


class BadInputError(ValueError):
    """A request carried a value no page of ours can use: answered with the 400 page.

    ``reason`` is for the log only (a short code, never shown)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def has_invisible_characters(value: str, *, multi_line: bool = False) -> bool:
    """Control characters (newlines and tabs allowed in ``multi_line`` text), or a lone
    surrogate (no valid Unicode: only a forged websocket message carries one)."""
    control = _CONTROL_EXCEPT_LINES if multi_line else _CONTROL
    return bool(control.search(value) or _SURROGATE.search(value))


def typed_text_problem(value: str, max_length: int, *, multi_line: bool = False) -> str | None:
    """What is wrong with text a person typed (an untranslated message with ``{limit}``),
    or None. Nothing is changed: the person fixes what they typed."""
    if has_invisible_characters(value, multi_line=multi_line):
        return INVISIBLE
    if len(value) > max_length:
        return TOO_LONG
    return None


def database_id(raw: str) -> int | None:
    """The id a path names (``/admin/users/42``), or None when it cannot name a row: not
    a plain number, or beyond what the database's integer holds."""
    if not _DIGITS.fullmatch(raw):
        return None
    number = int(raw)
    return number if 0 < number <= MAX_DATABASE_ID else None


def page_index(raw: str) -> int:
    """A page number from the query (0 first, empty for the first); BadInputError when it
    is no number or out of range."""
    if raw == "":
        return 0
    if not _DIGITS.fullmatch(raw) or int(raw) > MAX_PAGE_INDEX:
        raise BadInputError("page_number")
    return int(raw)


def _decoded_problem(raw: bytes) -> str | None:
    try:
        text = unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        return "not_utf8"
    return "control_character" if _CONTROL.search(text) else None


def url_refusal(path: bytes, query: bytes) -> str | None:
    """Why a request's URL is refused (a short code for the log), or None.

    ``path`` is the raw path as sent (percent-encoded), ``query`` the raw query string.
    Refused: bytes that are not UTF-8 once decoded (Starlette would silently turn them
    into U+FFFD), control characters (a NUL reaches PostgreSQL as an error; a newline in a
    logged value forges a line), and over-long paths or queries."""
    if len(path) > MAX_PATH_BYTES:
        return "path_too_long"
    if len(query) > MAX_QUERY_BYTES:
        return "query_too_long"
    if problem := _decoded_problem(path):
        return f"path_{problem}"
    for pair in query.split(b"&"):
        for part in pair.split(b"=", 1):
            if problem := _decoded_problem(part.replace(b"+", b" ")):
                return f"query_{problem}"
    return None
