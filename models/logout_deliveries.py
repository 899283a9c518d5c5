"""Back-channel logouts owed to applications: queued where a session's grants end.

An application that registered a back-channel logout URI hears of every end of a
person's session there (signing out, a block, a password change, the person ending it
from their profile). The delivery is queued in the very transaction that ends the grants,
so it cannot be lost between the two; ``admin_app.provider.backchannel`` posts it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from sqlmodel import Session, col, select

from models.tables import Application, LogoutDelivery, ProviderGrant


def session_id(session_hash: str, application_id: str) -> str:
    """The ``sid`` an application sees for one of our sessions: the same in its ID tokens
    and its logout tokens, different for each application (they cannot correlate it),
    and telling nothing of the session's token."""
    return hashlib.sha256(f"sid:{session_hash}:{application_id}".encode()).hexdigest()[:32]


def queue_for_sessions(session: Session, session_hashes: Sequence[str]) -> int:
    """One delivery per (application with a back-channel URI, session) among the grants
    of these sessions, before the grants go; how many were queued."""
    if not session_hashes:
        return 0
    owed = session.exec(
        select(ProviderGrant.application_id, ProviderGrant.user_id, ProviderGrant.session_hash)
        .join(Application, col(Application.id) == col(ProviderGrant.application_id))
        .where(
            col(ProviderGrant.session_hash).in_(list(session_hashes)),
            col(Application.backchannel_logout_uri) != "",
        )
        .distinct()
    ).all()
    for application_id, user_id, session_hash in owed:
        session.add(
            LogoutDelivery(
                application_id=application_id,
                user_id=user_id,
                sid=session_id(session_hash, application_id),
            )
        )
    return len(owed)
