"""What this process runs with: its settings, its secret key and its database.

Set once at start-up (or by a test); use cases read it instead of the environment.
"""

from __future__ import annotations

from admin_app.core.settings import Settings
from models import db
from models.token_cipher import Keyring

_settings: Settings | None = None
_secret_key = ""
_keyring: Keyring | None = None


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


def set_keyring(keyring: Keyring) -> None:
    global _keyring
    _keyring = keyring


def keyring() -> Keyring:
    """The encryption keys, newest first (loaded and checked at start-up)."""
    if _keyring is None:
        raise RuntimeError("the encryption keys are not loaded")
    return _keyring
