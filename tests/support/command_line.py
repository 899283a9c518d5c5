"""Running the `socialservices` command line in-process (as the tests' `cli`) or as the installed executable."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from admin_app.cli.main import run

BINARY = Path(sys.executable).parent / "socialservices"


def cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str, stdin: str = ""
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = run(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err
