"""The one place that reads the process environment.

Every setting has the ``SOCIALSERVICES_`` prefix and may also come from a ``.env`` file
in the working directory. Values are checked here, once, so that a bad one stops
start-up with a single line naming the setting instead of failing deep inside a request.
"""

from __future__ import annotations

import os
import secrets
from functools import cached_property
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from models.db import DatabaseUrlError, normalize_database_url

ENV_PREFIX = "SOCIALSERVICES_"
SECRET_KEY_FILE = "secret_key"


class SettingsError(Exception):
    """A setting that cannot be used; the message names it and says what is wrong."""

    def __init__(self, setting: str, problem: str) -> None:
        super().__init__(f"{ENV_PREFIX}{setting.upper()}: {problem}")
        self.setting = setting


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", extra="ignore", validate_default=True
    )

    data_dir: Path = Path("./data")
    database_url: str = ""
    public_url: str = ""  # empty: http://HOST:PORT
    host: str = "127.0.0.1"
    port: int = 8080
    secret_key: str = ""
    redis_url: str = ""

    @field_validator("public_url")
    @classmethod
    def _check_public_url(cls, value: str) -> str:
        if not value:
            return value
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError("must be an http:// or https:// URL with a host name")
        if parts.query or parts.fragment:
            raise ValueError("must not have a query or fragment")
        return value.rstrip("/")

    @field_validator("port")
    @classmethod
    def _check_port(cls, value: int) -> int:
        if not 1 <= value <= 65535:
            raise ValueError("must be between 1 and 65535")
        return value

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: str) -> str:
        if value and urlsplit(value).scheme not in {"redis", "rediss", "unix"}:
            raise ValueError("must be a redis://, rediss:// or unix:// URL")
        return value

    @cached_property
    def sqlalchemy_url(self) -> str:
        """The database URL with the driver we ship chosen for it."""
        url = self.database_url or f"sqlite:///{self.data_dir / 'socialservices.db'}"
        try:
            return normalize_database_url(url)
        except DatabaseUrlError as error:
            raise SettingsError("database_url", str(error)) from None

    @property
    def base_url(self) -> str:
        """Where the outside world reaches us: PUBLIC_URL, else this server's own address."""
        if self.public_url:
            return self.public_url
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def is_https(self) -> bool:
        return self.base_url.startswith("https://")

    def absolute_url(self, path: str) -> str:
        """An absolute URL for a path of ours (redirect URIs, links printed or mailed)."""
        return self.base_url + "/" + path.lstrip("/")

    def prepare_data_dir(self) -> None:
        """Create DATA_DIR and prove it is writable, so later writes cannot fail half-way."""
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            probe = self.data_dir / ".write-test"
            probe.write_text("ok")
            probe.unlink()
        except OSError as error:
            raise SettingsError(
                "data_dir", f"{self.data_dir} is not a writable directory ({error.strerror})"
            ) from None

    def resolved_secret_key(self) -> str:
        """SECRET_KEY, or the one generated into DATA_DIR on the first start (mode 0600)."""
        if self.secret_key:
            if len(self.secret_key) < 16:
                raise SettingsError("secret_key", "must be at least 16 characters long")
            return self.secret_key
        path = self.data_dir / SECRET_KEY_FILE
        try:
            return _read_or_create_secret(path)
        except OSError as error:
            raise SettingsError(
                "secret_key", f"cannot read or create {path} ({error.strerror})"
            ) from None


def _read_or_create_secret(path: Path) -> str:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        existing = path.read_text().strip()
        if existing:
            return existing
        raise OSError(0, "the file is empty") from None
    value = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
    return value


def load_settings() -> Settings:
    """Read the settings, turning pydantic's report into one line naming the setting."""
    try:
        return Settings()
    except ValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "settings"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise SettingsError(field, message) from None
