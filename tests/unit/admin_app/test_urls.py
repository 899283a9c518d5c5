"""Only paths on this site are honoured as a return address."""

from __future__ import annotations

import pytest

from admin_app.auth.safe_next import safe_next


@pytest.mark.parametrize("good", ["/admin", "/profile?tab=links", "/a/b#c", "/"])
def test_paths_on_this_site_are_kept(good: str) -> None:
    assert safe_next(good) == good


@pytest.mark.parametrize(
    "bad",
    [
        None,
        "",
        "admin",
        "https://evil.example/",
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/\tevil",
        "javascript:alert(1)",
        "/ok\\..\\evil",
        "http:/evil",
    ],
)
def test_anything_else_falls_back(bad: str | None) -> None:
    assert safe_next(bad, default="/profile") == "/profile"
