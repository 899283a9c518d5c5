"""The Content Security Policy and HSTS, as a browser receives them with a page.

That the policy lets every page work is proven in Chromium (tests/e2e/test_security_policy.py);
here: what it allows, and that the page's scripts are exactly the ones it allows.
"""

from __future__ import annotations

import re

import pytest
from nicegui.testing import User

SCRIPT_TAG = re.compile(r"<script\b[^>]*>", re.IGNORECASE)


def directives(response_headers: dict[str, str]) -> dict[str, list[str]]:
    policy = response_headers["content-security-policy"]
    parsed = (part.split() for part in policy.split(";") if part.strip())
    return {name: sources for name, *sources in parsed}


@pytest.fixture
def https_public_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOCIALSERVICES_PUBLIC_URL", "https://sso.example.org")


async def test_a_page_runs_only_its_own_scripts(user: User) -> None:
    response = await user.http_client.get("/login")
    policy = directives(dict(response.headers))
    nonces = [source for source in policy["script-src"] if source.startswith("'nonce-")]
    assert len(nonces) == 1
    assert "'unsafe-inline'" not in policy["script-src"]  # markup in a page cannot run
    assert set(policy["script-src"]) == {"'self'", nonces[0], "'unsafe-eval'"}
    nonce = nonces[0].removeprefix("'nonce-").removesuffix("'")
    scripts = SCRIPT_TAG.findall(response.text)
    assert scripts and all(f'nonce="{nonce}"' in tag for tag in scripts)  # NiceGUI's, ours
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["default-src"] == ["'self'"]
    assert policy["form-action"][0] == "'self'"
    again = await user.http_client.get("/login")
    assert nonce not in again.headers["content-security-policy"]  # one nonce per response
    assert "strict-transport-security" not in response.headers  # plain http: no HSTS


async def test_a_name_with_markup_gets_no_nonce(user: User) -> None:
    """Text from data reaches the page inside NiceGUI's element data, never as a tag."""
    response = await user.http_client.get(
        "/signin/problem?reason=state_invalid&service=%3Cscript%3Ealert(1)%3C/script%3E"
    )
    assert "<script>alert(1)" not in response.text
    nonce = re.search(r"'nonce-([^']+)'", response.headers["content-security-policy"])
    assert nonce is not None
    assert all(f'nonce="{nonce.group(1)}"' in tag for tag in SCRIPT_TAG.findall(response.text))


async def test_the_telegram_fragment_page_may_run_its_script(user: User) -> None:
    response = await user.http_client.get("/oauth/telegram/callback?state=abc")
    nonce = re.search(r"'nonce-([^']+)'", response.headers["content-security-policy"])
    assert nonce is not None
    assert f'<script nonce="{nonce.group(1)}">' in response.text


async def test_https_public_url_gets_hsts_and_https_only_services(
    https_public_url: None, user: User
) -> None:
    for path in ("/login", "/oauth/nothing/login"):  # a page, and the sign-in lane
        response = await user.http_client.get(path)
        assert response.headers["strict-transport-security"] == "max-age=31536000"
        assert directives(dict(response.headers))["form-action"] == ["'self'", "https:"]
