"""Reading a page answered over real HTTP as its visitor would: its texts, from the
elements NiceGUI sends to the browser (the tests of bad input and of error pages share it)."""

from __future__ import annotations

import logging
import re

import httpx
import pytest
from nicegui import Client


def page_texts(response: httpx.Response) -> list[str]:
    """Every text the page shows (labels, links, the heading, the frame)."""
    assert response.headers.get("x-nicegui-content") == "page", response.text[:300]
    match = re.search(r"'client_id': '([0-9a-f-]+)'", response.text)
    assert match is not None
    client = Client.instances[match.group(1)]
    return [
        text
        for element in client.elements.values()
        if isinstance(text := getattr(element, "text", None), str) and text
    ]


def log_lines(caplog: pytest.LogCaptureFixture, needle: str) -> list[logging.LogRecord]:
    """The records whose message mentions ``needle``."""
    return [record for record in caplog.records if needle in record.getMessage()]


def logged_once_without_traceback(caplog: pytest.LogCaptureFixture, needle: str) -> None:
    (record,) = log_lines(caplog, needle)
    assert record.exc_info is None and record.levelno == logging.WARNING
    assert "\n" not in record.getMessage()
