"""Use cases about which site a request is for."""

from __future__ import annotations

from models.db import session_scope
from models.sites import site_for_host


def site_name_for_host(host: str | None) -> str:
    with session_scope() as db_session:
        return site_for_host(db_session, host).name
