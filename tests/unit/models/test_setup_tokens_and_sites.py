"""One-time setup links, and which site a host name belongs to."""

from __future__ import annotations

from sqlmodel import Session, select

from models.setup_tokens import issue_setup_token, revoke_setup_tokens, setup_token_is_valid
from models.sites import default_site, site_for_host
from models.tables import SetupToken, Site


def test_setup_tokens_are_stored_hashed_and_revoked_together(session: Session) -> None:
    first = issue_setup_token(session)
    second = issue_setup_token(session)
    session.commit()
    stored = set(session.exec(select(SetupToken.token_hash)))
    assert first not in stored and second not in stored
    assert setup_token_is_valid(session, first) and setup_token_is_valid(session, second)
    assert not setup_token_is_valid(session, "guess") and not setup_token_is_valid(session, "")
    revoke_setup_tokens(session)
    session.commit()
    assert not setup_token_is_valid(session, first)


def test_site_is_chosen_by_host_name_else_default(session: Session) -> None:
    session.add(Site(id="s2", name="Shop", host_names="shop.example.org www.shop.example.org"))
    session.commit()
    assert site_for_host(session, "shop.example.org").id == "s2"
    assert site_for_host(session, "WWW.Shop.Example.org:8443").id == "s2"
    assert site_for_host(session, "unknown.example.org").id == "s1"
    assert site_for_host(session, None).id == default_site(session).id == "s1"
