"""The one place that reads the process environment.

Every setting has the ``SOCIALSERVICES_`` prefix and may also come from a ``.env`` file
in the working directory. Values are checked here, once, so that a bad one stops
start-up with a single line naming the setting instead of failing deep inside a request.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from email.utils import parseaddr
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from admin_app.core.i18n import N_
from admin_app.core.smtp_url import SmtpTarget, SmtpUrlError, parse_smtp_url
from models.db import DatabaseUrlError, normalize_database_url

ENV_PREFIX = "SOCIALSERVICES_"
SECRET_KEY_FILE = "secret_key"
EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
HOST_NAME = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)

# Pydantic's own words for a type error, replaced by ours (which are translated).
TYPE_ERRORS = {
    "int_parsing": N_("must be a whole number"),
    "int_type": N_("must be a whole number"),
    "string_type": N_("must be text"),
    "path_type": N_("must be a directory path"),
}


class SettingsError(Exception):
    """A setting that cannot be used. ``problem`` is an English message id with
    ``{placeholders}`` filled from ``params``; ``translated`` renders it in a language."""

    def __init__(self, setting: str, problem: str, **params: Any) -> None:
        self.setting = setting
        self.problem = problem
        self.params = params
        super().__init__(self.translated(lambda message: message))

    def translated(self, translate: Any) -> str:
        return f"{ENV_PREFIX}{self.setting.upper()}: " + translate(self.problem).format(
            **self.params
        )


class _Invalid(ValueError):
    """Raised by the validators below with one of our (translatable) messages."""

    def __init__(self, problem: str, **params: Any) -> None:
        super().__init__(problem)
        self.problem = problem
        self.params = params


def _is_wildcard(host: str) -> bool:
    return host in {"0.0.0.0", "::"}


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
    #: base64url 256-bit keys, newest first; empty: the key file in DATA_DIR
    encryption_keys: str = ""
    #: seconds between two looks at X for hashtag posts (X's rate limits may space them more)
    hashtag_poll_seconds: int = 300
    #: a parent domain (``.example.org``) the session cookie is set for, so that reverse
    #: proxies of the hosts under it can pass it to ``/auth/verify``; empty: this host only
    cookie_domain: str = ""
    #: where mail goes (``admin_app/core/smtp_url.py``); empty: no mail, and the features
    #: that need it are off (the admin's Mail page says which)
    smtp_url: str = ""
    #: the sender of every message: ``address`` or ``Name <address>``
    mail_from: str = ""
    #: who may read ``/metrics``: addresses and networks, comma-separated; empty: nobody
    metrics_addresses: str = "127.0.0.1,::1"

    @field_validator("data_dir", mode="before")
    @classmethod
    def _check_data_dir(cls, value: Any) -> Any:
        if isinstance(value, str):
            if not value.strip():
                raise _Invalid(N_("must name a directory"))
            return Path(value.strip()).expanduser().resolve()
        return value

    @field_validator("public_url")
    @classmethod
    def _check_public_url(cls, value: str) -> str:
        """Normalised to scheme://host[:port]: the app is served at the root of its host."""
        value = value.strip()
        if not value:
            return value
        parts = urlsplit(value)
        try:
            port = parts.port
        except ValueError:
            raise _Invalid(N_("has an invalid port")) from None
        scheme = parts.scheme.lower()
        if scheme not in {"http", "https"} or not parts.hostname or " " in value:
            raise _Invalid(N_("must be an http:// or https:// URL with a host name"))
        if "?" in value or "#" in value or "@" in parts.netloc:
            raise _Invalid(N_("must not have a query, a fragment or a user name"))
        if parts.path not in {"", "/"}:
            raise _Invalid(N_("must not have a path: serve the app at the root of a host name"))
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        return f"{scheme}://{host}" + (f":{port}" if port else "")

    @field_validator("host")
    @classmethod
    def _check_host(cls, value: str) -> str:
        value = value.strip()
        try:
            ipaddress.ip_address(value)
        except ValueError:
            if not HOST_NAME.fullmatch(value):
                raise _Invalid(N_("must be an IP address or a host name")) from None
        return value

    @field_validator("port")
    @classmethod
    def _check_port(cls, value: int) -> int:
        if not 1 <= value <= 65535:
            raise _Invalid(N_("must be between 1 and 65535"))
        return value

    @field_validator("hashtag_poll_seconds")
    @classmethod
    def _check_poll(cls, value: int) -> int:
        if not 10 <= value <= 86400:
            raise _Invalid(N_("must be between 10 and 86400 seconds"))
        return value

    @field_validator("metrics_addresses")
    @classmethod
    def _check_metrics_addresses(cls, value: str) -> str:
        parts = [part.strip() for part in value.split(",") if part.strip()]
        for part in parts:
            try:
                ipaddress.ip_network(part, strict=False)
            except ValueError:
                raise _Invalid(
                    N_("'{part}' is no address or network (such as 10.0.0.5 or 10.0.0.0/24)"),
                    part=part,
                ) from None
        return ",".join(parts)

    @cached_property
    def metrics_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        return tuple(
            ipaddress.ip_network(part, strict=False)
            for part in self.metrics_addresses.split(",")
            if part
        )

    @field_validator("cookie_domain")
    @classmethod
    def _check_cookie_domain(cls, value: str) -> str:
        """Kept without its leading dot (browsers treat both alike); a parent domain of
        two labels at least: a cookie for a whole top-level domain is refused by browsers."""
        value = value.strip().lower().removeprefix(".")
        if value and (not HOST_NAME.fullmatch(value) or "." not in value):
            raise _Invalid(N_("must be a parent domain such as .example.org"))
        return value

    @model_validator(mode="after")
    def _check_public_url_in_cookie_domain(self) -> Settings:
        host = urlsplit(self.public_url).hostname or ""
        if self.cookie_domain and self.public_url and not self.cookie_covers(host):
            raise SettingsError(
                "cookie_domain",
                N_("must be a parent domain of the public URL's host {host}"),
                host=host,
            )
        return self

    def cookie_covers(self, host: str) -> bool:
        """Whether the session cookie reaches ``host`` (a parent domain was named)."""
        domain = self.cookie_domain
        return bool(domain) and (host == domain or host.endswith("." + domain))

    @field_validator("smtp_url")
    @classmethod
    def _check_smtp_url(cls, value: str) -> str:
        value = value.strip()
        if value:
            try:
                parse_smtp_url(value)
            except SmtpUrlError as error:
                raise _Invalid(error.problem) from None
        return value

    @field_validator("mail_from")
    @classmethod
    def _check_mail_from(cls, value: str) -> str:
        value = value.strip()
        _name, address = parseaddr(value)
        if value and (not EMAIL.fullmatch(address) or any(c in value for c in "\r\n")):
            raise _Invalid(N_("must be an e-mail address, or a name and <address>"))
        return value

    @model_validator(mode="after")
    def _check_mail_from_with_smtp(self) -> Settings:
        if self.smtp_url and not self.mail_from:
            raise SettingsError(
                "mail_from", N_("must be set when SMTP_URL is set: it is the sender's address")
            )
        return self

    @property
    def smtp(self) -> SmtpTarget | None:
        """Where mail goes, or None: the app sends none."""
        return parse_smtp_url(self.smtp_url) if self.smtp_url else None

    @field_validator("secret_key")
    @classmethod
    def _check_secret_key(cls, value: str) -> str:
        if value and len(value.strip()) < 16:
            raise _Invalid(N_("must be at least 16 characters long"))
        return value.strip()

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: str) -> str:
        value = value.strip()
        if value and urlsplit(value).scheme not in {"redis", "rediss", "unix"}:
            raise _Invalid(N_("must be a redis://, rediss:// or unix:// URL"))
        return value

    @cached_property
    def sqlalchemy_url(self) -> str:
        """The database URL with the driver we ship chosen for it."""
        url = self.database_url.strip() or f"sqlite:///{self.data_dir / 'socialservices.db'}"
        try:
            return normalize_database_url(url)
        except DatabaseUrlError as error:
            raise SettingsError(
                "database_url", DATABASE_URL_ERRORS[error.code], **error.params
            ) from None

    @property
    def base_url(self) -> str:
        """Where the outside world reaches us: PUBLIC_URL, else this server's own address
        (127.0.0.1 when listening on every interface)."""
        if self.public_url:
            return self.public_url
        host = "127.0.0.1" if _is_wildcard(self.host) else self.host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}"

    @property
    def is_https(self) -> bool:
        return urlsplit(self.base_url).scheme == "https"

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
                "data_dir",
                N_("{path} is not a writable directory ({reason})"),
                path=self.data_dir,
                reason=error.strerror,
            ) from None

    def resolved_secret_key(self) -> str:
        """SECRET_KEY, or the one generated into DATA_DIR on the first start (mode 0600)."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / SECRET_KEY_FILE
        try:
            return _read_or_create_secret(path)
        except OSError as error:
            raise SettingsError(
                "secret_key",
                N_("cannot read or create {path} ({reason})"),
                path=path,
                reason=error.strerror or str(error),
            ) from None

    #: days sign-in events are kept (the overview charts the last 7), and days a sent or
    #: cancelled outbox delivery is kept; older ones go in the daily housekeeping
    sign_in_events_retention_days: int = 90
    outbox_retention_days: int = 30

    @field_validator("sign_in_events_retention_days")
    @classmethod
    def _check_sign_in_retention(cls, value: int) -> int:
        if not 7 <= value <= 3650:
            raise _Invalid(N_("must be between 7 and 3650 days"))
        return value

    @field_validator("outbox_retention_days")
    @classmethod
    def _check_outbox_retention(cls, value: int) -> int:
        if not 1 <= value <= 3650:
            raise _Invalid(N_("must be between 1 and 3650 days"))
        return value


DATABASE_URL_ERRORS = {
    "malformed": N_(
        "not a database URL (expected sqlite:///PATH or postgresql://USER@HOST:PORT/DB)"
    ),
    "unsupported": N_("unsupported database '{driver}' (use sqlite or postgresql)"),
    "sqlite_path": N_("a SQLite URL needs a file path: sqlite:///PATH"),
    "postgresql_database": N_("a PostgreSQL URL needs a database name: .../DB"),
}


def _read_or_create_secret(path: Path) -> str:
    """Create the key file atomically (complete, mode 0600) or read the existing one: two
    processes starting at once end up with the same key."""
    if not path.exists():
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48) + "\n")
        try:
            os.link(temporary, path)  # fails if another process was first: theirs wins
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    existing = path.read_text().strip()
    if len(existing) < 16:
        raise OSError(0, f"{path} holds no usable key")
    return existing


def load_settings() -> Settings:
    """Read the settings, turning pydantic's report into one line naming the setting."""
    try:
        return Settings()
    except ValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "settings"
        cause = first.get("ctx", {}).get("error")
        if isinstance(cause, _Invalid):
            raise SettingsError(field, cause.problem, **cause.params) from None
        if first["type"] in TYPE_ERRORS:
            raise SettingsError(field, TYPE_ERRORS[first["type"]]) from None
        raise SettingsError(field, "{message}", message=first["msg"]) from None
