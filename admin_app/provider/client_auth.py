"""Who is calling the token and revocation endpoints: the application's own proof.

``client_secret_basic`` (RFC 6749 2.3.1: id and secret form-urlencoded, then Basic),
``client_secret_post``, or ``none`` for a public application (which proves the code with
PKCE instead). A request that uses two methods at once is refused, as the RFC says.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from urllib.parse import unquote_plus

from sqlmodel import Session

from admin_app.core import runtime
from models import applications
from models.tables import Application
from models.token_cipher import UndecryptableError


@dataclass(frozen=True)
class ClientProof:
    client_id: str
    secret: str | None
    #: the Basic header's secret as sent, for clients that do not form-encode it (many do
    #: not, and a secret without ``+`` or ``%`` reads the same either way)
    unencoded: str | None = None


def read_proof(authorization: str | None, form: dict[str, str]) -> ClientProof | None:
    """The client's proof from the request; None when it is malformed or doubled."""
    in_form = form.get("client_secret")
    if authorization and authorization.lower().startswith("basic "):
        if in_form is not None:
            return None
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        client_id, colon, secret = decoded.partition(":")
        if not colon:
            return None
        client_id = unquote_plus(client_id)
        if form.get("client_id", client_id) != client_id:
            return None
        return ClientProof(client_id, unquote_plus(secret), unencoded=secret)
    if "client_id" not in form:
        return None
    return ClientProof(form["client_id"], in_form)


def authenticated(session: Session, proof: ClientProof | None, site_id: str) -> Application | None:
    """The application the proof is right for, on this site; None otherwise."""
    if proof is None:
        return None
    application = applications.by_client_id(session, proof.client_id)
    if application is None or application.site_id != site_id:
        return None
    if application.kind == applications.PUBLIC:
        return application if not proof.secret else None
    presented = {proof.secret or "", proof.unencoded or ""} - {""}
    try:
        right = any(
            applications.secret_matches(runtime.keyring(), application, secret)
            for secret in presented
        )
    except UndecryptableError:
        return None
    return application if right else None
