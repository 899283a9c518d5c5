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

Each figure is the median wall time of rounds that run every query once in turn, so that
the machine's other work falls on all of them alike; beside it, where PostgreSQL runs on
this machine, the median CPU time of this process and of the backends serving the
benchmark's database, which moves much less with that other work.

Aim (issues 10 and 23): within 2 times the same SQL through the app's plumbing. The
database is dropped at the end. Run with ``make bench``; ``--users N`` for another size,
``--runs N`` to measure N times over (each run's ratios printed), ``--database NAME`` to
keep the loaded database (and the data directory whose keys sealed its tokens) and use it
again next time instead of loading a new one.
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
from collections.abc import Callable, Sequence
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


class Meter:
    """Wall and CPU time of one call. CPU time counts this process and the PostgreSQL
    backends serving this benchmark's database (``/proc/PID/schedstat``, when the server
    runs on this machine): unlike the wall time, it hardly moves when other work shares
    the cores."""

    def __init__(self, url: str) -> None:
        with psycopg.connect(url, autocommit=True) as connection:
            rows = connection.execute(
                "SELECT pid FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchall()
        self.stats = [Path(f"/proc/{pid}/schedstat") for (pid,) in rows]
        self.local = all(stat.exists() for stat in self.stats)

    def backends_ns(self) -> int:
        if not self.local:
            return 0
        return sum(int(stat.read_text().split()[0]) for stat in self.stats if stat.exists())

    def time(self, action: Callable[[], object]) -> tuple[float, float]:
        backends, cpu = self.backends_ns(), time.process_time()
        started = time.perf_counter()
        action()
        wall = time.perf_counter() - started
        return wall, time.process_time() - cpu + (self.backends_ns() - backends) / 1e9


def measure(
    meter: Meter, actions: Sequence[Callable[[], object]], rounds: int = ROUNDS
) -> list[tuple[float, float]]:
    """Each action's median wall time and median CPU time, in ms, over ``rounds`` rounds that
    run every action once, in turn: a burst of load from the machine's other work falls
    on all of them alike, rather than on whichever was being measured then."""
    times: list[list[tuple[float, float]]] = [[] for _ in actions]
    for _ in range(rounds):
        for action, spent in zip(actions, times, strict=True):
            spent.append(meter.time(action))
    return [
        (
            statistics.median(wall for wall, _ in spent) * 1000,
            statistics.median(cpu for _, cpu in spent) * 1000,
        )
        for spent in times
    ]


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
    parser.add_argument(
        "--runs", type=int, default=1, help="measure this many times, each run's ratios printed"
    )
    parser.add_argument(
        "--database",
        help="keep the loaded data in this database (and its data directory) and reuse it"
        " next time, instead of a new database dropped at the end",
    )
    args = parser.parse_args()
    name = args.database or f"socialservices_bench_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(SERVER, autocommit=True, connect_timeout=3) as admin:
            exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if exists.fetchone() is None:
                admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        print(f"skipped: PostgreSQL at {SERVER} does not answer ({error})")
        return
    url = SERVER.rsplit("/", 1)[0] + f"/{name}"
    if args.database:  # the data directory holds the keys the stored tokens were sealed with
        kept = Path(tempfile.gettempdir()) / name
        kept.mkdir(mode=0o700, exist_ok=True)
        print(f"database {name} (kept), data directory {kept}")
        run(url, args.users, kept, args.runs)
        return
    try:
        with tempfile.TemporaryDirectory(prefix="bench-scale-") as scratch:
            run(url, args.users, Path(scratch), args.runs)
    finally:
        with psycopg.connect(SERVER, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(url: str, users: int, scratch: Path, runs: int) -> None:
    os.environ.update(SOCIALSERVICES_DATABASE_URL=url, SOCIALSERVICES_DATA_DIR=str(scratch))
    from sqlalchemy import event, text

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
    with psycopg.connect(url, autocommit=True) as connection:
        loaded = connection.execute("SELECT count(*) FROM users").fetchone()
    if loaded is None or loaded[0] == 0:
        started = time.perf_counter()
        fill(url, users)
        print(
            f"{users:,} users and {2 * users:,} linked accounts loaded in "
            f"{time.perf_counter() - started:.0f} s (PostgreSQL)"
        )
    elif loaded[0] < users:
        raise SystemExit(f"the database holds {loaded[0]:,} users, not {users:,}: drop it")
    else:
        print(f"{users:,} users and {2 * users:,} linked accounts already loaded (reused)")
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

    sent: list[tuple[str, object]] = []
    with session_scope() as session:
        event.listen(session.connection(), "before_cursor_execute", remember := (
            lambda *args: sent.append((args[2], args[3]))
        ))  # fmt: skip
        search_users(session, "Иван")
        event.remove(session.connection(), "before_cursor_execute", remember)

    def our_statements_plumbed() -> object:
        """What our search sends (its four index ranges and the join, in one statement)
        as SQL text through the same plumbing: what is left to ours is building the query
        and making User objects of the rows."""
        with session_scope() as session:
            connection = session.connection()
            for statement, values in sent[:-1]:
                connection.exec_driver_sql(statement, values)  # type: ignore[arg-type]
            statement, values = sent[-1]
            return connection.exec_driver_sql(statement, values).fetchall()  # type: ignore[arg-type]

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
        raw_search, plumbed_search, our_search, raw_lookup, plumbed_lookup, our_lookup,
        our_sign_in, our_statements_plumbed,
    )  # fmt: skip
    for action in actions:
        for _ in range(20):  # warm caches and connections (then every one is open)
            action()
    meter = Meter(url)
    print(f"median wall time of {ROUNDS} rounds, in ms, each round running every query once")
    print("(the load of the moment falls on all alike), and ratios to the raw indexed query")
    print("through psycopg on an open connection and to the same SQL through the app's engine")
    print("and transaction; then the median CPU time of the same calls: this process and its")
    print("PostgreSQL backends" + ("" if meter.local else " (not here: the server is elsewhere)"))
    worst = [0.0, 0.0]
    for number in range(1, runs + 1):
        figures = measure(meter, actions)
        walls, cpus = [wall for wall, _ in figures], [cpu for _, cpu in figures]
        if runs > 1:
            print(f"run {number} of {runs}")
        print(f"  {'':34s} {'raw':>7s} {'raw+app plumbing':>17s} {'ours':>7s} {'ratios':>14s}")
        for place, label, (bare, plumbed, ours), (cpu_bare, cpu_plumbed, cpu_ours) in (
            (0, "user search 'Иван', first page", walls[0:3], cpus[0:3]),
            (1, "link lookup by its unique key", walls[3:6], cpus[3:6]),
        ):
            worst[place] = max(worst[place], ours / plumbed)
            print(f"  {label:34s} {bare:7.2f} {plumbed:17.2f} {ours:7.2f}"
                  f"   {ours / bare:5.1f} / {ours / plumbed:4.2f}  (aim: 2)")  # fmt: skip
            if meter.local:
                print(f"  {'  CPU time':34s} {cpu_bare:7.2f} {cpu_plumbed:17.2f} {cpu_ours:7.2f}"
                      f"   {cpu_ours / cpu_bare:5.1f} / {cpu_ours / cpu_plumbed:4.2f}")  # fmt: skip
        print(f"  our search's own statements through the plumbing: {walls[7]:.2f} ms"
              f", ours {walls[2] / walls[7]:.2f} times it"
              + (f", CPU {cpus[7]:.2f} ({cpus[2] / cpus[7]:.2f})" if meter.local else ""))  # fmt: skip
        print(f"  a returning user's sign-in (its whole database transaction): {walls[6]:.2f} ms,"
              f" {walls[6] / walls[3]:.1f} / {walls[6] / walls[4]:.2f} times the lookup"
              + (f"; CPU {cpus[6]:.2f} ms" if meter.local else ""))  # fmt: skip
    raw.close()
    if runs > 1:
        print(
            f"highest of {runs} runs, ours / raw + plumbing: search {worst[0]:.2f},"
            f" link lookup {worst[1]:.2f} (aim: 2)"
        )


if __name__ == "__main__":
    main()
