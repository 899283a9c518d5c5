"""Proofs from services that may be used once only (see ``ConsumedProof``)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, delete

from models.tables import ConsumedProof, utcnow


def consume(session: Session, key: str, valid_until: datetime) -> None:
    """Record the proof as used; a second use raises IntegrityError at flush."""
    session.exec(delete(ConsumedProof).where(col(ConsumedProof.valid_until) < utcnow()))
    session.add(ConsumedProof(proof_key=key[:200], valid_until=valid_until))
    session.flush()
