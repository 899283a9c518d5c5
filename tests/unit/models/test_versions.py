"""The second of two edits based on the same version is refused."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session

from models.tables import Site
from models.versions import StaleEditError, claim


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
