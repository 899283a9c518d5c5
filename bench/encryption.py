"""Enabling token encryption on a million linked accounts, beside a plain UPDATE.

For SQLite (a temporary file) and PostgreSQL (a temporary database on 127.0.0.1:5432,
when it answers), fills a database created with ``--no-token-encryption`` with N linked
accounts holding plain access and refresh tokens, then:

1. the baseline: the same rows read and updated in the same batches by the same
   compare-and-set statement, one transaction each, with a cheap change of each value
   instead of encryption;
2. the real pass (``models.encryption_pipeline.run_pass``, as ``encryption enable`` runs
   it), which encrypts both tokens of every row with AES-256-GCM, on PostgreSQL sealing the
   next batch while the server writes this one.

It prints rows per second for both and their ratio (the cost of encryption), and the CPU
time of this process for both (a figure the load of a shared machine disturbs less; the
PostgreSQL server's own time is not in it). Nothing is asserted. Run with `.venv/bin/python bench/encryption.py` (``--links N`` for another size).
"""

from __future__ import annotations

import argparse
import io
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, text
from sqlmodel import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from models import db, encryption, encryption_pipeline, migrate  # noqa: E402
from models.token_cipher import Keyring, new_key  # noqa: E402

PG_SERVER = "postgresql://postgres@127.0.0.1:5432/test"
BATCH = 1000


def rows(links: int) -> list[tuple[str, str, str]]:
    """(external id, access token, refresh token): realistic lengths (Google's tokens)."""
    return [
        (str(n), f"ya29.a0AfB_byC{n:09d}" + "x" * 200, f"1//0gLq{n:09d}" + "y" * 90)
        for n in range(links)
    ]


def fill_sqlite(path: Path, links: int) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("BEGIN")
    connection.execute(
        "INSERT INTO users (login, login_lower, first_name, last_name, first_name_lower,"
        " last_name_lower, is_active, created_at, version)"
        " VALUES ('owner', 'owner', '', '', '', '', 1, '2026-01-01 00:00:00', 1)"
    )
    connection.executemany(
        "INSERT INTO linked_accounts (user_id, service_id, provider, external_id, site_id,"
        " login_hint, first_name, last_name, email_verified, raw_profile, access_token,"
        " refresh_token, scopes, created_at, publish_activity, issuer)"
        " VALUES (1, 'google', 'google', ?, 's1', '', '', '', 0, '{}', ?, ?, '',"
        " '2026-01-01 00:00:00', 0, 'https://accounts.google.com')",
        rows(links),
    )
    connection.execute("COMMIT")
    connection.close()


def fill_postgresql(engine: Engine, links: int) -> None:
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO users (login, login_lower, first_name, last_name, first_name_lower,"
                " last_name_lower, is_active, created_at, version)"
                " VALUES ('owner', 'owner', '', '', '', '', true, now(), 1)"
            )
        )
        owner = connection.execute(text("SELECT id FROM users")).scalar_one()
        buffer = io.StringIO()
        for external_id, access, refresh in rows(links):
            buffer.write(
                f"{owner}\tgoogle\tgoogle\t{external_id}\ts1\t\t\t\tf\t{{}}\t{access}\t{refresh}"
                "\t\t2026-01-01 00:00:00+00\tf\thttps://accounts.google.com\n"
            )
        columns = (
            "user_id, service_id, provider, external_id, site_id, login_hint, first_name,"
            " last_name, email_verified, raw_profile, access_token, refresh_token, scopes,"
            " created_at, publish_activity, issuer"
        )
        raw = connection.connection.driver_connection
        with raw.cursor().copy(f"COPY linked_accounts ({columns}) FROM STDIN") as copy:  # type: ignore[union-attr]
            copy.write(buffer.getvalue())
        connection.execute(text("ANALYZE linked_accounts"))


def plain_pass() -> int:
    """The baseline: every row changed in batches by the pass's own statement, in the
    same transactions (``db.session_scope``)."""
    done, cursor = 0, 0
    while True:
        with db.session_scope() as session:
            batch = encryption.read_links(session, cursor, BATCH)
            if not batch:
                return done
            session.connection().execute(
                encryption.COMPARE_AND_SET,
                [
                    {
                        "row_id": row_id,
                        "old_access": access,
                        "old_refresh": refresh,
                        "new_access": access + "!",
                        "new_refresh": refresh + "!" if refresh else refresh,
                    }
                    for row_id, _, _, access, refresh in batch
                ],
            )
        done += len(batch)
        cursor = batch[-1][0]


def encrypting_pass() -> int:
    """The real pass as ``socialservices encryption enable`` runs it (without the pause
    between batches that lets SQLite sign-ins in)."""
    keyring = Keyring([new_key()])
    with db.session_scope() as session:
        encryption.enable(session)
        encryption.begin_due_pass(session, keyring)
    progress = encryption_pipeline.run_pass(db.session_scope, keyring, BATCH)
    return progress.total


def timed(work: Callable[[], int]) -> tuple[int, float, float]:
    """What ``work`` returned, its wall-clock seconds and this process's CPU seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    done = work()
    return done, time.perf_counter() - wall, time.process_time() - cpu


def measure(name: str, engine: Engine, links: int) -> None:
    db.configure(engine)
    changed, plain, plain_cpu = timed(plain_pass)
    sealed, encrypted, encrypted_cpu = timed(encrypting_pass)
    assert changed == sealed == links, (changed, sealed)
    with Session(engine) as session:
        counts = encryption.count_by_key(session)
    assert encryption.PLAIN not in counts, counts
    print(
        f"{name:<11} plain UPDATE {links / plain:>9,.0f} rows/s ({plain:6.1f} s)   "
        f"encrypting {links / encrypted:>9,.0f} rows/s ({encrypted:6.1f} s)   "
        f"encryption costs {encrypted / plain:4.2f}x the plain pass\n"
        f"{'':<11} CPU time of this process: plain {plain_cpu:6.1f} s, encrypting "
        f"{encrypted_cpu:6.1f} s ({encrypted_cpu / plain_cpu:4.2f}x)"
    )


def sqlite_run(links: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "bench.db"
        engine = db.make_engine(db.normalize_database_url(f"sqlite:///{path}"))
        migrate.upgrade(engine, token_encryption=False)
        engine.dispose()
        fill_sqlite(path, links)
        measure("SQLite", engine, links)
        engine.dispose()


def postgresql_run(links: int) -> None:
    import psycopg

    try:
        psycopg.connect(PG_SERVER, connect_timeout=3).close()
    except psycopg.Error as error:
        print(f"PostgreSQL  skipped: {PG_SERVER} does not answer ({error})")
        return
    name = f"socialservices_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_SERVER, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        engine = db.make_engine(db.normalize_database_url(PG_SERVER.rsplit("/", 1)[0] + f"/{name}"))
        migrate.upgrade(engine, token_encryption=False)
        fill_postgresql(engine, links)
        measure("PostgreSQL", engine, links)
        engine.dispose()
    finally:
        with psycopg.connect(PG_SERVER, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--links", type=int, default=1_000_000)
    links = parser.parse_args().links
    print(f"{links:,} linked accounts with an access and a refresh token each, batches of {BATCH}")
    sqlite_run(links)
    postgresql_run(links)


if __name__ == "__main__":
    main()
