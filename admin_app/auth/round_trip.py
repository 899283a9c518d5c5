"""The round trip to an external service that every flow shares: its start (a single-use
state bound to the browser, with PKCE and a nonce where the provider uses them, and the
authorization request), its state taken back at the callback, and the exchange of the
callback with the service. What the answer leads to is each flow's own
(``social_sign_in``, ``social_link``, ``social_try``); ``social_callback`` chooses it by
the round trip's purpose.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from admin_app.auth.purpose import Purpose
from admin_app.auth.try_failures import TRIED_PAGE, keep_failure
from admin_app.core import metrics
from admin_app.core.database_wait import on_database
from admin_app.services.catalogue import SiteService, service_of_site, site_services
from models import consumed_proofs, oauth_states, sign_in_events
from models.db import read_scope, session_scope
from models.services import scope_of, sites_using
from models.sites import site_by_id, site_for_host
from models.tables import Site
from models.users import UserDataError
from providers.base import AuthorizationRequest, ProviderError, SignInResult

log = logging.getLogger(__name__)

ROUND_TRIP_DEADLINE = 30.0  # seconds for all the calls to a service in one step


@dataclass(frozen=True)
class Outcome:
    """Where a finished round trip leads."""

    service_id: str
    next_path: str = "/"
    refusal: str | None = None  # a key of refusals.REFUSALS, or "provider:<ProviderError code>"
    auth_token: str | None = None  # a new signed-in session for this browser
    linked: bool = False
    tried: bool = False  # an administrator's "Try it": its result waits for the tried page
    purpose: Purpose = Purpose.LOGIN  # linking: problems are shown on the profile page


@dataclass(frozen=True)
class RoundTrip:
    """A round trip taken back at its callback: what its start remembered, and the
    service as the site has it now."""

    purpose: Purpose
    service: SiteService
    site_id: str
    starter_id: int | None  # who is linking or trying
    next_path: str
    request: AuthorizationRequest  # what the provider needs to check the answer
    browser: str = ""  # the browser the round trip is bound to


def usable(service: SiteService | None, purpose: Purpose) -> SiteService | None:
    """The service if this round trip may use it: offered (enabled, complete and not
    hidden by the site's region) for visitors; for an administrator's "Try it" also
    before it is switched on or where the region hides it, if its settings are complete."""
    if service is None or not service.configured:
        return None
    return service if service.offered or purpose is Purpose.TRY else None


def _site(session: Session, host: str | None, scope: str | None = None) -> Site:
    """The site of this host name; with ``scope`` (an administrator trying a scope's
    service), that site if it uses the scope (its cookies come back to its callback),
    else the first site that does. LookupError when no site uses the scope."""
    site = site_for_host(session, host)
    if scope is None or scope_of(site) == scope:
        return site
    using = sites_using(session, scope)
    if not using:
        raise LookupError(scope)
    return using[0]


def _find_service(
    session: Session, site_id: str, service_id: str, purpose: Purpose
) -> SiteService | None:
    """The service as the site has it now, if usable; None also for a site deleted since
    the round trip began."""
    site = site_by_id(session, site_id)
    return None if site is None else usable(service_of_site(session, site, service_id), purpose)


def offered_services(host: str | None) -> list[SiteService]:
    """The services whose buttons the site of this host name shows, in order."""
    with read_scope() as session:
        site_id = _site(session, host).id
    return site_services(site_id, offered_only=True)


async def start(
    *,
    purpose: Purpose,
    service_id: str,
    host: str | None,
    browser: str,
    next_path: str = "/",
    user_id: int | None = None,
    scope: str | None = None,
) -> str:
    """Remember a new round trip for this browser; returns the service's URL to go to.

    Raises LookupError when the site does not offer the service, ProviderError when the
    service cannot be reached (discovery). An administrator's "Try it" that cannot start
    is kept with its cause instead, and the URL is the page that shows it.
    """

    def remember(session: Session, request: AuthorizationRequest, site_id: str) -> None:
        oauth_states.remember(
            session,
            state=request.state,
            browser=browser,
            purpose=purpose.value,
            service_id=service_id,
            site_id=site_id,
            user_id=user_id,
            next_path=next_path,
            nonce=request.nonce,
            code_verifier=request.code_verifier,
        )

    # the service, and (when the provider needs no network to begin: its discovery
    # document cached) the round trip remembered, in one transaction
    with session_scope() as session:
        site = _site(session, host, scope)
        service = usable(service_of_site(session, site, service_id), purpose)
        at_once = service.make_provider().begin_at_once(service.redirect_uri) if service else None
        if at_once is not None:
            remember(session, at_once, site.id)
    site_id = site.id
    if service is None:
        raise LookupError(service_id)
    if at_once is not None:
        log.info("social.started service=%s purpose=%s site=%s", service_id, purpose, site_id)
        return at_once.url
    try:
        try:
            async with asyncio.timeout(ROUND_TRIP_DEADLINE):
                request = await service.make_provider().begin(service.redirect_uri)
        except TimeoutError:
            raise ProviderError("timeout", "discovery took too long") from None
    except ProviderError as error:
        _record_event(purpose, service_id, site_id, f"provider:{error.code}")
        if purpose is Purpose.LOGIN:  # ended before the service: no callback counts it
            metrics.count_sign_in(metrics.SERVICE, service_id, f"provider:{error.code}")
        if purpose is not Purpose.TRY or user_id is None:
            raise
        reason = f"provider:{error.code}"
        keep_failure(
            administrator_id=user_id, browser=browser, service=service, reason=reason, error=error
        )
        return TRIED_PAGE
    with session_scope() as session:
        remember(session, request, site_id)
    log.info("social.started service=%s purpose=%s site=%s", service_id, purpose, site_id)
    return request.url


def take(*, service_id: str, callback: Mapping[str, str], browser: str) -> RoundTrip | Outcome:
    """The round trip this callback ends, taken once; a refusal when there is none for
    this browser, or its service is no longer usable."""
    with session_scope() as session:  # the round trip and its service, in one transaction
        state = oauth_states.take(session, state=callback.get("state", ""), browser=browser)
        if state is None or state.service_id != service_id:
            log.warning("social.state_invalid service=%s", service_id)
            return Outcome(service_id, refusal="state_invalid")
        purpose = Purpose(state.purpose)
        try:
            service = _find_service(session, state.site_id, service_id, purpose)
        except Exception:  # the state stays taken: a service that cannot be read is unusable
            log.exception("social.service_unreadable service=%s", service_id)
            service = None
    if service is None:
        log.warning("social.service_unavailable service=%s site=%s", service_id, state.site_id)
        return Outcome(service_id, state.next_path, refusal="service_unavailable", purpose=purpose)
    return RoundTrip(
        purpose=purpose,
        service=service,
        site_id=state.site_id,
        starter_id=state.user_id,
        next_path=state.next_path,
        browser=browser,
        request=AuthorizationRequest(
            url="",
            state=callback.get("state", ""),
            nonce=state.nonce,
            code_verifier=state.code_verifier,
        ),
    )


async def exchange(trip: RoundTrip, callback: Mapping[str, str]) -> SignInResult | Outcome:
    """What the service says about the account (the provider checks its answer); a
    refusal when it refuses, errs or takes too long (for an administrator's "Try it": its
    cause kept for the tried page, ``try_failures``)."""
    service_id = trip.service.service_id
    try:
        async with asyncio.timeout(ROUND_TRIP_DEADLINE):  # a service that drips its answer
            provider = trip.service.make_provider()
            return await provider.finish(trip.request, callback, trip.service.redirect_uri)
    except TimeoutError:
        log.warning("social.provider_error service=%s code=timeout (deadline)", service_id)
        refusal, failure = "provider:timeout", ProviderError("timeout", "the service took too long")
    except ProviderError as error:
        log.warning(
            "social.provider_error service=%s code=%s detail=%s",
            service_id,
            error.code,
            error.detail,
        )
        refusal, failure = f"provider:{error.code}", error
    _record_event(trip.purpose, service_id, trip.site_id, refusal)
    if trip.purpose is Purpose.TRY and trip.starter_id is not None:
        keep_failure(
            administrator_id=trip.starter_id,
            browser=trip.browser,
            service=trip.service,
            reason=refusal,
            error=failure,
        )
        return Outcome(service_id, TRIED_PAGE, tried=True, purpose=trip.purpose)
    return Outcome(service_id, trip.next_path, refusal=refusal, purpose=trip.purpose)


def _record_event(purpose: Purpose, service_id: str, site_id: str, refusal: str) -> None:
    """Sign-ins (not linking, not trying) for the administrator's overview; also those
    that failed before the visitor reached the service (its discovery document)."""
    if purpose is not Purpose.LOGIN:
        return
    with session_scope() as session:
        sign_in_events.record(
            session,
            service_id=service_id,
            site_id=site_id,
            success=not refusal,
            reason=refusal,
        )


def consume_proof(result: SignInResult) -> bool:
    """False when the service's answer is a bearer proof that was used before."""
    if not result.replay_key:
        return True
    assert result.replay_valid_until is not None
    try:
        with session_scope() as session:
            consumed_proofs.consume(session, result.replay_key, result.replay_valid_until)
    except IntegrityError:
        return False
    return True


def refuse(service: SiteService, reason: str, next_path: str = "/", **context: object) -> Outcome:
    log.warning(
        "social.refused service=%s reason=%s %s",
        service.service_id,
        reason,
        " ".join(f"{k}={v}" for k, v in context.items()),
    )
    return Outcome(service.service_id, next_path, refusal=reason)


def in_one_transaction(rules: Callable[[Session], Outcome], service_id: str) -> Outcome:
    """A flow's ``rules`` in one transaction; retried when a parallel callback for the
    same new external account got there first (the unique link then decides who wins)."""
    for _attempt in range(3):
        try:
            with session_scope() as session:
                return rules(session)
        except (IntegrityError, UserDataError) as error:
            if isinstance(error, UserDataError) and not error.code.endswith("_taken"):
                raise
            log.info("social.retry service=%s (a parallel callback won)", service_id)
    raise RuntimeError("could not settle a sign-in after three attempts")


async def settle(rules: Callable[[Session], Outcome], service_id: str) -> Outcome:
    """``in_one_transaction``, where the database is best waited for."""
    return await on_database(in_one_transaction, rules, service_id)
