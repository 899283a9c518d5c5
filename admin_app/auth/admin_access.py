"""Every administrator action re-checks who is asking, and is audited.

Pages build their controls only for administrators, but an event can be sent by anyone
who has the page's websocket; so each action runs through ``administrator_action``,
which asks the database again at the moment of the action.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlmodel import Session

from admin_app.auth.accounts import Viewer, current_viewer
from admin_app.core import asking
from models import audit
from models.db import session_scope


class NotAnAdministratorError(PermissionError):
    """The person asking is not (or no longer) an administrator."""


def acting_administrator() -> Viewer:
    viewer = current_viewer()
    if viewer is None or not viewer.is_admin:
        raise NotAnAdministratorError
    return viewer


@contextmanager
def administrator_action(
    action: str, target: str = "", details: Mapping[str, Any] | None = None
) -> Iterator[Session]:
    """One transaction for one administrator action, with its audit entry.

    Raises NotAnAdministratorError before anything is done. ``details`` must not hold
    secret values (name the fields instead). Raise inside the block to change nothing:
    the audit entry is rolled back with the rest.
    """
    viewer = acting_administrator()
    with session_scope() as db_session:
        yield db_session
        audit.record(
            db_session,
            actor_id=viewer.id,
            actor_login=viewer.login,
            address=asking.client_address(),
            action=action,
            target=target,
            details=details,
        )
