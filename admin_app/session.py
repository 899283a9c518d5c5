"""Who is signed in, kept in NiceGUI's per-browser user storage.

The storage is keyed by the signed session cookie (HttpOnly, SameSite=Lax, Secure
behind https), lives on the server and, with REDIS_URL, is shared by every process.
"""

from __future__ import annotations

from nicegui import app

USER_ID_KEY = "user_id"


def signed_in_user_id() -> int | None:
    value = app.storage.user.get(USER_ID_KEY)
    return value if isinstance(value, int) else None


def remember_sign_in(user_id: int) -> None:
    app.storage.user[USER_ID_KEY] = user_id


def forget_sign_in() -> None:
    app.storage.user.pop(USER_ID_KEY, None)
