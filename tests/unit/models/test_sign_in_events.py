"""Each service's latest sign-in result and latest failure, for the overview and the
services list."""

from __future__ import annotations

from sqlmodel import Session

from models import sign_in_events


def test_the_latest_result_and_the_latest_failure_per_service(session: Session) -> None:
    record = sign_in_events.record
    record(session, service_id="yandex", site_id="s1", success=False, reason="provider:timeout")
    record(session, service_id="yandex", site_id="s1", success=False, reason="state_invalid")
    record(session, service_id="yandex", site_id="s1", success=True)
    record(session, service_id="google", site_id="s2", success=True)
    record(session, service_id="vk", site_id="s2", success=False, reason="provider:cancelled")
    session.commit()
    latest = sign_in_events.latest(session)
    yandex = latest["yandex"]
    assert (yandex.success, yandex.reason, yandex.failed_at is not None) == (
        True,
        "state_invalid",
        True,
    )
    assert (latest["google"].success, latest["google"].failed_at) == (True, None)
    assert (latest["vk"].success, latest["vk"].reason) == (False, "provider:cancelled")
    assert set(sign_in_events.latest(session, ["s1"])) == {"yandex"}
    assert sign_in_events.latest(session, []) == {}
