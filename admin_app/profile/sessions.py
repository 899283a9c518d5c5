"""The signed-in person's sessions on the profile page: each browser they are signed in
with, where from, when last seen, and the applications it signed in to; and ending one of
them, all the others, or all.

Each action asks who is signed in when it runs (``acting_user``: a session ended in
another tab ends here too) and ends only that person's sessions. A session is named by
its digest, never by its token, and ``auth_sessions.end_one_of`` ends it only when it is
the asker's. Ending a session ends what it signed in to (its applications' grants go,
back-channel logouts are queued: ``auth_sessions``). Ending this browser's own session
ends it in the database at once; its cookie is cleared by ``/logout``, where the page
then sends the browser (an event cannot clear a cookie).

Like the other profile actions these are logged, not audited: the audit log is for what
administrators do to others.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from admin_app.core import asking
from admin_app.profile.devices import Device, device_of
from admin_app.profile.own_account import acting_user
from models import auth_sessions, provider_grants
from models.db import read_scope, session_scope
from models.digests import digest

log = logging.getLogger("socialservices.profile")
#: the most sessions the profile lists
LISTED = 10


class NoSuchSessionError(Exception):
    """The session is not (or no longer) the asker's."""


@dataclass(frozen=True)
class SessionView:
    #: the session's digest: what ``end_own_session`` takes (the token stays a secret)
    key: str
    device: Device
    address: str
    signed_in_at: datetime
    last_seen_at: datetime
    #: the session of the browser asking
    this_browser: bool
    #: the names of the applications it signed in to
    applications: tuple[str, ...]


def _this_browser() -> str:
    token = asking.auth_token()
    return digest(token) if token else ""


@dataclass(frozen=True)
class OwnSessions:
    #: what the page lists: this browser's session first, then the most recently seen
    listed: list[SessionView]
    #: the sessions left out of the list (seen less recently); "everywhere else" ends them
    not_listed: int


def own_sessions() -> OwnSessions:
    """The asker's sessions, at most ``LISTED`` of them: a person signed in from many
    browsers (or a script signing in again and again) gets a page of bounded size."""
    viewer = acting_user()
    here = _this_browser()
    with read_scope() as db_session:
        rows = auth_sessions.active_of(db_session, viewer.id, first=here, limit=LISTED)
        # counted only when the list is full: a shorter list holds them all
        total = (
            auth_sessions.count_active_of(db_session, viewer.id)
            if len(rows) == LISTED
            else len(rows)
        )
        names = provider_grants.applications_of_sessions(db_session, [r.token_hash for r in rows])
        views = [
            SessionView(
                key=row.token_hash,
                device=device_of(row.user_agent),
                address=row.address,
                signed_in_at=row.activated_at or row.created_at,
                last_seen_at=row.last_seen_at,
                this_browser=row.token_hash == here,
                applications=tuple(names.get(row.token_hash, ())),
            )
            for row in rows
        ]
    return OwnSessions(views, max(total - len(views), 0))


def end_own_session(key: str) -> bool:
    """End one of the asker's sessions, named by its ``key``; True when it was this
    browser's (then send the browser to ``/logout``). Raises NoSuchSessionError when it
    is someone else's or is gone already."""
    viewer = acting_user()
    here = _this_browser()
    with session_scope() as db_session:
        if not auth_sessions.end_one_of(db_session, viewer.id, key):
            raise NoSuchSessionError
    log.info("profile.session_ended user_id=%d this_browser=%s", viewer.id, key == here)
    return key == here


def end_other_sessions() -> int:
    """Sign the asker out everywhere but in this browser; how many sessions ended."""
    viewer = acting_user()
    with session_scope() as db_session:
        ended = auth_sessions.end_others_of(db_session, viewer.id, keep=asking.auth_token())
    log.info("profile.other_sessions_ended user_id=%d ended=%d", viewer.id, ended)
    return ended


def end_all_sessions() -> int:
    """Sign the asker out everywhere, this browser too (then send it to ``/logout``)."""
    viewer = acting_user()
    with session_scope() as db_session:
        ended = auth_sessions.end_all_of(db_session, viewer.id)
    log.info("profile.all_sessions_ended user_id=%d ended=%d", viewer.id, ended)
    return ended
