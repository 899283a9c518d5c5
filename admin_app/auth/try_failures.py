"""A failed "Try it": the administrator reads its cause, where a visitor reads only the
short message (``refusals.problem_message``).

What went wrong is kept like a successful try's profile (``models.tried_results``),
bound to the administrator who started the round trip and to their browser, and the
tried page shows it once: the visitor's message, the service's own ``error`` and
``error_description``, and what the provider found (``ProviderError.facts``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from admin_app.core.i18n import N_
from admin_app.services.catalogue import SiteService
from models import tried_results
from models.db import session_scope
from providers.base import ProviderError

log = logging.getLogger(__name__)

#: the page that shows what a "Try it" received, or why it failed
TRIED_PAGE = "/admin/services/tried"


def keep_failure(
    *,
    administrator_id: int,
    browser: str,
    service: SiteService,
    reason: str,
    error: ProviderError | None = None,
) -> None:
    """Keep why the try of ``service`` failed; ``reason``: the refusal's code."""
    failure: dict[str, Any] = {
        "failed": True,
        "service_id": service.service_id,
        "service_title": service.title,
        "reason": reason,
        "redirect_uri": service.redirect_uri,
    }
    if error is not None:
        failure["detail"] = error.detail[:500]
        failure.update(error.facts)
    with session_scope() as session:
        tried_results.keep(session, user_id=administrator_id, browser=browser, profile=failure)
    log.info("social.try_failed service=%s reason=%s", service.service_id, reason)


#: the issuer offers no client authentication this service can use with its settings:
#: the cause of a failed try, and the editor's warning after reading the document again
AUTH_METHODS_UNUSABLE = N_(
    "The issuer offers only these client authentication methods at its token endpoint "
    "(token_endpoint_auth_methods_supported): {offers}. With its settings this service "
    "authenticates with: {uses}. Allow one of the issuer's methods for the client at the "
    'provider, or choose one under "Client authentication" (client_secret_basic and '
    "client_secret_post need the client secret, private_key_jwt a key)."
)

#: the cause a failure names, by what it holds (the first that applies); the page fills in
#: the values with ``str.format``
CAUSES = (
    ("offers", AUTH_METHODS_UNUSABLE),
    (
        "discovery_url",
        N_(
            "The discovery document {discovery_url} could not be read: {problem}. Check the "
            'issuer URL under "Advanced", and that this server can reach it.'
        ),
    ),
    (
        "redirect_uri_refused",
        N_(
            "The service refused the redirect URI {redirect_uri}. Add it exactly so to the "
            "client's allowed redirect URIs at the service."
        ),
    ),
    (
        "error",
        N_("The service answered with the error {error}: {error_description}"),
    ),
    ("detail", N_("What went wrong: {detail}")),
)


def cause(failure: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
    """The message id naming a kept failure's cause and its values; ("", {}) when
    nothing more than the visitor's message is known."""
    values = {key: str(value) for key, value in failure.items() if value not in (None, "")}
    said = f"{values.get('error', '')} {values.get('error_description', '')}".lower()
    if "redirect_uri" in said or "redirect uri" in said:
        values["redirect_uri_refused"] = "yes"
    for key, message in CAUSES:
        if key in values:
            values.setdefault("error_description", "—")
            return message, values
    return "", {}
