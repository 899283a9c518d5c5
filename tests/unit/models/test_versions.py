"""The second of two edits based on the same version is refused."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from models.tables import ConfiguredService, Site
from models.versions import StaleEditError, claim, insert_new


def test_second_edit_of_the_same_version_is_refused(engine: Engine) -> None:
    """Two forms showed version 1; the first save wins, the second is refused."""
    for name, outcome in (("Mine", "saved"), ("Theirs", "refused")):
        with Session(engine) as session:
            site = session.get(Site, "s1")
            assert site
            try:
                claim(session, site, expected=1)
            except StaleEditError:
                assert outcome == "refused"
                continue
            site.name = name
            session.commit()
            assert outcome == "saved"
    with Session(engine) as check:
        site = check.get(Site, "s1")
        assert site and (site.name, site.version) == ("Mine", 2)


def test_no_expected_version_always_wins(engine: Engine) -> None:
    with Session(engine) as session:
        site = session.get(Site, "s1")
        assert site
        claim(session, site, expected=None)
        session.commit()
        assert site.version == 2


def test_a_row_inserted_meanwhile_makes_the_second_insert_stale(engine: Engine) -> None:
    """Two forms both saw no row and both insert it: the second is refused as stale, and
    its transaction stays usable (a savepoint took the failure)."""
    with Session(engine) as session:
        insert_new(
            session, ConfiguredService(scope="common", service_id="yandex", provider="yandex")
        )
        session.commit()
    with Session(engine) as session:
        with pytest.raises(StaleEditError):
            insert_new(
                session, ConfiguredService(scope="common", service_id="yandex", provider="yandex")
            )
        site = session.get(Site, "s1")
        assert site is not None
        site.name = "Still saved"
        session.commit()
    with Session(engine) as check:
        site = check.get(Site, "s1")
        assert site and site.name == "Still saved"
