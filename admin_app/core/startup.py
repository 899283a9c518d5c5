"""Checks and preparation before anything is served or changed.

Each failure is a SettingsError naming the setting to fix, so the command line can print
one line and exit instead of a traceback.
"""

from __future__ import annotations

import errno
import socket

import redis
from alembic.util.exc import CommandError
from sqlalchemy.exc import SQLAlchemyError

from admin_app.core import encryption_keys, link_issuers, runtime
from admin_app.core.i18n import N_
from admin_app.core.settings import Settings, SettingsError
from models import migrate
from models.db import (
    DatabaseUnavailableError,
    check_connection,
    driver_reason,
    get_engine,
    session_scope,
)


def prepare(settings: Settings, *, token_encryption: bool = True) -> None:
    """Make DATA_DIR, the secret key, the database and the encryption keys ready; the
    database is upgraded (``token_encryption`` False: one created now stays plain)."""
    settings.prepare_data_dir()
    settings.resolved_secret_key()
    runtime.configure(settings)
    engine = get_engine()
    try:
        check_connection(engine)
    except DatabaseUnavailableError as error:
        raise SettingsError("database_url", N_("cannot connect: {reason}"), reason=error) from None
    try:
        migrate.upgrade(engine, token_encryption=token_encryption)
    except (CommandError, SQLAlchemyError, migrate.MigrationError) as error:
        raise SettingsError(
            "database_url",
            N_("cannot upgrade the database schema: {reason}"),
            reason=driver_reason(error),
        ) from None
    encryption_keys.prepare_keys(settings)
    with session_scope() as session:
        link_issuers.record_missing_issuers(session)


def check_port_free(settings: Settings) -> None:
    with socket.socket(socket.AF_INET6 if ":" in settings.host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((settings.host, settings.port))
        except OSError as error:
            address = f"{settings.host}:{settings.port}"
            if error.errno == errno.EADDRINUSE:
                raise SettingsError(
                    "port", N_("{address} is already in use"), address=address
                ) from None
            raise SettingsError(
                "host",
                N_("cannot listen on {address} ({reason})"),
                address=address,
                reason=error.strerror,
            ) from None


def check_redis(settings: Settings) -> None:
    if not settings.redis_url:
        return
    try:
        client = redis.Redis.from_url(settings.redis_url, socket_connect_timeout=3)
        client.ping()
        client.close()
    except (redis.RedisError, ValueError) as error:
        raise SettingsError("redis_url", N_("cannot connect: {reason}"), reason=error) from None
