"""The keys that sign ID tokens: made on first use, rotated on demand, published as a JWKS.

RS256 signs (every relying party supports it); an ES256 key is published beside it for
applications that ask for ES256. After ``rotate`` the new keys sign at once and the old
ones stay in the JWKS until every ID token they signed has expired, so no relying party
meets a token it cannot check. The signing key's id is read at each use (one small query
built once), so a rotation by another process is seen at once; the parsed private keys
are kept per process by their id, a thumbprint of the key itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet, RSAKey
from sqlmodel import Session

from admin_app.core import runtime
from models import audit, signing_keys
from models.db import read_scope, session_scope
from models.tables import SigningKey, utcnow

from .lifetimes import ID_TOKEN_LIFETIME

RS256, ES256 = "RS256", "ES256"
ALGORITHMS = (RS256, ES256)
_Key = RSAKey | ECKey

_private: dict[str, _Key] = {}


def _generate(algorithm: str) -> _Key:
    if algorithm == RS256:
        return RSAKey.generate_key(2048, private=True)
    return ECKey.generate_key("P-256", private=True)


def _add_new_keys(session: Session) -> list[str]:
    made = []
    for algorithm in ALGORITHMS:
        key = _generate(algorithm)
        kid = key.thumbprint()
        public = {**key.as_dict(private=False), "kid": kid, "alg": algorithm, "use": "sig"}
        pem = key.as_pem(private=True).decode()
        signing_keys.add(
            session,
            runtime.keyring(),
            kid=kid,
            algorithm=algorithm,
            private_pem=pem,
            public_jwk=public,
        )
        made.append(kid)
    return made


def ensure_keys() -> None:
    """Make the first keys if there are none (at start, so every process finds them)."""
    with session_scope() as session:
        if not signing_keys.published(session):
            _add_new_keys(session)


@dataclass(frozen=True)
class Rotation:
    new: tuple[str, ...]
    #: the keys that now only check tokens, and when they leave the JWKS
    retiring: tuple[tuple[str, datetime], ...]


def rotate(actor: audit.Actor = audit.COMMAND_LINE) -> Rotation:
    """New keys sign from now on; the current ones stay published until the tokens they
    signed have expired. Audited in the same transaction."""
    with session_scope() as session:
        retire_at = utcnow() + ID_TOKEN_LIFETIME * 2
        retiring = []
        for row in signing_keys.published(session):
            if row.retire_at is None:
                signing_keys.retire(session, row, retire_at)
                retiring.append((row.kid, retire_at))
        made = tuple(_add_new_keys(session))
        audit.record_by(session, actor, "oidc.rotate_key", "signing keys", {"new": list(made)})
    return Rotation(made, tuple(retiring))


def _rows(session: Session) -> list[SigningKey]:
    """The published keys, made in ``session`` (a writing one) on first use."""
    rows = signing_keys.published(session)
    if not rows:
        _add_new_keys(session)
        session.flush()
        rows = signing_keys.published(session)
    return rows


def jwks() -> dict[str, Any]:
    with read_scope() as session:
        rows = signing_keys.published(session)
    if not rows:
        ensure_keys()
        with read_scope() as session:
            rows = signing_keys.published(session)
    return {"keys": [dict(row.public_jwk) for row in rows]}


def sign(
    session: Session, claims: dict[str, Any], algorithm: str = RS256, *, typ: str = "JWT"
) -> str:
    """``claims`` signed with the current key, read in the caller's (writing) session;
    ``typ`` names the kind of token (``logout+jwt`` for a logout token, so that it cannot
    pass for an ID token)."""
    kid = signing_keys.signer(session, algorithm)
    if kid is None:  # no key yet: made now
        _rows(session)
        kid = signing_keys.signer(session, algorithm)
        assert kid is not None, f"no {algorithm} signing key"
    key = _private.get(kid)
    if key is None:
        row = session.get(SigningKey, kid)
        assert row is not None
        pem = signing_keys.private_pem(runtime.keyring(), row)
        key = RSAKey.import_key(pem) if algorithm == RS256 else ECKey.import_key(pem)
        _private[row.kid] = key
    return jwt.encode({"alg": algorithm, "kid": kid, "typ": typ}, claims, key)


def verified_claims(token: str) -> dict[str, Any] | None:
    """The claims of an ID token we signed (expired or not), or None: for a logout's
    ``id_token_hint``, which names who is signing out and for which application."""
    try:
        keys = KeySet.import_key_set(jwks())  # type: ignore[arg-type]
        return dict(jwt.decode(token, keys, algorithms=list(ALGORITHMS)).claims)
    except (JoseError, ValueError):
        return None
