"""RP-initiated logout 1.0: an application asks us to end the person's session.

The browser goes back only to a post-logout URI registered for the application named by
``client_id`` or by the ``id_token_hint``'s audience. Without a hint that we signed for
the person signed in here, the person is asked first (a link on another site must not
sign anyone out unasked). Signing out ends the grants the session gave, so the
applications' refresh tokens stop working too.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlmodel import Session

from models import applications, auth_sessions
from models.db import session_scope
from models.sites import site_for_host
from models.tables import Site

from . import signing
from .authorize import with_query
from .claims import subject


class Step(StrEnum):
    PROBLEM = "problem"  # our page with ``reason``
    CONFIRM = "confirm"  # ask the person, then come back with the CSRF token
    SIGN_OUT = "sign_out"  # end the session, then go to ``location``


@dataclass(frozen=True)
class LogoutDecision:
    step: Step
    location: str = "/login"
    reason: str = ""
    application_name: str = ""


def decide(
    params: dict[str, str], *, host: str | None, auth_token: str, confirmed: bool
) -> LogoutDecision:
    with session_scope() as session:
        site = site_for_host(session, host)
        hint = (
            signing.verified_claims(params["id_token_hint"])
            if params.get("id_token_hint")
            else None
        )
        if params.get("id_token_hint") and hint is None:
            return LogoutDecision(Step.PROBLEM, reason="invalid_id_token_hint")
        audience = _audience(hint)
        client_id = params.get("client_id") or audience
        if params.get("client_id") and audience and params["client_id"] != audience:
            return LogoutDecision(Step.PROBLEM, reason="unknown_client")
        application = applications.by_client_id(session, client_id) if client_id else None
        if client_id and (application is None or application.site_id != site.id):
            return LogoutDecision(Step.PROBLEM, reason="unknown_client")
        location = "/login"
        uri = params.get("post_logout_redirect_uri")
        if uri:
            if application is None or uri not in application.post_logout_redirect_uris:
                return LogoutDecision(Step.PROBLEM, reason="unknown_post_logout_uri")
            location = with_query(uri, {"state": params["state"]}) if params.get("state") else uri
        name = application.name if application else ""
        if confirmed or _hint_names_this_person(session, site, hint, auth_token):
            return LogoutDecision(Step.SIGN_OUT, location=location, application_name=name)
        return LogoutDecision(Step.CONFIRM, location=location, application_name=name)


def _audience(hint: dict[str, object] | None) -> str:
    audience = hint.get("aud") if hint else None
    if isinstance(audience, list):
        return str(audience[0]) if len(audience) == 1 else ""
    return str(audience) if audience else ""


def _hint_names_this_person(
    session: Session, site: Site, hint: dict[str, object] | None, auth_token: str
) -> bool:
    """The hint is about whoever is signed in here, or nobody is signed in any more."""
    if hint is None:
        return False
    row = auth_sessions.active(session, auth_token)
    return row is None or subject(session, site, row.user_id) == hint.get("sub")
