"""A soak: mixed traffic at a fixed rate for minutes on end against two app processes on
PostgreSQL and Redis, as an installation behind a balancer runs; whether anything fails,
slows down, grows or is lost over time.

Two ``socialservices serve`` processes share a new database on the PostgreSQL server
(``BENCH_PG``, default 127.0.0.1:5432 as ``postgres``, dropped at the end) and the Redis
at ``BENCH_REDIS`` (default 127.0.0.1:6379/0). Their service "soak" is an OpenID Connect
provider in a process of its own (``bench/soak_people.py``) that answers for any person.
Each minute, at ``--rate`` 1 (the actions of a kind evenly spaced, each process taking
every other one):

- 60 sign-ins of returning people (40 people, who signed up before the run) and 12 of
  newcomers (each a new account and link), over HTTP as a browser with no cookies;
- 30 code flows of the provider role (authorize, token, UserInfo) by an application of
  the site, for a signed-in person (``bench/code_flow.py``);
- in Chromium: 12 ``/profile`` pages opened and left open with their live connection
  (16 open at once, the oldest closed), 6 messages posted on ``/feed``, 3 saves of a
  site's name by an administrator on the site's page.

A minute of the same traffic warms up first (``--warm-up``). Then, per minute: the
actions and errors, p50 and p95 of all actions and of each kind, and each process's
resident memory. Aims (issue 24): no error; the last minute's p50 and p95 within 1.2
times the first's; memory at the end under 10 % above what it was after the warm-up.
At the end the database must hold every message posted, every link made and every
administrator's save's audit entry exactly once.

Run with ``make bench`` (3 minutes), or ``.venv/bin/python bench/soak.py --minutes 30``
for the record.
"""

from __future__ import annotations

import argparse
import base64
import itertools
import os
import queue
import random
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
import redis
import yaml
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.code_flow import Driver, RelyingParty  # noqa: E402
from bench.soak_people import CLIENT_ID, CLIENT_SECRET  # noqa: E402
from bench.soak_traffic import SERVICE, Browsers, social_sign_in  # noqa: E402
from tests.support.app_server import AppServer, make_app_server  # noqa: E402
from tests.support.browser_sign_in import create_admin  # noqa: E402

SERVER = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/0")
#: actions of each kind per minute at --rate 1
PER_MINUTE = {
    "returning sign-in": 60,
    "new sign-in": 12,
    "code flow": 30,
    "profile page": 12,
    "feed post": 6,
    "admin save": 3,
}
IN_BROWSER = {"profile page", "feed post", "admin save"}
RETURNING = 40  # people who signed up before the run and come back during it
SITE = "s1"  # the default site, renamed by the administrator's saves
APP_SECRET = "soak-application-secret-0123456789abcdef"  # the config file wants >= 32
REDIRECT_URI = "http://127.0.0.1:9/redirect_uri"  # never visited: the code is read off it
LATE = 1.0  # seconds after its time that an action counts as started late


@dataclass
class Sample:
    kind: str
    at: float  # when it was due, seconds from the start of the measurement
    seconds: float
    late: float  # how long after its time it started
    error: str = ""


@dataclass
class Made:
    """What the run's people made, to be found in the database exactly once."""

    subjects: list[str] = field(default_factory=list)
    posts: list[str] = field(default_factory=list)
    failed_posts: list[str] = field(default_factory=list)
    saves: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


# --------------------------------------------------------------------------- processes


def start_people() -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "soak_people.py")],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def start_apps(scratch: Path, database: str, issuer: str) -> tuple[AppServer, AppServer]:
    """Two processes of one installation, "soak" and its application configured."""
    shared = {
        "database_url": database,
        "redis_url": REDIS,
        "secret_key": secrets.token_urlsafe(32),
        "encryption_keys": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("="),
    }
    apps = []
    for name in ("first", "second"):
        (scratch / name).mkdir()
        apps.append(make_app_server(scratch / name, **shared))
    with ThreadPoolExecutor(2) as pool:  # started together: they take turns to upgrade
        for started in [pool.submit(app.start, 60) for app in apps]:
            started.result()
    config = scratch / "config.yaml"
    config.write_text(yaml.safe_dump(configuration(issuer)))
    imported = apps[0].cli("config", "import", str(config))
    if imported.returncode != 0:
        raise SystemExit(f"config import failed:\n{imported.stderr}")
    create_admin(apps[0])
    return apps[0], apps[1]


def configuration(issuer: str) -> dict[str, object]:
    return {
        "services": {
            SERVICE: {
                "provider": "oidc",
                "name": "Soak",
                "enabled": True,
                "settings": {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
                "endpoints": {"issuer": issuer},
            }
        },
        "registration": {
            "allow_self_registration": True,
            "allow_social_registration": True,
            "denied_auth_groups": [],
            "denied_link_groups": [],
        },
        "applications": [
            {
                "id": "soak",
                "site": SITE,
                "name": "Soak",
                "kind": "confidential",
                "client_id": "soak-client",
                "client_secret": APP_SECRET,
                "redirect_uris": [REDIRECT_URI],
            }
        ],
    }


def rss_mb(app: AppServer) -> float:
    assert app.process is not None
    for line in Path(f"/proc/{app.process.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


# ----------------------------------------------------------------------------- traffic


class Soak:
    """The people, the schedule and what was measured."""

    def __init__(self, apps: tuple[AppServer, AppServer], rate: float, run_id: str) -> None:
        self.apps = apps
        self.rate = rate
        self.run_id = run_id
        self.samples: list[Sample] = []
        self.made = Made()
        self.returning = [f"regular-{number}" for number in range(1, RETURNING + 1)]
        self.cookies: dict[str, httpx.Cookies] = {}
        self.turns = {kind: itertools.cycle(apps) for kind in PER_MINUTE}
        self.counters = {kind: itertools.count(1) for kind in PER_MINUTE}
        self.random = random.Random(24)
        self.browser_work: queue.Queue[tuple[str, float] | None] = queue.Queue()
        self.browser_ready = threading.Event()
        self.drivers: list[Driver] = []

    def prepare(self) -> None:
        """The returning people sign up, each on one process; a driver of code flows
        for each process, signed in as the first of them."""
        for number, subject in enumerate(self.returning):
            self.cookies[subject] = social_sign_in(self.apps[number % 2].base_url, subject)
        self.made.subjects.extend(self.returning)
        for app in self.apps:
            party = RelyingParty(app.base_url, "soak-client", APP_SECRET, REDIRECT_URI)
            self.drivers.append(Driver(party, self.cookies[self.returning[0]]))

    # -- the actions, by kind: each raises when it did not work

    def act(self, kind: str) -> None:
        app = next(self.turns[kind])
        number = next(self.counters[kind])
        if kind == "returning sign-in":
            social_sign_in(app.base_url, self.random.choice(self.returning))
        elif kind == "new sign-in":
            subject = f"new-{self.run_id}-{number}"
            social_sign_in(app.base_url, subject)
            with self.made.lock:
                self.made.subjects.append(subject)
        elif kind == "code flow":
            driver = self.drivers[self.apps.index(app)]
            with driver.client() as client:
                driver.sign_in(client)
        else:
            raise ValueError(kind)

    def act_in_browser(self, browsers: Browsers, kind: str) -> None:
        app = next(self.turns[kind])
        number = next(self.counters[kind])
        person = self.cookies[self.random.choice(self.returning)]
        if kind == "profile page":
            browsers.open_profile(app.base_url, person)
        elif kind == "feed post":
            text = f"soak {self.run_id} post {number}"
            try:
                browsers.post(app.base_url, person, text)
            except BaseException:
                self.made.failed_posts.append(text)
                raise
            self.made.posts.append(text)
        elif kind == "admin save":
            browsers.save_site(app.base_url, SITE, f"Soak site {number}")
            self.made.saves += 1
        else:
            raise ValueError(kind)

    # -- running them on time

    def timed(self, kind: str, due: float, start: float, action: Callable[[], None]) -> None:
        began = time.monotonic()
        error = ""
        try:
            action()
        except Exception as failure:  # recorded and reported: the run goes on
            error = f"{type(failure).__name__}: {failure}"[:300]
        sample = Sample(kind, due - start, time.monotonic() - began, began - due, error)
        with self.made.lock:
            self.samples.append(sample)

    def browser_thread(self, admin_base_url: str, start: list[float]) -> None:
        with sync_playwright() as playwright:
            browsers = Browsers(playwright, admin_base_url)
            self.browser_ready.set()
            try:
                while (work := self.browser_work.get()) is not None:
                    kind, due = work
                    self.timed(kind, due, start[0], lambda k=kind: self.act_in_browser(browsers, k))
            finally:
                browsers.close()

    def run(self, warm_up: float, minutes: int, memory: list[list[float]]) -> None:
        """Warm up, then ``minutes`` of traffic; each process's memory at the end of the
        warm-up and of each minute."""
        start = [time.monotonic() + warm_up]  # the measurement's start (a list: shared)
        browser = threading.Thread(target=self.browser_thread, args=(self.apps[0].base_url, start))
        browser.start()
        if not self.browser_ready.wait(120):
            raise SystemExit("the browser did not start")
        start[0] = time.monotonic() + warm_up
        end = start[0] + minutes * 60
        first = time.monotonic()
        due = {
            kind: first + 60 / (count * self.rate) * index / len(PER_MINUTE)
            for index, (kind, count) in enumerate(PER_MINUTE.items())
        }
        checkpoints = [start[0] + 60 * minute for minute in range(minutes + 1)]
        with ThreadPoolExecutor(16) as pool:
            while True:
                kind, at = min(due.items(), key=lambda item: item[1])
                while checkpoints and checkpoints[0] <= min(at, end):
                    self._sleep_until(checkpoints.pop(0))
                    memory.append([rss_mb(app) for app in self.apps])
                if at >= end:
                    break
                self._sleep_until(at)
                if kind in IN_BROWSER:
                    self.browser_work.put((kind, at))
                else:
                    pool.submit(self.timed, kind, at, start[0], lambda k=kind: self.act(k))
                due[kind] = at + 60 / (PER_MINUTE[kind] * self.rate)
            self.browser_work.put(None)
            browser.join()

    @staticmethod
    def _sleep_until(moment: float) -> None:
        time.sleep(max(0.0, moment - time.monotonic()))


# ------------------------------------------------------------------------------ report


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(int(len(ordered) * share + 0.5) - 1, 0)] if ordered else float("nan")


def report(samples: list[Sample], memory: list[list[float]], minutes: int) -> list[str]:
    """The per-minute table and the aims; the aims not met."""
    measured = [sample for sample in samples if sample.at >= 0]
    by_minute = [[s for s in measured if int(s.at // 60) == minute] for minute in range(minutes)]
    print(f"  {'minute':>6s} {'actions':>8s} {'errors':>7s} {'p50 ms':>8s} {'p95 ms':>8s}"
          f"   memory MB: process 1, process 2")  # fmt: skip
    print(f"  {'warm':>6s} {'':8s} {'':7s} {'':8s} {'':8s}   "
          f"{memory[0][0]:7.1f} {memory[0][1]:7.1f}")  # fmt: skip
    for minute, found in enumerate(by_minute, start=1):
        times = [s.seconds * 1000 for s in found if not s.error]
        errors = sum(bool(s.error) for s in found)
        print(f"  {minute:6d} {len(found):8d} {errors:7d} {percentile(times, 0.5):8.1f}"
              f" {percentile(times, 0.95):8.1f}   {memory[minute][0]:7.1f}"
              f" {memory[minute][1]:7.1f}")  # fmt: skip
    print("  each kind, p50 / p95 in ms: the first minute, the last, and their ratios")
    for kind in PER_MINUTE:
        first = [s.seconds * 1000 for s in by_minute[0] if s.kind == kind and not s.error]
        last = [s.seconds * 1000 for s in by_minute[-1] if s.kind == kind and not s.error]
        print(f"    {kind:18s} {percentile(first, 0.5):7.1f} / {percentile(first, 0.95):7.1f}"
              f"  ->  {percentile(last, 0.5):7.1f} / {percentile(last, 0.95):7.1f}"
              f"   {percentile(last, 0.5) / percentile(first, 0.5):5.2f}"
              f" / {percentile(last, 0.95) / percentile(first, 0.95):5.2f}")  # fmt: skip
    late = [s for s in samples if s.late > LATE]
    if late:
        print(f"  {len(late)} actions started more than {LATE:.0f} s after their time (the load"
              f" generator fell behind), the latest by {max(s.late for s in late):.1f} s")  # fmt: skip
    errors = [s for s in samples if s.error]
    counted = Counter(s.kind for s in errors)
    print(f"  errors: {len(errors)} of {len(samples)} actions (warm-up included)"
          + "".join(f"; {kind} {count}" for kind, count in counted.items()))  # fmt: skip
    for sample in errors[:5]:
        print(f"    {sample.kind} at {sample.at:+.0f} s: {sample.error}")
    return aims(by_minute, memory, errors)


def aims(
    by_minute: list[list[Sample]], memory: list[list[float]], errors: list[Sample]
) -> list[str]:
    missed = []
    first = [s.seconds for s in by_minute[0] if not s.error]
    last = [s.seconds for s in by_minute[-1] if not s.error]
    p50 = percentile(last, 0.5) / percentile(first, 0.5)
    p95 = percentile(last, 0.95) / percentile(first, 0.95)
    growth = sum(memory[-1]) / sum(memory[0]) - 1
    for aim, met, text in (
        ("errors", not errors, f"{len(errors)} errors (aim: none)"),
        ("latency", p50 <= 1.2 and p95 <= 1.2,
         f"the last minute's p50 and p95 {p50:.2f} and {p95:.2f} times the first's (aim: 1.2)"),
        ("memory", growth < 0.10,
         f"memory {growth * 100:+.1f} % since the warm-up (aim: under +10 %)"),
    ):  # fmt: skip
        print(f"  {text}: {'met' if met else 'NOT MET'}")
        if not met:
            missed.append(aim)
    return missed


# ---------------------------------------------------------------------------- the checks


def stored_once(database: str, made: Made) -> list[str]:
    """What the database holds of what the run made, each exactly once; the problems."""
    problems = []
    with psycopg.connect(database) as connection:
        posts = Counter(
            text
            for (text,) in connection.execute(
                "SELECT text FROM feed_posts WHERE text LIKE 'soak %'"
            ).fetchall()
        )
        links = Counter(
            subject
            for (subject,) in connection.execute(
                "SELECT external_id FROM linked_accounts WHERE service_id = %s", (SERVICE,)
            ).fetchall()
        )
        accounts = Counter(
            address.split("@")[0]
            for (address,) in connection.execute(
                "SELECT email FROM users WHERE email LIKE '%%@soak.example.org'"
            ).fetchall()
        )
        saves = connection.execute(
            "SELECT count(*) FROM audit_log WHERE action = 'site.update' AND target = %s",
            (SITE,),
        ).fetchone()
    for text in made.posts:
        if posts[text] != 1:
            problems.append(f"post {text!r} stored {posts[text]} times")
    for text in made.failed_posts:  # a post whose page failed may be stored, but once
        if posts[text] > 1:
            problems.append(f"post {text!r} (its page failed) stored {posts[text]} times")
    for subject in made.subjects:
        if links[subject] != 1 or accounts[subject] != 1:
            problems.append(f"{subject}: {links[subject]} links, {accounts[subject]} accounts")
    strays = set(links) - set(made.subjects)
    if strays:
        problems.append(f"links nobody made: {sorted(strays)[:5]}")
    if saves is None or saves[0] != made.saves:
        problems.append(f"{made.saves} saves, {saves and saves[0]} audit entries")
    print(f"  stored: {len(made.posts)} posts, {len(made.subjects)} links and accounts,"
          f" {made.saves} audit entries of saves: "
          + ("each exactly once" if not problems else f"{len(problems)} PROBLEMS"))  # fmt: skip
    for problem in problems[:10]:
        print(f"    {problem}")
    return problems


# -------------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--minutes", type=int, default=3, help="measured minutes (30 for the record)"
    )
    parser.add_argument("--warm-up", type=float, default=60, help="seconds of traffic first")
    parser.add_argument("--rate", type=float, default=1.0, help="times the traffic per minute")
    args = parser.parse_args()
    name = f"socialservices_soak_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(SERVER, autocommit=True, connect_timeout=3) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        redis.Redis.from_url(REDIS, socket_connect_timeout=3).ping()
    except (psycopg.OperationalError, redis.RedisError) as error:
        print(f"soak skipped: PostgreSQL at {SERVER} or Redis at {REDIS} does not answer ({error})")
        return
    database = SERVER.rsplit("/", 1)[0] + f"/{name}"
    people, issuer = start_people()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-soak-") as scratch:
            apps = start_apps(Path(scratch), database, issuer)
            try:
                missed = soak(apps, database, args.minutes, args.warm_up, args.rate)
            finally:
                for app in apps:
                    app.stop()
            for number, app in enumerate(apps, start=1):
                if "Traceback" in app.output:
                    print(f"  process {number} logged a traceback:\n{app.output[-3000:]}")
                    missed.append("traceback")
    finally:
        people.kill()
        people.wait()
        with psycopg.connect(SERVER, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if missed:
        print(f"soak: not met: {', '.join(missed)}")


def soak(
    apps: tuple[AppServer, AppServer], database: str, minutes: int, warm_up: float, rate: float
) -> list[str]:
    run = Soak(apps, rate, uuid.uuid4().hex[:6])
    run.prepare()
    per_minute = sum(PER_MINUTE.values()) * rate
    print(
        f"soak: {minutes} minutes after {warm_up:.0f} s of warm-up, {per_minute:.0f} actions a"
        f" minute against 2 processes on PostgreSQL and Redis ({RETURNING} returning people)"
    )
    memory: list[list[float]] = []
    run.run(warm_up, minutes, memory)
    missed = report(run.samples, memory, minutes)
    if stored_once(database, run.made):
        missed.append("stored once")
    return missed


if __name__ == "__main__":
    main()
