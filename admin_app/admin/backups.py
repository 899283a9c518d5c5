"""Backing up an installation while it serves, and restoring it into a new one
(``socialservices backup``, docs/operations.md). The file is made by
``models/backups.py``; here are the rules around it: never over an existing file, only
into an empty database, never a schema newer than this version's, and only with the keys
that open its sealed values, checked before anything is written."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlmodel import Session

from admin_app.core import encryption_keys
from admin_app.core.settings import Settings
from models import encryption
from models.backups import (
    BackupError,
    BackupInfo,
    current_copy,
    is_empty,
    read_info,
    restore_into,
    sidecars,
    write_backup,
)
from models.db import check_connection, make_engine


def _engine(settings: Settings) -> Engine:
    settings.prepare_data_dir()
    engine = make_engine(settings.sqlalchemy_url)
    check_connection(engine)
    return engine


def create_backup(settings: Settings, path: Path) -> BackupInfo:
    """A consistent copy of the installation's database in ``path`` (mode 0600: it holds
    password hashes and sealed tokens), made while the app may be serving."""
    if path.exists():
        raise BackupError("exists", path=str(path))
    if not path.parent.is_dir():
        raise BackupError("no_folder", path=str(path.parent))
    engine = _engine(settings)
    try:
        previous = os.umask(0o077)
        try:
            return write_backup(engine, path)
        finally:
            os.umask(previous)
    finally:
        engine.dispose()


def restore_backup(settings: Settings, path: Path) -> BackupInfo:
    """Fill the installation's empty database from the backup at ``path``."""
    info = read_info(path)
    database_file = _sqlite_file(settings)
    created_file = database_file is not None and not database_file.exists()
    engine = _engine(settings)
    try:
        if not is_empty(engine):
            raise BackupError("not_empty")
        with (
            tempfile.TemporaryDirectory(prefix="socialservices-restore-") as work,
            current_copy(path, info, Path(work)) as backup,
        ):
            with Session(backup) as session:
                needed = list(encryption.state(session).key_ids)
            encryption_keys.check_keys(settings, needed)  # before anything is written
            restore_into(backup, engine)
    except BaseException:
        engine.dispose()
        if created_file and database_file is not None:  # leave no empty database behind
            for leftover in (database_file, *sidecars(database_file)):
                leftover.unlink(missing_ok=True)
        raise
    engine.dispose()
    return info


def _sqlite_file(settings: Settings) -> Path | None:
    url = make_url(settings.sqlalchemy_url)
    return Path(url.database) if url.get_backend_name() == "sqlite" and url.database else None
