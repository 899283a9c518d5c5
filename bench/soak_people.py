"""The soak's OpenID Connect provider: the tests' fake provider, answering for whoever the
authorization request names in ``login_hint`` (OpenID Connect Core, section 3.1.2.1), as
if that person had typed their name at the provider. A soak needs newcomers all along
(new subjects, new accounts and links) and returning people among many, not the one
fixed profile of the fake.

It runs in a process of its own (``serve``), so that its work does not share the load
generator's interpreter.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.fakes.oauth import Grant  # noqa: E402
from tests.support.fakes.openid import FakeOpenIDProvider  # noqa: E402

CLIENT_ID = "soak-app"
CLIENT_SECRET = "soak-secret-0123456789"


def person(subject: str) -> dict[str, Any]:
    """What the provider says about ``subject``: a verified address of its own."""
    return {
        "sub": subject,
        "email": f"{subject}@soak.example.org",
        "email_verified": True,
        "given_name": "Soak",
        "family_name": subject,
        "name": f"Soak {subject}",
    }


class ManyPeople(FakeOpenIDProvider):
    """Every grant belongs to the person its authorization named."""

    def authorize_result(self, code: str, query: dict[str, str]) -> dict[str, str]:
        with self.lock:
            self.grants[code].user_id = query.get("login_hint", "")
        return {"code": code}

    def id_token_claims(self, grant: Grant) -> dict[str, Any]:
        return {**super().id_token_claims(grant), **person(grant.user_id or "")}

    def profile(self, profile: dict[str, Any], grant: Grant) -> Any:
        return person(grant.user_id or "")


def serve() -> None:
    """Start, print the issuer, serve until killed."""
    fake = ManyPeople(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, profile={})
    handler = fake._server.RequestHandlerClass
    handler.protocol_version = "HTTP/1.1"  # keep-alive, as real providers
    handler.disable_nagle_algorithm = True  # no 40 ms waits for delayed ACKs
    fake.start()
    print(fake.issuer, flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    serve()
