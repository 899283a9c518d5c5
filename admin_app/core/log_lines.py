"""One event, one line: the log as the operator reads it cannot be forged from outside.

Logged values come from visitors and services (a service id from the URL, a login, a
provider's message): a line feed in one of them would start a line of the attacker's
choosing, say ``social.signed_in … user_id=1``. Rather than trusting every log call,
every record of the process is escaped once, where logging is configured: its message is
formatted and its control characters (C0, DEL, C1 and the Unicode line and paragraph
separators) are written as ``\\n``, ``\\r``, ``\\t`` or ``\\xNN``/``\\uNNNN``. A traceback
is the only text on more than one line, and each of its lines is indented, so that any
line starting at the margin is the start of a real event.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

from uvicorn.config import LOGGING_CONFIG
from uvicorn.logging import AccessFormatter, DefaultFormatter

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_ESCAPED_MARK = "_one_line"
#: uvicorn's access formatter unpacks these arguments itself
_ACCESS_LOGGER = "uvicorn.access"
#: python-socketio's loggers, which print through a handler of their own when none is set
SOCKET_IO_LOGGERS = ("engineio.server", "socketio.server")
APP_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
INDENT = "    "


def _escape_one(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape(text: str) -> str:
    """``text`` without a control character: each is written as its escape sequence."""
    return _CONTROL.sub(_escape_one, text)


def indent_lines(text: str) -> str:
    """A traceback's lines, each indented: none of them can pass for an event."""
    return "\n".join(INDENT + line for line in text.splitlines())


class OneLine(logging.Filter):
    """Escapes a record's message before any formatter sees it (put on every handler).

    The message is formatted once and escaped, which covers what a value's ``str`` or
    ``repr`` may hold; uvicorn's access records keep their arguments (its formatter
    unpacks them), each escaped."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, _ESCAPED_MARK, False):
            return True
        if record.name == _ACCESS_LOGGER and isinstance(record.args, tuple):
            record.args = tuple(escape(arg) if isinstance(arg, str) else arg for arg in record.args)
        else:
            record.msg = escape(record.getMessage())
            record.args = None
            record.__dict__.pop("color_message", None)  # uvicorn's coloured copy, unescaped
        setattr(record, _ESCAPED_MARK, True)
        return True


class _IndentedTracebacks(logging.Formatter):
    def formatException(self, ei: Any) -> str:
        return indent_lines(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return indent_lines(super().formatStack(stack_info))


class AppFormatter(_IndentedTracebacks):
    """The app's own lines (and NiceGUI's): time, level, logger, message."""

    def __init__(self, fmt: str = APP_FORMAT) -> None:
        super().__init__(fmt)


class UvicornFormatter(_IndentedTracebacks, DefaultFormatter):
    """uvicorn's format (``INFO:     …``), its tracebacks indented."""


class UvicornAccessFormatter(_IndentedTracebacks, AccessFormatter):
    """uvicorn's access lines, unchanged but for the escaping of their path."""


def logging_config(level: str = "WARNING") -> dict[str, Any]:
    """uvicorn's logging configuration (for ``ui.run(log_config=…)``) with every handler
    escaping, and one more handler on stderr for every other logger (the app's and
    NiceGUI's, which had none: Python printed their warnings bare). ``level`` is what
    that handler shows, WARNING as before: problems, not every sign-in."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"one_line": {"()": f"{__name__}.OneLine"}}
    config["formatters"]["default"]["()"] = f"{__name__}.UvicornFormatter"
    config["formatters"]["access"]["()"] = f"{__name__}.UvicornAccessFormatter"
    config["formatters"]["app"] = {"()": f"{__name__}.AppFormatter"}
    config["handlers"]["app"] = {
        "formatter": "app",
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
    }
    for handler in config["handlers"].values():
        handler["filters"] = ["one_line"]
    config["root"] = {"handlers": ["app"], "level": level}
    for own_handler in SOCKET_IO_LOGGERS:  # they added a bare handler of their own at import
        config["loggers"][own_handler] = {"handlers": [], "propagate": True}
    return config
