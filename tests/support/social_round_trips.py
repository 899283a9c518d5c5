"""Round trips to the fake OpenID provider as the sign-in rules' tests play them: the service
"staff" configured through the config file, a round trip from its start through the
provider's answer to our callback, and a signed-in session to link from; for the steps
that follow a round trip, the browser a use case is asked from and what it ends with."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import yaml
from sqlmodel import select

from admin_app.auth import social_callback
from admin_app.auth.purpose import Purpose
from admin_app.auth.round_trip import Outcome, start
from admin_app.core import asking
from admin_app.services.config_file import import_configuration
from models import auth_sessions
from models.db import session_scope
from models.tables import LinkedAccount
from providers.openid import forget_cached_metadata
from tests.support.fakes.openid import FakeOpenIDProvider

HOST = "127.0.0.1:8080"
BROWSER = "browser-1"


def configure(
    idp: FakeOpenIDProvider,
    *,
    registration: bool = True,
    denied_auth: tuple[str, ...] = (),
    denied_link: tuple[str, ...] = (),
) -> None:
    import_configuration(
        yaml.safe_dump(
            {
                "services": {
                    "staff": {
                        "provider": "oidc",
                        "enabled": True,
                        "settings": {"client_id": "app", "client_secret": "secret"},
                        "endpoints": {"issuer": idp.issuer},
                    }
                },
                "registration": {
                    "allow_self_registration": registration,
                    "allow_social_registration": True,
                    "denied_auth_groups": list(denied_auth),
                    "denied_link_groups": list(denied_link),
                },
            }
        )
    )


async def round_trip(
    purpose: Purpose = Purpose.LOGIN,
    *,
    browser: str = BROWSER,
    user_id: int | None = None,
    auth_token: str = "",
    tamper: dict[str, str] | None = None,
    next_path: str = "/profile",
) -> Outcome:
    url = await start(
        purpose=purpose,
        service_id="staff",
        host=HOST,
        browser=browser,
        next_path=next_path,
        user_id=user_id,
    )
    async with httpx.AsyncClient() as client:
        answer = await client.get(url)
    callback = {k: v[-1] for k, v in parse_qs(urlsplit(answer.headers["location"]).query).items()}
    return await social_callback.finish(
        service_id="staff",
        callback={**callback, **(tamper or {})},
        browser=BROWSER,
        auth_token=auth_token,
    )


def signed_in_token(user_id: int) -> str:
    with session_scope() as session:
        return auth_sessions.create_active(session, user_id=user_id)


def fake_provider(profile: dict[str, Any]) -> Iterator[FakeOpenIDProvider]:
    """The provider of "staff", answering for ``profile`` (a fixture's ``yield from``)."""
    forget_cached_metadata()
    fake = FakeOpenIDProvider(client_id="app", client_secret="secret", profile=profile).start()
    try:
        yield fake
    finally:
        fake.stop()


def in_browser(monkeypatch: pytest.MonkeyPatch, browser: str = BROWSER) -> None:
    """Use cases asked from this browser, as a page's event asks them."""
    asker = asking.Asker(browser_id=browser, client_address="127.0.0.1", user_agent="test")
    monkeypatch.setattr(asking, "current", lambda: asker)


def signed_in_by(completion_url: str, browser: str = BROWSER) -> int | None:
    """Whom a URL that finishes signing in (``/auth/complete?ticket=``) signs in, as that
    route activates it in ``browser``."""
    ticket = completion_url.split("ticket=", 1)[1].split("&", 1)[0]
    with session_scope() as session:
        activated = auth_sessions.activate(session, ticket=ticket, browser=browser)
    return activated[0] if activated else None


def link_owner(external_id: str) -> int | None:
    """The user an external account of "staff" is linked to, if any."""
    with session_scope() as session:
        link = session.exec(
            select(LinkedAccount).where(LinkedAccount.external_id == external_id)
        ).first()
        return link.user_id if link is not None else None
