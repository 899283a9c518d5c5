"""What this process runs with: its settings, its secret key and its database.

Set once at start-up (or by a test); use cases read it instead of the environment.
"""

from __future__ import annotations

from admin_app.settings import Settings
from models import db

_settings: Settings | None = None
_secret_key = ""


def configure(settings: Settings) -> None:
    global _settings, _secret_key
    _secret_key = settings.resolved_secret_key()
    db.configure(db.make_engine(settings.sqlalchemy_url))
    _settings = settings


def settings() -> Settings:
    if _settings is None:
        raise RuntimeError("the application is not configured")
    return _settings


def secret_key() -> str:
    if not _secret_key:
        raise RuntimeError("the application is not configured")
    return _secret_key
