"""Telling a service to forget the grant behind a link that is being removed, so that
nothing stays authorised there once the link is gone.

The link's tokens are read in the transaction that deletes it (``hold``); the service is
asked after the commit (``revoke_held``), so no transaction stays open over the network.
The link is removed either way: a service that cannot be told is reported (and logged),
with what the person can do instead, and never brings the link back. An access token
that has expired is refreshed first, and one the service refuses is refreshed and tried
once more (``link_tokens``), since some services revoke only with a working token.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from admin_app.activity.link_tokens import LinkToken, TokenProblem, fresh, held_token, with_tokens
from admin_app.core.i18n import N_
from admin_app.services.catalogue import link_service
from models.tables import LinkedAccount
from providers.base import ProviderError, RevocationUnavailable, TokenSet

log = logging.getLogger("socialservices.links")

#: how long the service may take, refresh included, before it counts as not answering
LIMIT = 30.0

#: outcomes
REVOKED = "revoked"  # the service was told, and said yes
NOT_OFFERED = "not_offered"  # the service offers no revocation (or is not configured now)
NOTHING_HELD = "nothing_held"  # the link held no token to revoke with
FAILED = "failed"  # the service could not be told: ``problem`` says why

NOT_ANSWERING = N_(
    "{service} could not be told to withdraw the access it gave: it is not answering. "
    "The access can be withdrawn in the {service} account's settings."
)
REFUSED = N_(
    "{service} could not be told to withdraw the access it gave: it refused the request. "
    "The access can be withdrawn in the {service} account's settings."
)


@dataclass(frozen=True)
class HeldGrant:
    """What a removed link leaves for telling its service."""

    site_id: str
    service_id: str
    token: LinkToken | None


@dataclass(frozen=True)
class Revocation:
    outcome: str
    #: for FAILED: a message id with a ``{service}`` field, to translate where shown
    problem: str = ""

    @property
    def failed(self) -> bool:
        return self.outcome == FAILED


def hold(link: LinkedAccount) -> HeldGrant:
    """Read what ``revoke_held`` needs, inside the transaction that deletes ``link``."""
    return HeldGrant(link.site_id, link.service_id, held_token(link))


async def revoke_held(held: HeldGrant) -> Revocation:
    """Ask the service the link was made through to forget its grant."""
    if held.token is None:
        return Revocation(NOTHING_HELD)
    service = link_service(held.site_id, held.service_id)
    if service is None or not service.configured or not service.provider.revokes:
        return Revocation(NOT_OFFERED)
    provider = service.make_provider()
    try:
        async with asyncio.timeout(LIMIT):
            token = await fresh(provider, held.token)
            await with_tokens(
                provider,
                token,
                lambda given: provider.revoke(TokenSet(given.access_token, given.refresh_token)),
            )
    except RevocationUnavailable:
        return Revocation(NOT_OFFERED)
    except TimeoutError:
        return _failed(held, NOT_ANSWERING, "timed out")
    except TokenProblem as problem:
        return _failed(held, REFUSED, problem.detail)
    except ProviderError as error:
        silent = error.code in {"unavailable", "timeout"}
        return _failed(held, NOT_ANSWERING if silent else REFUSED, str(error))
    log.info("links.revoked service=%s", held.service_id)
    return Revocation(REVOKED)


def _failed(held: HeldGrant, problem: str, detail: str) -> Revocation:
    log.warning("links.revocation_failed service=%s: %s", held.service_id, detail[:500])
    return Revocation(FAILED, problem)
