"""Token revocation (RFC 7009): an application gives up a token it holds.

The answer is 200 whatever the token was (unknown, expired, already revoked), so that
it tells nothing; a token of another application is left alone. Revoking a refresh token
revokes its whole grant, the access tokens issued with it included."""

from __future__ import annotations

from models import provider_grants
from models.db import session_scope
from models.sites import site_for_host
from models.tables import ProviderGrant

from . import client_auth


def revoke(form: dict[str, str], *, authorization: str | None, host: str | None) -> int:
    """The HTTP status: 200, or 401 for a client that did not prove who it is."""
    proof = client_auth.read_proof(authorization, form)
    with session_scope() as session:
        site = site_for_host(session, host)
        application = client_auth.authenticated(session, proof, site.id)
        if application is None:
            return 401
        if not form.get("token"):
            return 400
        row = provider_grants.token_of(session, form["token"])
        grant = session.get(ProviderGrant, row.grant_id) if row is not None else None
        if row is not None and grant is not None and grant.application_id == application.id:
            provider_grants.revoke_token(session, row)
    return 200
