"""The log as the operator reads it: the real server's output, after a request whose
service id carries a line feed and a forged event (issue 16, point 7)."""

from __future__ import annotations

import time

import httpx

from tests.support.app_server import AppServer

FORGED_EVENT = "social.signed_in service=x user_id=1"
#: the forged event after a %0A, in the service id of both sign-in routes
PATHS = [
    "/oauth/x%0Asocial.signed_in%20service%3Dx%20user_id%3D1/callback?state=s",
    "/oauth/x%0D%0Asocial.signed_in%20service%3Dx%20user_id%3D1/login",
]


def test_a_line_feed_in_the_url_cannot_forge_a_log_line(app_server: AppServer) -> None:
    before = len(app_server.output.splitlines())
    for path in PATHS:
        response = httpx.get(app_server.base_url + path, timeout=10)
        assert response.status_code < 500
    time.sleep(0.5)  # the server writes its lines as they come; let them arrive
    lines = app_server.output.splitlines()[before:]
    assert not [line for line in lines if line.startswith("social.")], "\n".join(lines)
    assert all(FORGED_EVENT not in line.replace("\\n" + FORGED_EVENT, "") for line in lines)
    assert any("\\nsocial.signed_in" in line for line in lines), "\n".join(lines)  # logged
