"""Our own 404 and 500 pages (admin_app.pages.error_pages): in the site's frame, in the
visitor's language, never an exception's text; a 500 shows the id it is logged under."""

from __future__ import annotations

import logging

import pytest
from nicegui import ui
from nicegui.testing import User
from sqlalchemy import text

from models.db import make_engine
from tests.support.app_server import free_port
from tests.support.error_page_reading import log_lines, page_texts

SECRET = "SELECT password_hash FROM users WHERE id = 1"


@pytest.fixture
def on_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite, or PostgreSQL under ``make test-pg`` (before the app starts)."""
    monkeypatch.setenv("SOCIALSERVICES_DATABASE_URL", database_url)


async def test_an_unknown_address_gets_our_404_in_the_frame(on_database: None, user: User) -> None:
    response = await user.http_client.get("/no/such/page")
    assert response.status_code == 404
    texts = page_texts(response)
    assert "Page not found" in texts
    assert "Sign in" in texts  # the site's frame, with its header
    assert "This page doesn't exist." not in texts  # not NiceGUI's page


async def test_the_404_speaks_the_visitors_language(on_database: None, user: User) -> None:
    response = await user.http_client.get("/no/such/page", headers={"accept-language": "ru"})
    assert response.status_code == 404
    assert "Страница не найдена" in page_texts(response)


async def test_a_failing_page_shows_an_id_and_no_exception(
    on_database: None, user: User, caplog: pytest.LogCaptureFixture
) -> None:
    @ui.page("/test-failing-page")
    def failing() -> None:
        raise RuntimeError(SECRET)

    response = await user.http_client.get("/test-failing-page")
    assert response.status_code == 500
    assert SECRET not in response.text and "RuntimeError" not in response.text
    texts = page_texts(response)
    assert "Something went wrong" in texts
    (shown,) = [text for text in texts if "error id:" in text]
    error_id = shown.rsplit(" ", 1)[1]
    assert len(error_id) == 8
    (record,) = log_lines(caplog, f"error_id={error_id}")  # logged once, with the cause
    assert record.levelno == logging.ERROR and record.exc_info is not None
    assert "where=/test-failing-page" in record.getMessage()
    assert not [r for r in caplog.records if r is not record and r.exc_info]
    caplog.clear()  # the fixture fails a test that logged an error: this one meant to


async def test_the_500_page_speaks_the_visitors_language(
    on_database: None, user: User, caplog: pytest.LogCaptureFixture
) -> None:
    @ui.page("/test-failing-page")
    async def failing() -> None:
        raise RuntimeError(SECRET)

    response = await user.http_client.get("/test-failing-page", headers={"accept-language": "ru"})
    assert response.status_code == 500
    texts = page_texts(response)
    assert "Что-то пошло не так" in texts
    assert any(text.startswith("Если это повторится") for text in texts)
    assert SECRET not in response.text
    caplog.clear()


def database_away() -> Exception:
    """What a page meets when its database server is down: a refused connection."""
    engine = make_engine(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test")
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:
        return error
    finally:
        engine.dispose()
    raise AssertionError("a closed port answered")


async def test_a_page_whose_database_is_away_says_so_with_503(
    on_database: None, user: User, caplog: pytest.LogCaptureFixture
) -> None:
    @ui.page("/test-database-away")
    def away() -> None:
        raise database_away()

    response = await user.http_client.get("/test-database-away")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "60"
    texts = page_texts(response)
    assert "Temporarily unavailable" in texts
    assert any("try again in a minute" in text for text in texts)
    assert not any("error id" in text for text in texts)  # nothing of ours to report
    assert "psycopg" not in response.text and "OperationalError" not in response.text
    (record,) = log_lines(caplog, "database.unavailable")
    assert record.exc_info is None and "where=/test-database-away" in record.getMessage()
    assert "reason=" in record.getMessage()


async def test_the_503_page_speaks_the_visitors_language(on_database: None, user: User) -> None:
    @ui.page("/test-database-away")
    def away() -> None:
        raise database_away()

    response = await user.http_client.get("/test-database-away", headers={"accept-language": "ru"})
    assert response.status_code == 503
    assert "Временно недоступно" in page_texts(response)


async def test_an_action_whose_database_is_away_is_told_on_the_page(
    on_database: None, user: User
) -> None:
    @ui.page("/test-database-away-action")
    def page() -> None:
        async def save() -> None:
            raise database_away()

        ui.button("Save", on_click=save)

    await user.open("/test-database-away-action")
    user.find("Save").click()
    await user.should_see(
        "The site cannot reach its database just now, so nothing was saved. Please try again"
        " in a minute."
    )


async def test_a_failed_action_shows_its_error_id(
    on_database: None, user: User, caplog: pytest.LogCaptureFixture
) -> None:
    @ui.page("/test-failing-action")
    def page() -> None:
        async def save() -> None:
            raise RuntimeError(SECRET)

        ui.button("Save", on_click=save)

    await user.open("/test-failing-action")
    user.find("Save").click()
    await user.should_see("That did not work", retries=20)
    (record,) = log_lines(caplog, "request.failed")
    error_id = record.getMessage().split("error_id=")[1].split()[0]
    await user.should_see(f"error id: {error_id}")
    caplog.clear()  # the fixture fails a test that logged an error: this one meant to
