"""A fake Microsoft identity platform for personal accounts, with Microsoft Graph ``/me``.

The Office 365 fake's tenants, keys and checks (client_secret_post, PKCE, a bearer token
at Graph, Graph's error object), answering as Microsoft does for a personal account:
the ``consumers`` discovery document names the issuer of the personal accounts' tenant,
ID tokens carry that tenant's ``tid`` and ``iss``, and Graph's ``/me`` gives the account's
16-digit hexadecimal id (not the ``oid`` GUID), its sign-in address as
``userPrincipalName`` and no ``mail``.
"""

from __future__ import annotations

from typing import Any

from tests.support.fakes.oauth import Grant
from tests.support.fakes.office365 import FakeMicrosoft


class FakeMicrosoftAccount(FakeMicrosoft):
    def id_token_claims(self, grant: Grant) -> dict[str, Any]:
        """The tenant's claims, then ``extra_claims`` (so that a test can forge ``iss``)."""
        return {**super().id_token_claims(grant), **self.extra_claims}

    def profile(self, profile: dict[str, Any], grant: Grant) -> Any:
        oid = str(profile.get("oid", ""))
        return {
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users/$entity",
            "id": oid.replace("-", "")[-16:],  # 00000000-0000-0000-<16 hex digits>
            "displayName": profile.get("name"),
            "givenName": profile.get("given_name"),
            "surname": profile.get("family_name"),
            "mail": None,
            "userPrincipalName": profile.get("preferred_username"),
            "businessPhones": [],
            "jobTitle": None,
            "mobilePhone": None,
            "officeLocation": None,
            "preferredLanguage": "ru-RU",
        }
