"""What the fault tests do to the app over HTTP, as a browser would: the service "staff"
(a fake OpenID provider) configured, a sign-in through it, a round trip stopped at the
service's answer, and waiting for the app to say it is healthy or not."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import httpx
import pytest
import yaml

from tests.support.app_server import AppServer
from tests.support.fakes.openid import FakeOpenIDProvider

PERSON = {"sub": "outage-1", "email": "ada@example.org", "email_verified": True, "name": "Ada"}


@pytest.fixture
def idp() -> Iterator[FakeOpenIDProvider]:
    """The provider of "staff", answering for ``PERSON``."""
    fake = FakeOpenIDProvider(client_id="app", client_secret="secret", profile=PERSON).start()
    yield fake
    fake.stop()


def configured(app: AppServer, idp: FakeOpenIDProvider) -> AppServer:
    """``app`` offering "staff", whose newcomers get an account."""
    document = {
        "services": {
            "staff": {
                "provider": "oidc",
                "enabled": True,
                "settings": {"client_id": "app", "client_secret": "secret"},
                "endpoints": {"issuer": idp.issuer},
            }
        },
        "registration": {
            "allow_self_registration": True,
            "allow_social_registration": True,
            "denied_auth_groups": [],
            "denied_link_groups": [],
        },
    }
    path = app.data_dir.parent / "config.yaml"
    path.write_text(yaml.safe_dump(document))
    result = app.cli("config", "import", str(path))
    assert result.returncode == 0, result.stderr
    return app


def begin_sign_in(browser: httpx.Client) -> str:
    """A round trip up to the service's answer: the callback URL, not yet followed."""
    to_service = browser.get("/oauth/staff/login")
    assert to_service.status_code == 303, to_service.text[:300]
    answer = httpx.get(to_service.headers["location"])
    assert answer.status_code in (302, 303), answer.text[:300]
    return answer.headers["location"]


def sign_in(browser: httpx.Client) -> None:
    landed = browser.get(begin_sign_in(browser), follow_redirects=True)
    assert landed.status_code == 200 and landed.url.path == "/profile", landed.url
    assert PERSON["email"] in landed.text


def signed_in(browser: httpx.Client) -> bool:
    page = browser.get("/profile", follow_redirects=True)
    return page.status_code == 200 and page.url.path == "/profile"


def health(app: AppServer, timeout: float = 5.0) -> int:
    return httpx.get(f"{app.base_url}/healthz", timeout=timeout).status_code


def wait_for(check: Callable[[], bool], seconds: float) -> float:
    """Seconds until ``check`` held; fails after ``seconds``."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < seconds, f"not within {seconds} s"
        time.sleep(0.2)
    return time.monotonic() - started
