"""``config import`` of a hostile file: one line, exit 1, nothing changed.

A file nested thousands of levels deep used to end in a 3,000-line RecursionError; a
file of many megabytes was read whole; a few anchors repeating each other made a small
file stand for a billion values. Each goes through the real command line here, on the
database the run uses (SQLite, or PostgreSQL under ``make test-pg``).
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from admin_app.cli.main import run
from admin_app.services.config_file import export_configuration
from models import audit
from models.db import session_scope

BINARY = Path(sys.executable).parent / "socialservices"
CONFIGURATION: dict[str, Any] = {
    "sites": [{"id": "s1", "name": "Shop", "domains": ["shop.example.org"], "default": True}],
    "services": {"yandex": {"enabled": False, "settings": {"client_id": "y-app"}}},
}


@pytest.fixture(autouse=True)
def installation(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SOCIALSERVICES_DATABASE_URL", database_url)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    source = tmp_path / "good.yaml"
    source.write_text(yaml.safe_dump(CONFIGURATION))
    assert run(["config", "import", str(source)]) == 0
    capsys.readouterr()


def stored() -> tuple[str, int]:
    """The configuration as exported, and the number of audit entries."""
    with session_scope() as session:
        entries = audit.count(session)
    return export_configuration(with_secrets=True), entries


def import_refused(path: Path, capsys: pytest.CaptureFixture[str], expected: str) -> None:
    before = stored()
    code = run(["config", "import", str(path)])
    err = capsys.readouterr().err
    assert code == 1
    assert len(err.splitlines()) == 1, err[:2000]
    assert err.startswith("error: ") and expected in err and "Nothing was changed." in err
    assert stored() == before


def test_a_file_nested_thousands_deep_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lists = tmp_path / "lists.yaml"
    lists.write_text("services: " + "[" * 3000 + "]" * 3000 + "\n")
    import_refused(lists, capsys, "line 1: nested more than 64 levels deep")
    mappings = tmp_path / "mappings.yaml"
    mappings.write_text("activity: " + "{a: " * 3000 + "x" + "}" * 3000 + "\n")
    import_refused(mappings, capsys, "nested more than 64 levels deep")


def test_a_file_of_megabytes_is_refused_unread(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    big = tmp_path / "big.yaml"
    padding = "# " + "x" * 98 + "\n"
    renamed = {**CONFIGURATION, "sites": [{**CONFIGURATION["sites"][0], "name": "Renamed"}]}
    big.write_text(yaml.safe_dump(renamed) + padding * 20_000)  # valid YAML, 2 MB
    import_refused(big, capsys, "(document): larger than 1 MiB")


def test_a_file_whose_aliases_stand_for_a_billion_values_is_refused(tmp_path: Path) -> None:
    """Through the installed command, with a time limit: without the bound, the check of
    the hashtags would walk 10**9 values."""
    lines = ["lol0: &l0 [" + ", ".join(["lol"] * 10) + "]"]
    lines += [f"lol{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]" for i in range(1, 9)]
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("\n".join(lines) + "\nactivity: {send_activity: false, hashtags: *l8}\n")
    before = stored()
    result = subprocess.run(
        [BINARY, "config", "import", str(bomb)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1
    (line,) = result.stderr.splitlines()
    assert re.fullmatch(
        r"error: line \d+: more than 100000 values, an alias counting as all it repeats\. "
        r"Nothing was changed\.",
        line,
    )
    assert stored() == before


def test_an_alias_inside_what_it_repeats_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    loop = tmp_path / "loop.yaml"
    loop.write_text("activity: &a {send_activity: false, hashtags: [*a]}\n")
    import_refused(loop, capsys, "line 1: an alias inside the value it repeats")


def test_aliases_within_the_bounds_still_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shared = tmp_path / "shared.yaml"
    shared.write_text(
        "sites:\n"
        "  - {id: s1, name: Shop, domains: &hosts [shop.example.org], default: true}\n"
        "services:\n"
        "  yandex: &off {enabled: false}\n"
        "  github: *off\n"
    )
    assert run(["config", "import", str(shared)]) == 0
    assert "github:" in export_configuration(with_secrets=False)
