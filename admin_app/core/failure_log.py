"""One log line for each request or event that failed, with a short id its page shows.

The visitor sees only the id ("error id: ab12cd34"), never the exception (it may carry
SQL and values); the administrator finds the id in the log. A value the database refused
(a NUL, a number out of range, text longer than its column) is the visitor's doing, not a
fault: one warning line without a traceback. So is the database being away or full
(``models.outages``): ``database.unavailable`` or ``database.full`` with the driver's reason.
Anything else is logged with its traceback.
Each exception is logged once, however many layers see it.
"""

from __future__ import annotations

import logging
import secrets
import sys

from sqlalchemy.exc import DataError, StatementError

from admin_app.core.input_checks import BadInputError
from models.db import driver_reason
from models.outages import outage

log = logging.getLogger(__name__)

_ID_ATTRIBUTE = "socialservices_error_id"
#: the ASGI scope key under which the sign-in lane hands a request it could not serve to
#: NiceGUI's stack, whose error pages answer it (``admin_app.pages.error_pages``)
SCOPE_KEY = "socialservices.failure"
# what a database driver raises for a value it cannot store (SQLite: an int beyond 64 bits;
# either: text that is no valid Unicode, such as a lone surrogate sent over the websocket)
_REFUSED_VALUES = (BadInputError, DataError, OverflowError, UnicodeEncodeError)


def caused_by_input(error: BaseException) -> bool:
    """Whether ``error`` is a value the visitor sent that could not be used."""
    if isinstance(error, _REFUSED_VALUES):
        return True
    return isinstance(error, StatementError) and isinstance(error.orig, _REFUSED_VALUES)


def printable(value: str, limit: int = 200) -> str:
    """``value`` for a log line: control characters and non-ASCII escaped, so that one
    event stays one line whatever a visitor put in a URL."""
    return value[:limit].encode("unicode_escape").decode("ascii")


def error_id(error: BaseException) -> str | None:
    return getattr(error, _ID_ATTRIBUTE, None)


def record_failure(error: BaseException, where: str) -> str:
    """Log ``error`` (once) and return its id; ``where`` is the path or the event."""
    known = error_id(error)
    if known is not None:
        return known
    new_id = secrets.token_hex(4)
    setattr(error, _ID_ATTRIBUTE, new_id)
    if caused_by_input(error):
        log.warning(
            "request.bad_input error_id=%s where=%s error=%s",
            new_id,
            printable(where),
            getattr(error, "reason", type(error).__name__),
        )
    elif (kind := outage(error)) is not None:  # the operator's to mend; no bug to look for
        log.warning(
            "database.%s error_id=%s where=%s reason=%s",
            kind,
            new_id,
            printable(where),
            printable(driver_reason(error)),
        )
    else:
        log.error("request.failed error_id=%s where=%s", new_id, printable(where), exc_info=error)
    return new_id


def log_job_failure(
    logger: logging.Logger, error: BaseException, event: str, *args: object
) -> None:
    """A job's round or attempt failed (it will be tried again): the database away or full
    is one warning line, ``event … database=unavailable reason=…``, once per round while it
    lasts; anything else is a fault of ours, logged with its traceback."""
    kind = outage(error)
    if kind is None:
        logger.error(event, *args, exc_info=error)
    else:
        logger.warning(
            event + " database=%s reason=%s", *args, kind, printable(driver_reason(error))
        )


def _redis_away(exception: BaseException) -> bool:
    redis = sys.modules.get("redis")  # not loaded: no Redis configured
    return redis is not None and isinstance(exception, redis.ConnectionError)


class _OneLinePerException(logging.Filter):
    """NiceGUI logs an exception of an event handler as ``log.exception(exception)``:
    that text may carry SQL and values over many lines. It is logged our way instead.
    Redis going away ends each page's listener for changes of its stored data with a
    traceback of NiceGUI's: that is one ``redis.unavailable`` line instead (the pages go
    on without it, docs/operations.md)."""

    def filter(self, record: logging.LogRecord) -> bool:
        exception = record.exc_info[1] if record.exc_info else None
        if exception is not None and _redis_away(exception):
            log.warning("redis.unavailable reason=%s", printable(str(exception)))
            return False
        if exception is None or record.msg is not exception:
            return True
        record_failure(exception, "ui event")
        return False


def log_nicegui_exceptions_once() -> None:
    """Install the filter on NiceGUI's logger (idempotent)."""
    nicegui_log = logging.getLogger("nicegui")
    if not any(isinstance(f, _OneLinePerException) for f in nicegui_log.filters):
        nicegui_log.addFilter(_OneLinePerException())
