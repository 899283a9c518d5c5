"""An administrator's "Try it": the real round trip to a service, which creates and links
nothing. What the service sent waits in the database for the administrator who tried, in
the browser that tried, and the tried page shows it once (``take_tried``).
"""

from __future__ import annotations

import logging
from typing import Any

from admin_app.auth.round_trip import Outcome, RoundTrip, refuse
from admin_app.core import asking
from models import auth_sessions, tried_results
from models.db import session_scope
from models.users import is_administrator
from providers.base import SignInResult

log = logging.getLogger(__name__)

ADMIN = "/admin"


def finish_trying(
    trip: RoundTrip, result: SignInResult, *, auth_token: str, browser: str
) -> Outcome:
    """Keep what came back for the page that shows it, if the administrator who started
    the round trip is still the one signed in."""
    service, starter_id = trip.service, trip.starter_id
    with session_scope() as session:
        current = auth_sessions.user_of(session, auth_token)
        allowed = (
            starter_id is not None and current == starter_id and is_administrator(session, current)
        )
        if allowed:
            assert starter_id is not None
            tried_results.keep(
                session,
                user_id=starter_id,
                browser=browser,
                profile=_tried(service.service_id, result),
            )
    if not allowed:
        return refuse(service, "link_session_changed", ADMIN)
    log.info("social.tried service=%s by user_id=%s", service.service_id, starter_id)
    return Outcome(service.service_id, ADMIN, tried=True)


def _tried(service_id: str, result: SignInResult) -> dict[str, Any]:
    """What the tried page shows (``pages/admin/services.TRIED_FIELDS``)."""
    profile = result.profile
    return {
        "service_id": service_id,
        "external_id": profile.external_id,
        "login_hint": profile.login_hint,
        "first_name": profile.first_name,
        "last_name": profile.last_name,
        "email": profile.email,
        "email_verified": profile.email_verified,
        "picture_url": profile.picture_url,
        "profile_url": profile.profile_url,
        "scopes": list(result.tokens.scopes),
        "refresh_token": result.tokens.refresh_token is not None,
    }


def take_tried(administrator_id: int) -> dict[str, Any] | None:
    """What this administrator's latest "Try it" in the asking browser received, once:
    None when there is none, or it was shown already."""
    with session_scope() as session:
        return tried_results.take(session, user_id=administrator_id, browser=asking.browser_id())
