"""Our code imports only the public names of its dependencies.

A private module (``typer._click`` was one) can move or vanish in any release inside the
range pyproject.toml allows, which breaks an install that resolves to that release. The
standard library and our own packages may be imported as they are.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).parents[2]
OURS = {"admin_app", "models", "providers", "main", "tests", "bench", "docs", "hatch_build"}
SCANNED = [
    "admin_app",
    "models",
    "providers",
    "bench",
    "docs",
    "tests",
    "main.py",
    "hatch_build.py",
]


def python_files() -> Iterator[Path]:
    for name in SCANNED:
        path = ROOT / name
        found = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        # a peer's own virtual environment (bench/peers/*/.venv) is its dependencies' code
        yield from (file for file in found if ".venv" not in file.relative_to(ROOT).parts)


def imported_names(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, dotted name) of every absolute import, ``from a.b import c`` as ``a.b.c``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"


def is_private_third_party(dotted: str) -> bool:
    parts = dotted.split(".")
    if parts[0] in OURS or parts[0] in sys.stdlib_module_names:
        return False
    return any(part.startswith("_") and not part.startswith("__") for part in parts)


def test_no_private_module_of_a_dependency_is_imported() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}: {name}"
        for path in python_files()
        for line, name in imported_names(ast.parse(path.read_text(), str(path)))
        if is_private_third_party(name)
    ]
    assert found == []


def test_the_check_recognises_a_private_import() -> None:
    assert is_private_third_party("typer._click.exceptions.BadParameter")
    assert is_private_third_party("_pytest.fixtures")
    assert not is_private_third_party("typer.BadParameter")
    assert not is_private_third_party("admin_app.web.server._announce")
    assert not is_private_third_party("collections.abc.Iterator")
    assert not is_private_third_party("typing.__all__")
