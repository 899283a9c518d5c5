"""What the activity tests share: fake X and Facebook (real HTTP on 127.0.0.1), both
offered on the default site and pointed at the fakes, and people whose linked accounts
hold tokens the fakes issued (stored sealed, as a sign-in stores them)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import yaml

from admin_app.core import startup, token_storage
from admin_app.core.link_issuers import identity_issuer
from admin_app.core.settings import load_settings
from admin_app.services.config_file import import_configuration
from models import feed
from models.db import session_scope
from models.options import activity_options
from models.services import find_config
from models.tables import LinkedAccount, utcnow
from models.users import create_user
from providers.base import TokenSet
from tests.support.fakes.facebook import FakeFacebook
from tests.support.fakes.twitter import FakeTwitter

X_SCOPES = "tweet.read tweet.write users.read offline.access"


@pytest.fixture
def x_api() -> Iterator[FakeTwitter]:
    fake = FakeTwitter(client_id="x-app", client_secret="x-secret", profile={}).start()
    yield fake
    fake.stop()


@pytest.fixture
def facebook_api() -> Iterator[FakeFacebook]:
    fake = FakeFacebook(client_id="fb-app", client_secret="fb-secret", profile={}).start()
    yield fake
    fake.stop()


def configure(
    x_api: FakeTwitter,
    facebook_api: FakeFacebook,
    *,
    send_activity: bool = True,
    hashtags: tuple[str, ...] = (),
) -> None:
    import_configuration(
        yaml.safe_dump(
            {
                "services": {
                    "twitter": {
                        "enabled": True,
                        "settings": {"client_id": "x-app", "client_secret": "x-secret"},
                        "endpoints": x_api.endpoints(),
                    },
                    "facebook": {
                        "enabled": True,
                        "settings": {"client_id": "fb-app", "client_secret": "fb-secret"},
                        "endpoints": facebook_api.endpoints(),
                    },
                },
                "activity": {"send_activity": send_activity, "hashtags": list(hashtags)},
            }
        )
    )


def prepare(
    database_url: str, monkeypatch: pytest.MonkeyPatch, x_api: FakeTwitter, fb: FakeFacebook
) -> None:
    monkeypatch.setenv("SOCIALSERVICES_DATABASE_URL", database_url)
    startup.prepare(load_settings())
    configure(x_api, fb)


def person(login: str) -> int:
    with session_scope() as session:
        user = create_user(
            session, login=login, email=f"{login}@example.org", password=None, first_name=login
        )
        assert user.id is not None
        return user.id


def link(
    user_id: int,
    provider: str,
    external_id: str,
    tokens: tuple[str, str | None],
    *,
    publish: bool = True,
    username: str = "",
    expires_at: datetime | None = None,
) -> int:
    """A linked account holding these tokens, stored as a sign-in stores them."""
    with session_scope() as session:
        service = find_config(session, "common", provider)
        row = LinkedAccount(
            user_id=user_id,
            service_id=provider,
            provider=provider,
            issuer=identity_issuer(provider, service.endpoints if service else {}),
            external_id=external_id,
            site_id="s1",
            login_hint=username,
            publish_activity=publish,
        )
        session.add(row)
        session.flush()
        token_storage.store_link_tokens(
            session,
            row,
            TokenSet(
                access_token=tokens[0],
                refresh_token=tokens[1],
                expires_at=expires_at or utcnow() + timedelta(hours=2),
            ),
        )
        assert row.id is not None
        return row.id


def alice_on_x(x_api: FakeTwitter, *, publish: bool = True) -> tuple[int, int]:
    """Alice, and her X account (@alice_x) holding a token the fake issued: (user, link)."""
    alice = person("alice")
    tokens = x_api.issue_token(scope=X_SCOPES, user_id="x-alice")
    return alice, link(alice, "twitter", "x-alice", tokens, publish=publish, username="alice_x")


def write_post(author_id: int, text: str) -> int:
    """A post written in the feed, queued as ``post_message`` queues it."""
    from admin_app.activity import outbox as activity_outbox

    with session_scope() as session:
        post = feed.add_post(session, site_id="s1", author_id=author_id, text=text)
        activity_outbox.queue(session, post)
        assert post.id is not None
        return post.id


def set_sending(on: bool) -> None:
    """Another process's administrator switched sending (no cancelling done here)."""
    with session_scope() as session:
        options = activity_options(session)
        options.send_activity = on
        session.add(options)


def later(seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)
