"""The HTTP side of a round trip: form_post, Telegram's fragment, the problem page."""

from __future__ import annotations

from nicegui.testing import User

from tests.support.accounts import RETRIES


async def test_a_posted_callback_comes_back_as_a_same_site_get(user: User) -> None:
    response = await user.http_client.post(
        "/oauth/apple/callback", data={"code": "c1", "state": "s1", "user": '{"name": 1}'}
    )
    assert response.status_code == 303
    assert response.headers["location"] == (
        "/oauth/apple/callback?code=c1&state=s1&user=%7B%22name%22%3A+1%7D"
    )


async def test_telegram_fragment_is_forwarded_by_a_small_page(user: User) -> None:
    response = await user.http_client.get("/oauth/telegram/callback?state=abc")
    assert response.status_code == 200
    assert "tgAuthResult" in response.text and "location.replace" in response.text


async def test_unknown_service_starts_nothing(user: User) -> None:
    response = await user.http_client.get("/oauth/nothing/login?next=/profile")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/signin/problem?reason=service_unavailable")


async def test_a_made_up_callback_is_refused(user: User) -> None:
    response = await user.http_client.get("/oauth/google/callback?code=x&state=y")
    assert response.headers["location"].startswith("/signin/problem?reason=state_invalid")


async def test_problem_page_shows_only_known_messages(user: User) -> None:
    await user.open("/signin/problem?reason=provider:cancelled&service=google")
    await user.should_see("Sign-in was cancelled at the service.", retries=RETRIES)
    await user.open("/signin/problem?reason=<script>alert(1)</script>&service=<b>x</b>")
    await user.should_see("Something went wrong with this service. Please try again.")
    await user.should_not_see("<b>x</b>")
    await user.open("/signin/problem?reason=registration_closed&service=nothing")
    await user.should_see(
        "Only accounts linked beforehand can sign in with the service. Sign in with your "
        "password and link the service on your profile page first."
    )


async def test_the_sign_in_requests_carry_the_security_headers_and_the_session(user: User) -> None:
    """Start and callback are served beside NiceGUI's middlewares (admin_app.web.signin_lane):
    they must still answer with the same headers and the same session cookie as pages."""
    first = await user.http_client.get("/oauth/nothing/login")
    cookie = first.headers["set-cookie"]  # a new browser gets its id, as from a page
    assert cookie.startswith("socialservices_session=") and "samesite=lax" in cookie.lower()
    for path in ("/oauth/nothing/login", "/oauth/google/callback?code=x&state=y"):
        response = await user.http_client.get(path)
        assert response.status_code == 303
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "same-origin"
    page = await user.http_client.get("/login")  # NiceGUI's stack keeps the same browser
    assert "set-cookie" not in page.headers
    head = await user.http_client.head("/oauth/nothing/login")  # starts nothing
    assert head.status_code in (404, 405) and "location" not in head.headers
