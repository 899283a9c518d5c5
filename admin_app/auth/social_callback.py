"""The service's callback: the round trip is taken back and its answer checked
(``round_trip``), then handed to the flow of its purpose. Every failure is a refusal,
nothing half-done.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace

from admin_app.auth import existing_account, round_trip, social_link, social_sign_in, social_try
from admin_app.auth.purpose import Purpose
from admin_app.auth.round_trip import Outcome
from admin_app.core import metrics

log = logging.getLogger(__name__)


async def finish(
    *,
    service_id: str,
    callback: Mapping[str, str],
    browser: str,
    auth_token: str,
    user_agent: str = "",
    address: str = "",
) -> Outcome:
    """``user_agent`` and ``address``: the browser's, for a session a sign-in opens.
    Every sign-in's end is counted here for ``/metrics``, refused ones with their reason."""
    outcome = await _finish(service_id, callback, browser, auth_token, user_agent, address)
    if outcome.purpose is Purpose.LOGIN:
        metrics.count_sign_in(metrics.SERVICE, service_id, outcome.refusal)
    return outcome


async def _finish(
    service_id: str,
    callback: Mapping[str, str],
    browser: str,
    auth_token: str,
    user_agent: str,
    address: str,
) -> Outcome:
    trip = round_trip.take(service_id=service_id, callback=callback, browser=browser)
    if isinstance(trip, Outcome):
        return trip
    result = await round_trip.exchange(trip, callback)
    if isinstance(result, Outcome):
        return result
    if trip.purpose is Purpose.TRY:  # creates nothing: a repeated proof changes nothing
        outcome = social_try.finish_trying(trip, result, auth_token=auth_token, browser=browser)
    elif not round_trip.consume_proof(result):
        log.warning("social.proof_replayed service=%s", service_id)
        outcome = Outcome(service_id, trip.next_path, refusal="state_invalid")
    elif trip.purpose is Purpose.LINK:
        outcome = await social_link.finish_linking(trip, result, auth_token)
    elif trip.purpose is Purpose.CONFIRM:
        outcome = await existing_account.finish_confirming(
            trip, result, browser=browser, user_agent=user_agent, address=address
        )
    else:
        outcome = await social_sign_in.finish_signing_in(
            trip, result, browser=browser, user_agent=user_agent, address=address
        )
    return replace(outcome, purpose=trip.purpose)
