"""Signing in, registering and linking with an external service: the one place that
decides what a round trip to a service leads to.

A round trip starts here (``start``), which remembers a single-use state bound to the
browser, and ends here (``finish``), which checks that state, lets the provider verify
the answer, and applies the rules: a linked account signs its user in; an e-mail that
belongs to someone is never merged; a new person is registered only when registration
through social networks is open; linking attaches the account to the user who started
it and to nobody else.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import partial

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from admin_app.core import token_storage
from admin_app.services.catalogue import SiteService, service_of_site, site_services
from models import auth_sessions, consumed_proofs, linked_accounts, oauth_states, sign_in_events
from models.db import is_embedded, read_scope, session_scope
from models.options import DENIED_AUTH, DENIED_LINK, denied_group_codes, registration_options
from models.services import scope_of, sites_using
from models.sites import site_for_host
from models.tables import LinkedAccount, Site, User
from models.users import (
    REGISTERED,
    UserDataError,
    available_login,
    create_user,
    find_by_email,
    is_administrator,
    is_in_any_group,
    is_valid_email,
    record_sign_in,
)
from providers.base import AuthorizationRequest, ExternalProfile, ProviderError, SignInResult

log = logging.getLogger(__name__)

LOGIN, LINK, TRY = "login", "link", "try"
ROUND_TRIP_DEADLINE = 30.0  # seconds for all the calls to a service in one step


@dataclass(frozen=True)
class Outcome:
    """Where a finished round trip leads."""

    service_id: str
    next_path: str = "/"
    refusal: str | None = None  # a key of refusals.REFUSALS, or "provider:<ProviderError code>"
    auth_token: str | None = None  # a new signed-in session for this browser
    linked: bool = False
    tried: dict[str, object] | None = None  # an administrator's "Try it": what came back
    purpose: str = LOGIN  # linking: problems are shown on the profile page


def _usable(service: SiteService | None, purpose: str) -> SiteService | None:
    """The service if this round trip may use it: offered (enabled and complete) for
    visitors; for an administrator's "Try it" also before it is switched on, if its
    settings are complete."""
    if service is None or not service.configured or not (service.enabled or purpose == TRY):
        return None
    return service


def _find_service(
    session: Session, site_id: str, service_id: str, purpose: str
) -> SiteService | None:
    """The service as the site has it now, if usable; None also for a site deleted since
    the round trip began."""
    site = session.get(Site, site_id)
    return None if site is None else _usable(service_of_site(session, site, service_id), purpose)


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


def offered_services(host: str | None) -> list[SiteService]:
    """The services whose buttons the site of this host name shows, in order."""
    with read_scope() as session:
        site_id = _site(session, host).id
    return site_services(site_id, offered_only=True)


def may_link(user_id: int) -> bool:
    with read_scope() as session:
        return not is_in_any_group(session, user_id, denied_group_codes(session, DENIED_LINK))


async def start(
    *,
    purpose: str,
    service_id: str,
    host: str | None,
    browser: str,
    next_path: str = "/",
    user_id: int | None = None,
    scope: str | None = None,
) -> str:
    """Remember a new round trip for this browser; returns the service's URL to go to.

    Raises LookupError when the site does not offer the service, ProviderError when the
    service cannot be reached (discovery).
    """
    with read_scope() as session:
        site = _site(session, host, scope)
        service = _usable(service_of_site(session, site, service_id), purpose)
    site_id = site.id
    if service is None:
        raise LookupError(service_id)
    try:
        async with asyncio.timeout(ROUND_TRIP_DEADLINE):
            request = await service.make_provider().begin(service.redirect_uri)
    except TimeoutError:
        raise ProviderError("timeout", "discovery took too long") from None
    with session_scope() as session:
        oauth_states.remember(
            session,
            state=request.state,
            browser=browser,
            purpose=purpose,
            service_id=service_id,
            site_id=site_id,
            user_id=user_id,
            next_path=next_path,
            nonce=request.nonce,
            code_verifier=request.code_verifier,
        )
    log.info("social.started service=%s purpose=%s site=%s", service_id, purpose, site_id)
    return request.url


async def finish(
    *, service_id: str, callback: Mapping[str, str], browser: str, auth_token: str
) -> Outcome:
    """Check the callback and apply the rules; every failure is a refusal, nothing half-done."""
    with session_scope() as session:  # the round trip and its service, in one transaction
        state = oauth_states.take(session, state=callback.get("state", ""), browser=browser)
        if state is None or state.service_id != service_id:
            log.warning("social.state_invalid service=%s", service_id)
            return Outcome(service_id, refusal="state_invalid")
        try:
            service = _find_service(session, state.site_id, service_id, state.purpose)
        except Exception:  # the state stays taken: a service that cannot be read is unusable
            log.exception("social.service_unreadable service=%s", service_id)
            service = None
    if service is None:
        log.warning("social.service_unavailable service=%s site=%s", service_id, state.site_id)
        return Outcome(
            service_id, state.next_path, refusal="service_unavailable", purpose=state.purpose
        )
    request = AuthorizationRequest(
        url="",
        state=callback.get("state", ""),
        nonce=state.nonce,
        code_verifier=state.code_verifier,
    )
    try:
        async with asyncio.timeout(ROUND_TRIP_DEADLINE):  # a service that drips its answer
            result = await service.make_provider().finish(request, callback, service.redirect_uri)
    except TimeoutError:
        log.warning("social.provider_error service=%s code=timeout (deadline)", service_id)
        _record_event(state.purpose, service_id, state.site_id, "provider:timeout")
        return Outcome(
            service_id, state.next_path, refusal="provider:timeout", purpose=state.purpose
        )
    except ProviderError as error:
        log.warning(
            "social.provider_error service=%s code=%s detail=%s",
            service_id,
            error.code,
            error.detail,
        )
        _record_event(state.purpose, service_id, state.site_id, f"provider:{error.code}")
        return Outcome(
            service_id, state.next_path, refusal=f"provider:{error.code}", purpose=state.purpose
        )
    if state.purpose == TRY:
        return _tried(service, state.user_id, auth_token, result)
    if result.replay_key and not _consume_proof(result):
        log.warning("social.proof_replayed service=%s", service_id)
        return Outcome(service_id, state.next_path, refusal="state_invalid", purpose=state.purpose)
    rules = partial(
        _apply_rules,
        state.purpose,
        service,
        state.site_id,
        state.user_id,
        state.next_path,
        result,
        auth_token,
    )
    # SQLite answers from within this process in about a millisecond: a worker thread
    # would only add its hand-over (a sixth of a sign-in's time with 8 at once).
    # PostgreSQL's answers come over the network, while the loop serves others.
    outcome = rules() if is_embedded() else await asyncio.to_thread(rules)
    assert outcome is not None
    return replace(outcome, purpose=state.purpose)


def _record_event(purpose: str, service_id: str, site_id: str, refusal: str) -> None:
    """Sign-ins (not linking, not trying) for the administrator's overview."""
    if purpose != LOGIN:
        return
    with session_scope() as session:
        sign_in_events.record(
            session, service_id=service_id, site_id=site_id, success=not refusal, reason=refusal
        )


def _tried(
    service: SiteService, starter_id: int | None, auth_token: str, result: SignInResult
) -> Outcome:
    """What an administrator's "Try it" received; nothing is created or linked."""
    with session_scope() as session:
        current = auth_sessions.user_of(session, auth_token)
        allowed = (
            starter_id is not None and current == starter_id and is_administrator(session, current)
        )
    if not allowed:
        return _refuse(service, "link_session_changed", "/admin")
    profile = result.profile
    log.info("social.tried service=%s by user_id=%s", service.service_id, starter_id)
    return Outcome(
        service.service_id,
        "/admin",
        tried={
            "service_id": service.service_id,
            "external_id": profile.external_id,
            "login_hint": profile.login_hint,
            "first_name": profile.first_name,
            "last_name": profile.last_name,
            "email": profile.email,
            "email_verified": profile.email_verified,
            "picture_url": profile.picture_url,
            "profile_url": profile.profile_url,
            "scopes": list(result.tokens.scopes),
            "refresh_token": result.tokens.refresh_token is not None,
        },
    )


def _consume_proof(result: SignInResult) -> bool:
    """False when this bearer proof was used before."""
    assert result.replay_key is not None and result.replay_valid_until is not None
    try:
        with session_scope() as session:
            consumed_proofs.consume(session, result.replay_key, result.replay_valid_until)
    except IntegrityError:
        return False
    return True


def _apply_rules(
    purpose: str,
    service: SiteService,
    site_id: str,
    starter_id: int | None,
    next_path: str,
    result: SignInResult,
    auth_token: str,
) -> Outcome:
    """The rules, in one transaction; retried when a parallel callback for the same new
    external account got there first (the unique link then decides who wins)."""
    for _attempt in range(3):
        try:
            with session_scope() as session:
                if purpose == LINK:
                    return _link(session, service, site_id, starter_id, result, auth_token)
                outcome = _sign_in(session, service, site_id, next_path, result)
                # the overview's tally, in the sign-in's own transaction (one commit)
                sign_in_events.record(
                    session,
                    service_id=service.service_id,
                    site_id=site_id,
                    success=not outcome.refusal,
                    reason=outcome.refusal or "",
                )
                return outcome
        except (IntegrityError, UserDataError) as error:
            if isinstance(error, UserDataError) and not error.code.endswith("_taken"):
                raise
            log.info("social.retry service=%s (a parallel callback won)", service.service_id)
    raise RuntimeError("could not settle a sign-in after three attempts")


def _refuse(service: SiteService, reason: str, next_path: str = "/", **context: object) -> Outcome:
    log.warning(
        "social.refused service=%s reason=%s %s",
        service.service_id,
        reason,
        " ".join(f"{k}={v}" for k, v in context.items()),
    )
    return Outcome(service.service_id, next_path, refusal=reason)


def _sign_in(
    session: Session, service: SiteService, site_id: str, next_path: str, result: SignInResult
) -> Outcome:
    profile = result.profile
    link = linked_accounts.find_link(
        session,
        service_id=service.service_id,
        issuer=service.issuer,
        external_id=profile.external_id,
    )
    if link is not None:
        user = session.get(User, link.user_id)
        assert user is not None and user.id is not None
        if not user.is_active:
            return _refuse(service, "user_blocked", next_path, user_id=user.id)
        if is_in_any_group(session, user.id, denied_group_codes(session, DENIED_AUTH)):
            return _refuse(service, "auth_denied_group", next_path, user_id=user.id)
        _update_link(session, link, result)
        linked_accounts.mark_used(link)  # signing in uses a link; linking does not
        record_sign_in(session, user)
        log.info("social.signed_in service=%s user_id=%d", service.service_id, user.id)
        return Outcome(
            service.service_id,
            next_path,
            auth_token=auth_sessions.create_active(session, user_id=user.id),
        )
    email = _proven_email(profile)
    if email and find_by_email(session, email) is not None:
        return _refuse(service, "email_exists", next_path)
    options = registration_options(session)
    if not (options.allow_self_registration and options.allow_social_registration):
        return _refuse(service, "registration_closed", next_path)
    if REGISTERED in denied_group_codes(session, DENIED_AUTH):
        return _refuse(service, "registration_closed", next_path, why="new users' group denied")
    user = create_user(
        session,
        login=available_login(session, f"{service.service_id}_{profile.external_id}"),
        email=email,
        password=None,
        first_name=profile.first_name,
        last_name=profile.last_name,
    )
    assert user.id is not None
    linked_accounts.mark_used(_new_link(session, service, site_id, user.id, result))
    record_sign_in(session, user)
    log.info("social.registered service=%s user_id=%d", service.service_id, user.id)
    return Outcome(
        service.service_id,
        next_path,
        auth_token=auth_sessions.create_active(session, user_id=user.id),
    )


def _link(
    session: Session,
    service: SiteService,
    site_id: str,
    starter_id: int | None,
    result: SignInResult,
    auth_token: str,
) -> Outcome:
    current = auth_sessions.user_of(session, auth_token)
    if starter_id is None or current != starter_id:
        return _refuse(
            service, "link_session_changed", "/profile", starter=starter_id, current=current
        )
    if is_in_any_group(session, starter_id, denied_group_codes(session, DENIED_LINK)):
        return _refuse(service, "link_denied", "/profile", user_id=starter_id)
    link = linked_accounts.find_link(
        session,
        service_id=service.service_id,
        issuer=service.issuer,
        external_id=result.profile.external_id,
    )
    if link is not None and link.user_id != starter_id:
        return _refuse(service, "linked_elsewhere", "/profile", user_id=starter_id)
    if link is None:
        _new_link(session, service, site_id, starter_id, result)
    else:
        _update_link(session, link, result)
    log.info("social.linked service=%s user_id=%d", service.service_id, starter_id)
    return Outcome(service.service_id, "/profile", linked=True)


def _proven_email(profile: ExternalProfile) -> str | None:
    """The address a new account may own: only one the service says it verified. An
    unverified one proves nothing (anyone can type someone else's address at some
    services): it stays on the link as a contact, and blocks nobody."""
    if profile.email_verified and is_valid_email(profile.email):
        return profile.email
    return None


def _new_link(
    session: Session, service: SiteService, site_id: str, user_id: int, result: SignInResult
) -> LinkedAccount:
    link = LinkedAccount(
        user_id=user_id,
        service_id=service.service_id,
        provider=service.provider.id,
        issuer=service.issuer,
        external_id=result.profile.external_id,
        site_id=site_id,
    )
    _update_link(session, link, result)
    session.add(link)
    session.flush()  # the unique (service, external id) decides parallel callbacks here
    return link


def _update_link(session: Session, link: LinkedAccount, result: SignInResult) -> None:
    profile, tokens = result.profile, result.tokens
    linked_accounts.record_profile(
        link,
        login_hint=profile.login_hint,
        first_name=profile.first_name,
        last_name=profile.last_name,
        email=profile.email,
        email_verified=profile.email_verified,
        picture_url=profile.picture_url,
        profile_url=profile.profile_url,
        raw=profile.raw,
    )
    token_storage.store_link_tokens(session, link, tokens)
