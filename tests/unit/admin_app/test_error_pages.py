"""Our own 404 and 500 pages (admin_app.pages.error_pages): in the site's frame, in the
visitor's language, never an exception's text; a 500 shows the id it is logged under."""

from __future__ import annotations

import logging

import pytest
from nicegui import ui
from nicegui.testing import User

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
