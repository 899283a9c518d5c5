"""Small pieces of page that several pages draw alike."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from nicegui import ui

from admin_app.form_problems import FieldProblem
from admin_app.i18n import _

ElementT = TypeVar("ElementT", bound=ui.element)


def attributes(element: ElementT, values: Mapping[str, str]) -> ElementT:
    """Set props (HTML attributes) from data rather than from a props string, so that a
    quote or an ampersand in a name or hint stays exactly as typed."""
    element.props.update(values)
    return element


class ProblemLabel:
    """A message under a field; hidden while there is none."""

    def __init__(self, marker: str) -> None:
        self.label = (
            ui.label("").classes("text-negative text-sm").props('role="alert"').mark(marker)
        )
        self.label.set_visibility(False)

    def show(self, problems: list[FieldProblem] | None) -> None:
        self.label.set_text(" ".join(problem.text(_) for problem in problems or []))
        self.label.set_visibility(bool(problems))
