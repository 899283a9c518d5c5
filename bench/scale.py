"""A million users and two million linked accounts on PostgreSQL: the administrators'
user search and a returning user's sign-in, against the raw indexed SQL query in the
same run.

A new database on the PostgreSQL server (``BENCH_PG``, default 127.0.0.1:5432 as user
``postgres``) gets our migrated schema and an OpenID Connect service through the normal
configuration import, then 1,000,000 users and 2,000,000 links loaded with COPY (two
links per user, one through that service) and ANALYZEd. Then, as medians of many
rounds:

- **user search**: ``models.user_queries.search_users`` (what the directory page calls)
  for a first name, against the plain SQL of the same index range through psycopg;
- **sign-in of an existing link**: the database part of a returning user's sign-in
  (``admin_app.auth.social_sign_in``: find the link, check the user and the denied groups, store
  the new tokens encrypted, mark the link and the user, start a session, count the
  sign-in; one transaction), and the link lookup it begins with, against the plain SQL
  lookup of the link by its unique key.

Aim (issue 10): within 2 times the raw query. The database is dropped at the end. Run
with ``make bench``; ``--users N`` for another size.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import psycopg
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SERVER = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")
ROUNDS = 101
FIRST_NAMES = ["Anna", "Boris", "Clara", "Dmitry", "Elena", "Иван", "Мария", "Ольга", "Пётр"]
LAST_NAMES = ["Smith", "Ivanov", "Petrova", "Miller", "Волков", "Соловьёва", "Васильев"]
#: who vouches for each service's account ids (links are found through it)
ISSUERS = {"staff": "https://idp.example.org", "github": "https://api.github.com"}


def median_ms(action: Callable[[], object], rounds: int = ROUNDS) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def copy_rows(connection: psycopg.Connection, statement: str, rows: io.StringIO) -> None:
    rows.seek(0)
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        while chunk := rows.read(1 << 20):
            copy.write(chunk)


def fill(url: str, users: int) -> None:
    """``users`` users and two links each (one through "staff"), by COPY, then ANALYZE."""
    rng = random.Random(10)
    people, links = io.StringIO(), io.StringIO()
    for number in range(1, users + 1):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        login = f"user{number}"
        email = f"{login}@example.org"
        people.write(
            f"{login}\t{email}\t{first}\t{last}\t{login}\t{email}\t{first.lower()}\t"
            f"{last.lower()}\tt\t2026-01-01 00:00:00+00\t1\n"
        )
        for service in ("staff", "github"):
            links.write(
                f"{number}\t{service}\t{'oidc' if service == 'staff' else 'github'}\t"
                f"{service}-{number}\ts1\t\t{first}\t{last}\tf\t{{}}\tplain-token-{number}\t"
                f"openid\t2026-01-01 00:00:00+00\tf\t{ISSUERS[service]}\n"
            )
    with psycopg.connect(url, autocommit=True) as connection:
        copy_rows(
            connection,
            "COPY users (login, email, first_name, last_name, login_lower, email_lower,"
            " first_name_lower, last_name_lower, is_active, created_at, version) FROM STDIN",
            people,
        )
        copy_rows(
            connection,
            "COPY linked_accounts (user_id, service_id, provider, external_id, site_id,"
            " login_hint, first_name, last_name, email_verified, raw_profile, access_token,"
            " scopes, created_at, publish_activity, issuer) FROM STDIN",
            links,
        )
        connection.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1_000_000)
    users = parser.parse_args().users
    name = f"socialservices_bench_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(SERVER, autocommit=True, connect_timeout=3) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        print(f"skipped: PostgreSQL at {SERVER} does not answer ({error})")
        return
    url = SERVER.rsplit("/", 1)[0] + f"/{name}"
    try:
        with tempfile.TemporaryDirectory(prefix="bench-scale-") as scratch:
            run(url, users, Path(scratch))
    finally:
        with psycopg.connect(SERVER, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(url: str, users: int, scratch: Path) -> None:
    os.environ.update(SOCIALSERVICES_DATABASE_URL=url, SOCIALSERVICES_DATA_DIR=str(scratch))
    from sqlalchemy import text

    from admin_app.auth.social_sign_in import sign_in_or_register
    from admin_app.core import startup
    from admin_app.core.settings import load_settings
    from admin_app.services.catalogue import site_service
    from admin_app.services.config_file import import_configuration
    from models.db import session_scope
    from models.linked_accounts import find_link
    from models.user_queries import search_users
    from providers.base import ExternalProfile, SignInResult, TokenSet

    startup.prepare(load_settings())
    import_configuration(
        yaml.safe_dump(
            {
                "services": {
                    "staff": {
                        "provider": "oidc",
                        "enabled": True,
                        "settings": {"client_id": "bench", "client_secret": "bench-secret"},
                        "endpoints": {"issuer": ISSUERS["staff"]},
                    }
                }
            }
        )
    )
    started = time.perf_counter()
    fill(url, users)
    print(
        f"{users:,} users and {2 * users:,} linked accounts loaded in "
        f"{time.perf_counter() - started:.0f} s (PostgreSQL)"
    )
    service = site_service("s1", "staff")
    assert service is not None and service.configured
    rng = random.Random(3)
    raw = psycopg.connect(url, autocommit=True)

    def raw_search() -> object:
        return raw.execute(
            "SELECT id, login, email, first_name, last_name FROM users"
            " WHERE first_name_lower >= %s AND first_name_lower < %s"
            " ORDER BY first_name_lower, id LIMIT 26",
            (low, high),
        ).fetchall()

    def plumbing(sql: str, params: Callable[[], dict[str, object]]) -> Callable[[], object]:
        """The same raw SQL through the app's engine, in a transaction as the app opens
        one (pooled connection, pre-ping, BEGIN, COMMIT): what the plumbing costs."""

        def query() -> object:
            with session_scope() as session:
                return session.execute(text(sql), params()).fetchall()

        return query

    low, high = "иван", "иван"[:-1] + chr(ord("н") + 1)
    search_sql = (
        "SELECT id, login, email, first_name, last_name FROM users"
        " WHERE first_name_lower >= :low AND first_name_lower < :high"
        " ORDER BY first_name_lower, id LIMIT 26"
    )
    plumbed_search = plumbing(search_sql, lambda: {"low": low, "high": high})
    plumbed_lookup = plumbing(
        "SELECT * FROM linked_accounts WHERE service_id = 'staff' AND issuer = :issuer"
        " AND external_id = :key",
        lambda: {"issuer": ISSUERS["staff"], "key": some_link()},
    )

    def our_search() -> object:
        with session_scope() as session:
            return search_users(session, "Иван").users

    def some_link() -> str:
        return f"staff-{rng.randint(1, users)}"

    def raw_lookup() -> object:
        return raw.execute(
            "SELECT * FROM linked_accounts WHERE service_id = %s AND issuer = %s"
            " AND external_id = %s",
            ("staff", ISSUERS["staff"], some_link()),
        ).fetchone()

    def our_lookup() -> object:
        with session_scope() as session:
            return find_link(
                session, service_id="staff", issuer=ISSUERS["staff"], external_id=some_link()
            )

    def our_sign_in() -> object:
        result = SignInResult(
            profile=ExternalProfile(external_id=some_link(), first_name="Bench"),
            tokens=TokenSet(access_token="a-new-access-token", refresh_token="a-refresh-token"),
        )
        outcome = sign_in_or_register(service, "s1", "/", result)
        assert outcome.auth_token, outcome
        return outcome

    actions = (
        raw_search, plumbed_search, our_search, raw_lookup, plumbed_lookup, our_lookup, our_sign_in
    )  # fmt: skip
    for action in actions:
        for _ in range(20):  # warm caches and connections
            action()
    search = [median_ms(action) for action in (raw_search, plumbed_search, our_search)]
    lookup = [median_ms(action) for action in (raw_lookup, plumbed_lookup, our_lookup)]
    sign_in = median_ms(our_sign_in)
    raw.close()
    print("median of 101 rounds, in ms; ratios to the raw indexed query through psycopg on")
    print("an open connection, and to the same SQL through the app's engine and transaction")
    print(f"  {'':34s} {'raw':>7s} {'raw+app plumbing':>17s} {'ours':>7s} {'ratios':>14s}")
    for label, (bare, plumbed, ours) in (
        ("user search 'Иван', first page", search),
        ("link lookup by its unique key", lookup),
    ):
        print(f"  {label:34s} {bare:7.2f} {plumbed:17.2f} {ours:7.2f}"
              f"   {ours / bare:5.1f} / {ours / plumbed:4.2f}  (aim: 2)")  # fmt: skip
    print(f"  a returning user's sign-in (its whole database transaction): {sign_in:.2f} ms,"
          f" {sign_in / lookup[0]:.1f} / {sign_in / lookup[1]:.2f} times the lookup")  # fmt: skip


if __name__ == "__main__":
    main()
