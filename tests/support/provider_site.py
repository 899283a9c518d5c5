"""Our app as the OpenID Connect provider of a real relying party, for the end-to-end tests.

The tests with Apache (mod_auth_openidc), openid-client and django-allauth share this: the
real app started with ``SOCIALSERVICES_PUBLIC_URL`` equal to its own address (the issuer),
applications registered the way an administrator does it (``socialservices config import``
with an ``applications:`` section), local users made with ``socialservices user create``,
and the visitor's password sign-in at our ``/login`` page, which an application's
authorization request leads to.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from playwright.sync_api import Page, expect

from tests.support.app_server import AppServer, make_app_server

#: the default site's id on a fresh installation
SITE = "s1"
#: a confidential application's secret: the config file wants at least 32 characters
SECRET = "a-client-secret-of-at-least-32-characters"
#: a secret with the characters that HTTP Basic's form-encoding (RFC 6749 section 2.3.1)
#: changes: clients that encode it and clients that do not must both be let in
RESERVED_SECRET = "a+secret/with=reserved%2Fcharacters:&? and a space"
PASSWORD = "a password for the relying parties"
#: milliseconds for a hop through a relying party and back (its discovery, our token
#: endpoint, its own pages): several processes answer in turn, on a shared 2-core machine
ROUND_TRIP = 15_000


@dataclass
class ProviderSite:
    app: AppServer
    tmp_path: Path

    @property
    def issuer(self) -> str:
        """What discovery names as issuer: PUBLIC_URL, the app's own address."""
        return self.app.base_url

    def configure(self, applications: list[dict[str, Any]], **sections: Any) -> None:
        """Import ``applications`` (and other config-file sections, e.g. ``services``) with
        ``socialservices config import``, as an administrator would."""
        path = self.tmp_path / "applications.yaml"
        path.write_text(yaml.safe_dump({"applications": applications, **sections}))
        result = self.app.cli("config", "import", str(path))
        assert result.returncode == 0, result.stdout + result.stderr

    def add_user(self, login: str, email: str, *, admin: bool = False) -> str:
        """A local user with ``PASSWORD``; returns their id, which is our ``sub`` for them
        (the site's subject type is ``public`` by default)."""
        result = self.app.cli(
            "user",
            "create",
            "--login",
            login,
            "--email",
            email,
            *(["--admin"] if admin else []),
            "--password-stdin",
            stdin=PASSWORD + "\n",
        )
        assert result.returncode == 0, result.stdout + result.stderr
        # "Created user alice (id 2)." (one command less than `user list`: each costs seconds)
        created = re.search(r"\(id (\d+)\)", result.stdout)
        assert created, result.stdout
        return created.group(1)


def application(
    app_id: str,
    name: str,
    client_id: str,
    redirect_uris: list[str],
    *,
    public: bool = False,
    post_logout_redirect_uris: list[str] | None = None,
    allowed_groups: list[str] | None = None,
    secret: str = SECRET,
) -> dict[str, Any]:
    """One entry of the config file's ``applications`` section, on the default site."""
    entry: dict[str, Any] = {
        "id": app_id,
        "site": SITE,
        "name": name,
        "kind": "public" if public else "confidential",
        "client_id": client_id,
        "redirect_uris": redirect_uris,
        "post_logout_redirect_uris": post_logout_redirect_uris or [],
    }
    if not public:
        entry["client_secret"] = secret
    if allowed_groups is not None:
        entry["allowed_groups"] = allowed_groups
    return entry


def sign_in_for(page: Page, site: ProviderSite, application_name: str, login: str) -> None:
    """On our sign-in page, which an application's request led to: it names the
    application; the visitor signs in with their password."""
    expect(page).to_have_url(
        re.compile(re.escape(f"{site.issuer}/login?next=")), timeout=ROUND_TRIP
    )
    expect(page.get_by_text(f"Sign in to {application_name}").first).to_be_visible(
        timeout=ROUND_TRIP
    )
    page.get_by_label("Login or e-mail").fill(login)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def provider_site(tmp_path: Path) -> Iterator[ProviderSite]:
    """Our app, freshly installed and started, its PUBLIC_URL its own address."""
    app = make_app_server(tmp_path)
    app.env["SOCIALSERVICES_PUBLIC_URL"] = app.base_url
    app.start()
    try:
        yield ProviderSite(app, tmp_path)
    finally:
        app.stop()
