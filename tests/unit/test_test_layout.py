"""Where test code lives: a test module never imports another test module or a conftest
(what tests share is in tests/support/ or a fixture), and every helper module is in
tests/support/. Otherwise a helper hides in a test file and the next test copies it."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def _is_test_module(name: str) -> bool:
    last = name.rsplit(".", 1)[-1]
    return last.startswith("test_") or last == "conftest"


def test_no_test_module_is_imported_by_another() -> None:
    offenders = []
    for path in TESTS.rglob("*.py"):
        if "node_modules" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("tests"):
                names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
                if any(_is_test_module(name) for name in names):
                    offenders.append(f"{path.relative_to(TESTS)}:{node.lineno}")
            elif isinstance(node, ast.Import):
                offenders += [
                    f"{path.relative_to(TESTS)}:{node.lineno}"
                    for alias in node.names
                    if alias.name.startswith("tests") and _is_test_module(alias.name)
                ]
    assert offenders == []


def test_every_helper_module_is_in_tests_support() -> None:
    misplaced = [
        str(path.relative_to(TESTS))
        for path in TESTS.rglob("*.py")
        if "node_modules" not in path.parts
        and path.name != "__init__.py"
        and not _is_test_module(path.stem)
        and "support" not in path.relative_to(TESTS).parts
    ]
    assert misplaced == []


def test_the_check_recognises_a_test_module() -> None:
    assert _is_test_module("tests.unit.admin_app.test_cli")
    assert _is_test_module("tests.e2e.conftest")
    assert not _is_test_module("tests.support.command_line")
