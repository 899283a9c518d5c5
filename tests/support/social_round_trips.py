"""Round trips to the fake OpenID provider as the sign-in rules' tests play them: the service
"staff" configured through the config file, a round trip from its start through the
provider's answer to our callback, and a signed-in session to link from."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import yaml

from admin_app.auth import social_callback
from admin_app.auth.purpose import Purpose
from admin_app.auth.round_trip import Outcome, start
from admin_app.services.config_file import import_configuration
from models import auth_sessions
from models.db import session_scope
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
