"""Build hook: compile the gettext catalogues (.po -> .mo) into every wheel.

The .mo files are build products (not in git); without this hook a wheel would ship
without Russian.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CompileCatalogues(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        for po_path in Path(self.root, "admin_app", "locales").glob("*/LC_MESSAGES/*.po"):
            with po_path.open("rb") as source:
                catalogue = read_po(source)
            with po_path.with_suffix(".mo").open("wb") as target:
                write_mo(target, catalogue)
        build_data["artifacts"].append("admin_app/locales/*/LC_MESSAGES/*.mo")
