"""A session signed in to an application, as the provider role records it, for tests of
what ending the session does (back-channel logouts, the profile's list of sessions)."""

from __future__ import annotations

from models import provider_grants
from models.db import session_scope
from models.tables import utcnow


def grant(user_id: int, session_hash: str, app_id: str) -> None:
    """The session of ``session_hash`` signed in to ``app_id``."""
    with session_scope() as session:
        provider_grants.new_grant(
            session,
            application_id=app_id,
            user_id=user_id,
            scope="openid",
            nonce=None,
            auth_time=utcnow(),
            session_hash=session_hash,
        )
