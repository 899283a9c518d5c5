"""Values no database can take (NUL, bytes that are not UTF-8, over-long text, integers
beyond the database's) get our 400/404 page or a form message, logged once without a
traceback, and never a 500: over real HTTP and in the simulated browser, on SQLite and,
under ``make test-pg``, on PostgreSQL (whose integer has 32 bits and whose text no NUL)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from nicegui import ui
from nicegui.testing import User
from sqlmodel import select

from admin_app.admin import users as user_admin
from admin_app.admin.users import UserAdminError
from admin_app.auth.first_administrator import setup_link
from admin_app.services.service_editing import ServiceChanges, ServiceFormError, save_service
from admin_app.services.site_editing import SiteForm, SiteFormError, create_site
from models.db import session_scope
from models.services import find_config
from models.tables import FeedPost, Site
from models.tables import User as UserRow
from tests.support.accounts import RETRIES, add_user, sign_in
from tests.support.error_page_reading import (
    log_lines,
    logged_once_without_traceback,
    page_texts,
)

BAD_REQUEST = "Bad request"
INVISIBLE = "This holds invisible control characters, which cannot be used. Retype it."


@pytest.fixture
def on_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite, or PostgreSQL under ``make test-pg`` (before the app starts)."""
    monkeypatch.setenv("SOCIALSERVICES_DATABASE_URL", database_url)


async def as_root(user: User) -> None:
    add_user("root", admin=True)
    await sign_in(user, "root", path="/login?next=/admin")
    await user.should_see("Active users", retries=RETRIES)


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/oauth/a%00b/login", "reason=path_control_character"),  # before signing in
        ("/oauth/x/callback?state=%00", "reason=query_control_character"),
        ("/%FF", "reason=path_not_utf8"),
        ("/login?next=%FF", "reason=query_not_utf8"),
        ("/feed%0Asocial.signed_in", "reason=path_control_character"),
        ("/profile?" + "x=1&" * 5000, "reason=query_too_long"),
    ],
)
async def test_a_url_no_route_can_use_gets_the_400_page(
    on_database: None, user: User, caplog: pytest.LogCaptureFixture, path: str, logged: str
) -> None:
    response = await user.http_client.get(path)
    assert response.status_code == 400
    texts = page_texts(response)
    assert BAD_REQUEST in texts and "Sign in" in texts  # ours, in the site's frame
    logged_once_without_traceback(caplog, "request.bad_input")
    assert logged.split("=")[1] in log_lines(caplog, "request.bad_input")[0].getMessage()


async def test_the_400_page_speaks_the_visitors_language(on_database: None, user: User) -> None:
    response = await user.http_client.get("/oauth/x%00/login", headers={"accept-language": "ru"})
    assert response.status_code == 400
    assert "Неверный запрос" in page_texts(response)


async def test_a_huge_user_id_is_nobody(on_database: None, user: User) -> None:
    await as_root(user)
    for user_id in ("99999999999999999999", "2147483648", "abc", "-1"):
        response = await user.http_client.get(f"/admin/users/{user_id}")
        assert response.status_code == 404, user_id
        assert "This user does not exist (any more)." in page_texts(response)


async def test_a_page_number_out_of_range_gets_the_400_page(
    on_database: None, user: User, caplog: pytest.LogCaptureFixture
) -> None:
    await as_root(user)
    for page in ("99999999999999999999", "abc"):
        response = await user.http_client.get(f"/admin/audit?page={page}")
        assert response.status_code == 400, page
        assert BAD_REQUEST in page_texts(response)
    assert len(log_lines(caplog, "request.bad_input")) == 2
    assert (await user.http_client.get("/admin/audit?page=0")).status_code == 200


async def test_a_value_the_database_refuses_ends_on_the_400_page(
    on_database: None, user: User, caplog: pytest.LogCaptureFixture
) -> None:
    """The safety net: beyond 64 bits neither SQLite nor PostgreSQL takes an integer."""

    @ui.page("/test-lookup/{number}")
    def lookup(number: int) -> None:
        with session_scope() as session:
            session.exec(select(UserRow).where(UserRow.id == number)).first()

    response = await user.http_client.get(f"/test-lookup/{2**70}")
    assert response.status_code == 400
    assert BAD_REQUEST in page_texts(response)
    assert "SELECT" not in response.text
    logged_once_without_traceback(caplog, "request.bad_input")


async def test_an_over_long_return_address_is_not_followed(on_database: None, user: User) -> None:
    add_user("alice")
    await sign_in(user, "alice", path="/login?next=/" + "a" * 2001)
    await user.should_see("Login: alice", retries=RETRIES)  # the profile, not a 404


async def test_a_forged_non_ascii_sign_out_link_changes_nothing(
    on_database: None, user: User
) -> None:
    response = await user.http_client.get("/logout?csrf=%C3%A9")
    assert response.status_code == 303 and response.headers["location"] == "/"


async def test_a_nul_in_the_login_form_gets_a_message(on_database: None, user: User) -> None:
    add_user("alice")
    await sign_in(user, "ali\x00ce")
    await user.should_see(INVISIBLE, retries=RETRIES)
    await sign_in(user, "alice", "x" * 2000)
    await user.should_see("This is too long: at most 1024 characters.", retries=RETRIES)


async def test_a_nul_in_a_feed_post_gets_a_message(on_database: None, user: User) -> None:
    add_user("alice")
    await sign_in(user, "alice", path="/login?next=/feed")
    await user.should_see(marker="feed-post", retries=RETRIES)
    await user.open("/feed")
    user.find(marker="feed-text").type("hello\x00world")
    user.find(marker="feed-post").click()
    await user.should_see(INVISIBLE, retries=RETRIES)
    with session_scope() as session:
        assert session.exec(select(FeedPost)).all() == []
    user.find(marker="feed-text").clear().type("two\nlines")  # newlines are text
    user.find(marker="feed-post").click()
    await user.should_see(marker="post-1", retries=RETRIES)


async def test_a_nul_in_the_set_up_form_gets_a_message(on_database: None, user: User) -> None:
    link = setup_link()
    assert link is not None
    parts = urlsplit(link)
    await user.open(f"{parts.path}?{parts.query}")
    user.find("Login").type("root")
    user.find("E-mail").type("root@example.org")
    user.find("First name").type("Ro\x00ot")
    user.find("Password").type("long enough pw")
    user.find("Repeat the password").type("long enough pw")
    user.find(marker="setup-submit").click()
    await user.should_see(f"First name: {INVISIBLE}", retries=RETRIES)
    assert setup_link() is not None  # nobody was created


async def test_a_nul_in_ones_own_name_gets_a_message(on_database: None, user: User) -> None:
    add_user("alice")
    await sign_in(user, "alice")
    await user.should_see("Login: alice", retries=RETRIES)
    await user.open("/profile")
    user.find(marker="details-first_name").clear().type("Al\x00ice")
    user.find(marker="details-save").click()
    await user.should_see(INVISIBLE, retries=RETRIES)
    with session_scope() as session:
        assert session.exec(select(UserRow.first_name)).one() == "Alice"


async def test_a_nul_in_the_administrators_forms_gets_a_message(
    on_database: None, user: User
) -> None:
    """Services, sites and groups: each refuses the value at its field, nothing saved."""
    await as_root(user)
    await user.open("/admin")  # opened from the test: use cases called here act as root
    with pytest.raises(ServiceFormError) as refused:
        save_service(
            "common",
            "github",
            ServiceChanges(settings={"client_id": "app\x00"}, secrets={"client_secret": "s"}),
            version=None,
        )
    assert refused.value.messages() == [INVISIBLE]
    with pytest.raises(SiteFormError) as refused_site:
        create_site(
            "blog", SiteForm(name="Bl\x00og", host_names="blog.example.org", is_default=False)
        )
    assert refused_site.value.messages() == [INVISIBLE]
    for name, description in (("Gr\x00oup", ""), ("Group", "line\nand\x00nul")):
        with pytest.raises(UserAdminError) as refused_group:
            user_admin.create_group(code="team", name=name, description=description)
        assert refused_group.value.messages() == [INVISIBLE]
    with session_scope() as session:
        assert find_config(session, "common", "github") is None
        assert session.get(Site, "blog") is None
    assert (
        user_admin.create_group(code="team", name="Team", description="two\nlines").name == "Team"
    )
