"""Searching a million users: the administrators' directory, as ratios to a key lookup.

Fills a temporary SQLite database (our migrated schema) with 1,000,000 users in bulk, then
times ``models.user_queries.search_users`` for first pages and late pages, each as the
median of a few rounds, divided by the median of a primary-key lookup measured in the
same run on the same database. Nothing is asserted: the figures are for reading.
Run with `.venv/bin/python bench/user_search.py` (``--users N`` for another size).
"""

from __future__ import annotations

import argparse
import itertools
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text
from sqlmodel import Session, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from models import db, migrate  # noqa: E402
from models.tables import User  # noqa: E402
from models.user_queries import STAGE_LOGIN, SearchCursor, search_users  # noqa: E402

ROUNDS = 7
FIRST_NAMES = [
    "Anna", "Boris", "Clara", "Dmitry", "Elena", "Fedor", "Galina", "Hannah", "Igor",
    "Julia", "Kirill", "Lena", "Maria", "Nikolai", "Olga", "Pavel", "Roman", "Sofia",
    "Timur", "Vera", "Иван", "Мария", "Пётр", "Ольга", "Сергей", "Татьяна",
]  # fmt: skip
LAST_NAMES = [
    "Smith", "Ivanov", "Petrova", "Miller", "Kuznetsov", "Novak", "Garcia", "Popov",
    "Sokolova", "Lebedev", "Kozlov", "Morozova", "Волков", "Соловьёва", "Васильев",
]  # fmt: skip
SYLLABLES = ["ka", "lo", "mi", "ra", "ne", "to", "vi", "sa", "po", "de", "zu", "an"]


def fill(path: Path, users: int) -> None:
    """``users`` rows with varied logins, e-mails and names, inserted in one transaction
    with the journal and fsync off (a throw-away database), then ANALYZEd."""
    rng = random.Random(6)
    stems = ["".join(triple) for triple in itertools.product(SYLLABLES, repeat=3)]
    rows = []
    for number in range(users):
        login = rng.choice(stems) + str(number)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = f"{first[0]}.{last}.{number}@example.org" if number % 10 else None
        keys = (login.lower(), email and email.lower(), first.lower(), last.lower())
        rows.append((login, email, first, last, *keys))
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-500000"):
            connection.execute(f"PRAGMA {pragma}")
        connection.execute("BEGIN")
        connection.executemany(
            "INSERT INTO users (login, email, first_name, last_name, login_lower, email_lower,"
            " first_name_lower, last_name_lower, is_active, created_at, version)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1,"
            " '2026-01-01 00:00:00.000000', 1)",
            rows,
        )
        connection.execute("COMMIT")
        connection.execute("ANALYZE")
    finally:
        connection.close()


def median_seconds(action: Callable[[], object], rounds: int = ROUNDS) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1_000_000)
    users = parser.parse_args().users
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "bench.db"
        engine = db.make_engine(db.normalize_database_url(f"sqlite:///{path}"))
        migrate.upgrade(engine)
        engine.dispose()  # the fill writes alone, through sqlite3
        started = time.perf_counter()
        fill(path, users)
        print(f"{users:,} users inserted in {time.perf_counter() - started:.1f} s")

        def run(term: str, after: SearchCursor | None = None) -> Callable[[], object]:
            def search() -> object:
                with Session(engine) as session:
                    return search_users(session, term, after=after)

            return search

        def key_lookup() -> object:
            with Session(engine) as session:
                return session.exec(select(User).where(User.id == users // 2)).one()

        def page_cursor(term: str, page: int) -> SearchCursor | None:
            cursor = None
            for _ in range(page - 1):
                with Session(engine) as session:
                    cursor = search_users(session, term, after=cursor).next_cursor
            return cursor

        with engine.connect() as connection:
            late_login = connection.execute(
                text("SELECT login_lower FROM users ORDER BY login_lower LIMIT 1 OFFSET :n"),
                {"n": users - 100},
            ).scalar_one()

        def offset_page() -> object:  # what OFFSET paging to the same place would cost
            with Session(engine) as session:
                return session.exec(
                    select(User).order_by(User.login_lower).offset(users - 100).limit(26)
                ).all()

        baseline = median_seconds(key_lookup, rounds=51)
        cases = [
            ("all users, first page", run("")),
            ("all users, a page near the end (keyset)", run("", SearchCursor(STAGE_LOGIN, (late_login,)))),
            ("  the same page by OFFSET, for comparison", offset_page),
            ("login prefix 'kalo', first page", run("kalo")),
            ("login prefix 'kalo', page 20", run("kalo", page_cursor("kalo", 20))),
            ("e-mail prefix 'm.novak', first page", run("m.novak")),
            ("first name 'Иван', first page", run("Иван")),
            ("first name 'Иван', page 100", run("Иван", page_cursor("Иван", 100))),
            ("last name 'волк', first page", run("волк")),
            ("'ольга волков' (first and last name)", run("ольга волков")),
            ("'волков ольга' (last and first name)", run("волков ольга")),
            ("one login matches, then every stage", run("kalomi12345")),
            ("nothing matches", run("qqq")),
        ]  # fmt: skip
        print(f"baseline: a primary-key lookup, {baseline * 1000:.2f} ms (= 1)")
        for label, action in cases:
            figure = median_seconds(action)
            print(f"{label:<45} {figure / baseline:8.1f} x baseline")
        engine.dispose()


if __name__ == "__main__":
    main()
