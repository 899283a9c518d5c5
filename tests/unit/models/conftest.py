from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from models import db, migrate


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A migrated database of our schema."""
    engine = db.make_engine(db.normalize_database_url(database_url))
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session
