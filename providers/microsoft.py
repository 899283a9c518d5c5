"""Personal Microsoft accounts (Outlook.com, Hotmail, Xbox, Skype: the original's "LiveID").

The same Microsoft identity platform (v2.0) as Microsoft 365, with the tenant fixed to
``consumers``: an Office365 whose tenant is not a setting. What that class checks holds
here unchanged: the endpoints come from ``…/consumers/…``, the discovery document of
``consumers`` names the issuer ``…/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0`` (the
personal accounts' tenant, which every ID token names in ``tid`` and ``iss``), a token
from any other tenant is refused, and users are told apart by ``tid`` and ``oid``.

Microsoft has no revocation endpoint for these tokens: a person withdraws the consent in
their Microsoft account.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from providers.base import N_, SettingField
from providers.office365 import Office365

CONSUMERS = "consumers"


class Microsoft(Office365):
    id = "microsoft"
    title = N_("Microsoft account")
    fields: ClassVar[tuple[SettingField, ...]] = Office365.fields[:2]  # no tenant setting
    # set here too: each subclass works ``revokes`` out anew, and OpenIDProvider's
    # ``revocation_endpoint`` (from discovery, which names none here) would make it True
    revokes = False
    help = N_(
        "1. Open the Microsoft Entra admin center (https://entra.microsoft.com) → "
        '"App registrations" → "New registration" (or "App registrations" in the Azure '
        "portal, https://portal.azure.com).\n"
        '2. Enter a name and choose the "Supported account types" option "Personal Microsoft '
        'accounts only".\n'
        '3. Under "Redirect URI" choose the platform "Web" and paste the redirect URI shown '
        'below, then click "Register".\n'
        '4. On the "Overview" page copy the "Application (client) ID" here.\n'
        '5. In "Certificates & secrets" → "Client secrets" click "New client secret" and copy '
        'its "Value" (not the "Secret ID") here at once. Note its expiry date: a new secret '
        "is needed before then.\n"
        '6. "API permissions" already has Microsoft Graph "User.Read"; the sign-in also asks '
        'for "openid", "email", "profile" and "offline_access".\n\n'
        "The e-mail address Microsoft sends is never treated as verified: Microsoft does not "
        "guarantee it. Microsoft offers no way to revoke a sign-in's grant: unlinking here "
        "leaves the app in the person's Microsoft account (https://account.microsoft.com), "
        "where they can remove it.\n\n"
        "Documentation: https://learn.microsoft.com/entra/identity-platform/"
        "quickstart-register-app"
    )

    def configuration_checks(self) -> list[Callable[[], object]]:
        return []

    @property
    def tenant(self) -> str:
        return CONSUMERS
