"""``/admin/audit``: every entry read as a sentence with today's names, filtered by who,
what and when, and downloaded as CSV by administrators only, safe to open in a spreadsheet."""

from __future__ import annotations

import ast
import csv
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from nicegui.testing import User

from admin_app.admin.audit_sentences import SENTENCES, Names, sentence
from models.db import session_scope
from models.tables import AuditEntry, ConfiguredService, Site
from tests.support.accounts import RETRIES, add_user, sign_in

ROOT = Path(__file__).resolve().parents[3]
WRITERS = {"administrator_action": 0, "_audit": 0, "record_by": 2}


def entry(action: str, target: str = "", details: dict[str, Any] | None = None) -> AuditEntry:
    return AuditEntry(action=action, target=target, details=details or {}, actor_login="anna")


def add_entry(
    action: str,
    target: str = "",
    details: dict[str, Any] | None = None,
    *,
    actor: str = "anna",
    at: datetime | None = None,
) -> None:
    """An entry as ``audit.record`` writes it, optionally from another day."""
    with session_scope() as session:
        row = AuditEntry(
            actor_login=actor,
            address="192.0.2.7",
            action=action,
            target=target,
            details=details or {},
        )
        if at is not None:
            row.at = at
        session.add(row)


def written_action_codes() -> set[str]:
    """Every action code the code base writes to the log, found in the calls that write it
    (a code chosen by a condition, ``"a" if x else "b"``, counts both)."""
    codes: set[str] = set()
    for path in [*ROOT.glob("admin_app/**/*.py"), *ROOT.glob("models/**/*.py")]:
        tree = ast.parse(path.read_text())
        assigned: dict[str, ast.expr] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
                assigned[node.targets[0].id] = node.value
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            argument: ast.expr | None = None
            if name in WRITERS and len(node.args) > WRITERS[name]:
                argument = node.args[WRITERS[name]]
            elif name == "record":
                argument = next((k.value for k in node.keywords if k.arg == "action"), None)
            if isinstance(argument, ast.Name):
                argument = assigned.get(argument.id)
            if argument is not None:
                codes |= {
                    constant.value
                    for constant in ast.walk(argument)
                    if isinstance(constant, ast.Constant) and isinstance(constant.value, str)
                }
    return codes


def test_every_action_written_anywhere_has_a_sentence() -> None:
    codes = written_action_codes()
    assert {"service.disable", "user.groups", "config.import", "oidc.rotate_key"} <= codes
    assert codes - set(SENTENCES) == set()


def test_entries_read_as_sentences_with_the_names_of_today() -> None:
    names = Names(
        services={("shop", "yandex"): "Yandex"},
        sites={"shop": "Shop"},
        groups={"staff": "Staff", "administrators": "Administrators"},
        users={7: "bob"},
    )
    assert (
        sentence(entry("service.disable", "yandex", {"scope": "shop"}), "Anna", names)
        == "Anna switched Yandex off on site Shop"
    )
    assert (
        sentence(entry("service.enable", "yandex", {"scope": "common"}), "Anna", names)
        == "Anna switched yandex on in the common settings"
    )
    assert (
        sentence(
            entry("user.groups", "user:bob", {"added": ["staff"], "removed": ["administrators"]}),
            "Anna",
            names,
        )
        == "Anna added bob to Staff and removed them from Administrators"
    )
    assert sentence(entry("password.reset", "user:7"), "bob", names) == "bob reset their password"
    revoked = entry("user.revoke", "user:7", {"service": "yandex", "external_id": "42"})
    assert sentence(revoked, "Anna", names) == (
        "yandex withdrew the access it had given to the account of bob that Anna unlinked"
    )
    failed = entry("user.revoke_failed", "user:7", {"service": "yandex", "external_id": "42"})
    assert sentence(failed, "Anna", names) == (
        "yandex could not be told to withdraw the access it had given to the account of bob "
        "that Anna unlinked"
    )
    assert sentence(entry("site.delete", "gone", {}), "Anna", names) == "Anna deleted the site gone"


def test_an_unknown_action_still_reads_as_a_sentence() -> None:
    assert (
        sentence(entry("service.frobnicate", "yandex"), "Anna", Names())
        == "Anna did service.frobnicate on yandex"
    )


async def shown_sentences(user: User, path: str) -> list[str]:
    await user.open(path)
    await user.should_see(marker="audit-table", retries=RETRIES)
    table = user.find(marker="audit-table").elements.pop()
    return [row["sentence"] for row in table.rows]  # type: ignore[attr-defined]


async def test_the_page_shows_sentences_and_filters_by_who_what_and_when(user: User) -> None:
    with session_scope() as session:
        session.add(Site(id="shop", name="Shop", individual_settings=True))
        session.flush()
        session.add(ConfiguredService(scope="shop", service_id="yandex", provider="yandex"))
    disabled = "anna switched Yandex off on site Shop"
    created = "bob created the group Staff"
    add_entry(
        "service.disable", "yandex", {"scope": "shop"}, at=datetime(2026, 3, 1, 12, tzinfo=UTC)
    )
    add_entry("group.create", "group:staff", {"name": "Staff"}, actor="bob")
    add_user("root", admin=True)
    await sign_in(user, "root", path="/login?next=/admin/audit")
    await user.should_see(marker="audit-table", retries=RETRIES)
    assert await shown_sentences(user, "/admin/audit") == [created, disabled]
    assert await shown_sentences(user, "/admin/audit?who=bob") == [created]
    assert await shown_sentences(user, "/admin/audit?what=service") == [disabled]
    assert await shown_sentences(user, "/admin/audit?since=2026-02-01&until=2026-03-01") == [
        disabled
    ]

    await user.open("/admin/audit?until=2026-02-28")
    await user.should_see("No entry matches these filters.")
    await user.should_see(marker="audit-clear")

    for bad in ("since=yesterday", "what=nothing"):
        assert (await user.http_client.get(f"/admin/audit?{bad}")).status_code == 400


async def test_the_csv_holds_the_filtered_entries_with_formulas_defused(user: User) -> None:
    formula = '=HYPERLINK("http://evil.example","Open")'
    add_entry("mail.test", "+1 555 0100", actor=formula)
    add_entry("group.create", "group:staff", {"name": "Staff"}, actor="bob")
    add_user("root", admin=True)
    await sign_in(user, "root", path="/login?next=/admin/audit")
    await user.should_see(marker="audit-csv", retries=RETRIES)

    response = await user.http_client.get(f"/admin/audit.csv?{urlencode({'who': formula})}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith("attachment")
    header, *rows = list(csv.reader(io.StringIO(response.text)))
    assert header[:4] == ["When (UTC)", "Who", "From", "What happened"]
    (row,) = rows  # bob's entry is filtered out
    assert row[1:4] == [
        f"'{formula}",
        "192.0.2.7",
        f"'{formula} sent a test message to +1 555 0100",
    ]

    everything = (await user.http_client.get("/admin/audit.csv")).text
    lines = list(csv.reader(io.StringIO(everything)))
    assert len(lines) == 3
    assert all(not cell.startswith(("=", "+", "-", "@")) for line in lines for cell in line)


async def test_the_csv_is_refused_to_anyone_but_an_administrator(user: User) -> None:
    add_entry("mail.test", "someone@example.org")
    anonymous = await user.http_client.get("/admin/audit.csv")
    assert (anonymous.status_code, anonymous.headers.get("location")) == (
        303,
        "/login?next=/admin/audit.csv",
    )
    add_user("alice")
    await sign_in(user, "alice")
    await user.should_see("Login: alice", retries=RETRIES)
    refused = await user.http_client.get("/admin/audit.csv")
    assert refused.status_code == 403
    assert "someone@example.org" not in refused.text
    assert not refused.headers.get("content-type", "").startswith("text/csv")


async def test_russian_readers_read_russian_sentences_and_built_in_names(user: User) -> None:
    add_entry("service.disable", "yandex", {"scope": "s1"})
    add_user("root", admin=True)
    user.http_client.headers["Accept-Language"] = "ru-RU,ru;q=0.9"
    await sign_in(user, "root", path="/login?next=/admin/audit")
    await user.should_see(marker="audit-table", retries=RETRIES)
    # the default site keeps its built-in name: shown in Russian
    assert await shown_sentences(user, "/admin/audit") == [
        "anna: выключен сервис yandex на сайте «Сайт по умолчанию»"
    ]


async def test_times_and_days_are_the_viewers(user: User) -> None:
    evening = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)  # 2 March, 06:00 in Vladivostok
    add_entry("group.create", "group:staff", {"name": "Staff"}, at=evening)
    add_user("root", admin=True)
    await sign_in(user, "root", path="/login?next=/admin/audit")
    await user.should_see(marker="audit-table", retries=RETRIES)
    user.http_client.cookies.set("tz", "Asia/Vladivostok")  # as the frame's script sets it
    await user.open("/admin/audit?since=2026-03-02&until=2026-03-02")
    await user.should_see(marker="audit-table", retries=RETRIES)
    table = user.find(marker="audit-table").elements.pop()
    assert [row["at"] for row in table.rows] == ["Mar 2, 2026, 6:00\u202fAM"]  # type: ignore[attr-defined]
    await user.open("/admin/audit?until=2026-03-01")
    await user.should_see("No entry matches these filters.")


async def test_choosing_a_filter_shows_what_it_lets_through(user: User) -> None:
    add_entry("service.disable", "yandex", {"scope": "common"})
    add_entry("group.create", "group:staff", {"name": "Staff"}, actor="bob")
    add_user("root", admin=True)
    await sign_in(user, "root", path="/login?next=/admin/audit")
    await user.should_see(marker="audit-what", retries=RETRIES)
    user.find(marker="audit-what").click()
    user.find("Groups").click()
    await user.should_see(marker="audit-clear", retries=RETRIES)
    table = user.find(marker="audit-table").elements.pop()
    assert [row["sentence"] for row in table.rows] == ["bob created the group Staff"]  # type: ignore[attr-defined]
    csv_link = user.find(marker="audit-csv").elements.pop()
    assert csv_link.props["href"] == "/admin/audit.csv?what=group"
