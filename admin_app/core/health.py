"""Whether this process can serve: what ``/healthz`` reports."""

from __future__ import annotations

import logging

from models.db import DatabaseUnavailableError, check_connection, get_engine

log = logging.getLogger(__name__)


def database_problem() -> str | None:
    """None when the database answers, else the driver's one-line reason."""
    try:
        check_connection(get_engine())
    except DatabaseUnavailableError as error:
        log.error("health.database_unavailable reason=%s", error)
        return str(error)
    return None
