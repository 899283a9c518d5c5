"""Checks and preparation before anything is served or changed.

Each failure is a SettingsError naming the setting to fix, so the command line can print
one line and exit instead of a traceback.
"""

from __future__ import annotations

import errno
import socket

import redis
from alembic.util.exc import CommandError

from admin_app import runtime
from admin_app.settings import Settings, SettingsError
from models import migrate
from models.db import DatabaseUnavailableError, check_connection, get_engine


def prepare(settings: Settings) -> None:
    """Make DATA_DIR, the secret key and the database ready; the database is upgraded."""
    settings.prepare_data_dir()
    settings.resolved_secret_key()
    runtime.configure(settings)
    engine = get_engine()
    try:
        check_connection(engine)
    except DatabaseUnavailableError as error:
        raise SettingsError("database_url", f"cannot connect: {error}") from None
    try:
        migrate.upgrade(engine)
    except CommandError as error:
        raise SettingsError(
            "database_url", f"cannot upgrade the database schema: {error}"
        ) from None


def check_port_free(settings: Settings) -> None:
    with socket.socket(socket.AF_INET6 if ":" in settings.host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((settings.host, settings.port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                problem = f"{settings.host}:{settings.port} is already in use"
                raise SettingsError("port", problem) from None
            problem = f"cannot listen on {settings.host}:{settings.port} ({error.strerror})"
            raise SettingsError("host", problem) from None


def check_redis(settings: Settings) -> None:
    if not settings.redis_url:
        return
    try:
        client = redis.Redis.from_url(settings.redis_url, socket_connect_timeout=3)
        client.ping()
        client.close()
    except (redis.RedisError, ValueError) as error:
        raise SettingsError("redis_url", f"cannot connect: {error}") from None
