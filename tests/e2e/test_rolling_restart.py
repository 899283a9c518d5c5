"""A rolling restart: two app processes behind a real nginx balancer; one of them gets
SIGTERM while people sign in through the balancer the whole time.

The process stops taking requests, lets those under way finish, stops its jobs and
gives back the letter it was sending (its mail server was holding the conversation
open): nobody's sign-in fails, the process ends cleanly, and the other process sends the
letter at once, exactly once, not when the claim would have run out minutes later.
"""

from __future__ import annotations

import base64
import secrets
import signal
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest
from playwright.sync_api import Browser, expect

from tests.support.app_server import AppServer, free_port, make_app_server
from tests.support.browser_sign_in import create_admin
from tests.support.fakes.openid import FakeOpenIDProvider
from tests.support.nginx_proxy import NginxProxy
from tests.support.outage_visits import configured, idp, sign_in, wait_for
from tests.support.postgres_database import postgres_database
from tests.support.smtp_server import SmtpServer

__all__ = ["idp", "postgres_database"]  # fixtures

ADMIN_ADDRESS = "root@example.org"
SIGNING_IN = 4  # people signing in at once, one after another each


@dataclass
class Cluster:
    processes: tuple[AppServer, AppServer]
    balancer: NginxProxy
    database: str


@pytest.fixture
def cluster(
    tmp_path: Path, postgres_database: str, idp: FakeOpenIDProvider, smtp: SmtpServer
) -> Iterator[Cluster]:
    ports = (free_port(), free_port())
    balancer = NginxProxy(server_name="127.0.0.1", balance=tuple(f"127.0.0.1:{p}" for p in ports))
    shared = {
        "database_url": postgres_database,
        "public_url": balancer.base_url,
        "secret_key": secrets.token_urlsafe(32),
        "encryption_keys": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("="),
        "smtp_url": smtp.url,
        "mail_from": "accounts@example.org",
    }
    processes = []
    for name, port in zip(("first", "second"), ports, strict=True):
        (tmp_path / name).mkdir()
        process = make_app_server(tmp_path / name, **shared)
        process.port = port
        processes.append(process)
    with ThreadPoolExecutor(2) as pool:  # started together: they take turns to upgrade
        for started in [pool.submit(process.start) for process in processes]:
            started.result()
    configured(processes[0], idp)
    create_admin(processes[0])
    balancer.start()
    yield Cluster((processes[0], processes[1]), balancer, postgres_database)
    balancer.remove()
    for process in processes:
        process.stop()


def letter_holder(database: str) -> str | None:
    """Which process holds the one letter claimed (``host:pid:…``), if any."""
    with psycopg.connect(database) as connection:
        row = connection.execute("SELECT claimed_by FROM mail_messages").fetchone()
    return row[0] if row else None


def ask_for_a_reset_letter(browser: Browser, base_url: str) -> None:
    page = browser.new_page()
    page.goto(f"{base_url}/password/forgot")
    page.get_by_label("Login or e-mail").fill("root")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("status")).to_be_visible()
    page.close()


def sign_in_repeatedly(base_url: str, stop: threading.Event, outcomes: list[str]) -> None:
    """One person after another signs in through the balancer; each outcome recorded
    with the time it ended ("ok" or the failure)."""
    while not stop.is_set():
        with httpx.Client(base_url=base_url, timeout=30) as person:
            try:
                sign_in(person)
                outcomes.append(f"{time.monotonic():.3f} ok")
            except Exception as error:
                outcomes.append(f"{time.monotonic():.3f} {error!r}")


def test_sigterm_to_one_process_fails_no_sign_in_and_gives_back_its_letter(
    browser: Browser, cluster: Cluster, smtp: SmtpServer
) -> None:
    smtp.holding.set()  # the letter's conversation stays open: its sender holds the claim
    # on the first process itself: a page's live connection stays with the process that
    # drew it (docs/deploy.md's ip_hash); the test's balancer spreads requests instead
    ask_for_a_reset_letter(browser, cluster.processes[0].base_url)
    wait_for(lambda: letter_holder(cluster.database) is not None, 20)
    holder = letter_holder(cluster.database)
    assert holder is not None
    pids = {process.process.pid: process for process in cluster.processes if process.process}
    stopping = pids[int(holder.split(":")[1])]
    staying = next(process for process in cluster.processes if process is not stopping)

    stop, outcomes = threading.Event(), []
    with ThreadPoolExecutor(SIGNING_IN) as people:
        try:
            for _person in range(SIGNING_IN):
                people.submit(sign_in_repeatedly, cluster.balancer.base_url, stop, outcomes)
            wait_for(lambda: len(outcomes) >= 2 * SIGNING_IN, 60)
            assert stopping.process is not None
            stopping.process.send_signal(signal.SIGTERM)
            sent_at = time.monotonic()
            # uvicorn's graceful shutdown, then it ends by the signal it was stopped with
            assert stopping.process.wait(timeout=30) == -signal.SIGTERM
            ended_at = time.monotonic()
            wait_for(lambda: sum(float(o.split()[0]) > ended_at for o in outcomes) >= 8, 60)
        finally:
            stop.set()

    failures = [outcome for outcome in outcomes if not outcome.endswith(" ok")]
    assert not failures, failures
    during = [o for o in outcomes if sent_at <= float(o.split()[0]) <= ended_at]
    print(f"{len(outcomes)} sign-ins, {len(during)} while the process stopped")
    assert "jobs.stopped released_activity=0 released_mail=1" in stopping.output
    assert "Traceback" not in stopping.output

    # the other process takes the letter up at once (its claim would have lasted minutes)
    wait_for(
        lambda: (letter_holder(cluster.database) or "").startswith(staying_owner_prefix(staying)),
        20,
    )
    smtp.holding.clear()
    smtp.wait_for(ADMIN_ADDRESS, timeout=30)
    time.sleep(2)  # nothing more comes: the broken-off attempt sent nothing
    assert len(smtp.messages_to(ADMIN_ADDRESS)) == 1
    assert staying.process is not None and staying.process.poll() is None


def staying_owner_prefix(process: AppServer) -> str:
    """The start of the claims a process makes: its host name and pid."""
    assert process.process is not None
    return f"{socket.gethostname()[:24]}:{process.process.pid}:"
