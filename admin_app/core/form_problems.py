"""What is wrong with a form, field by field: the editors' use cases collect every problem
before refusing, so that the page can show each one next to its field at once."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Self


@dataclass(frozen=True)
class FieldProblem:
    """What is wrong with a field: an English message id and its parameters."""

    message: str
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, translate: Callable[[str], str] = lambda message: message) -> str:
        return translate(self.message).format(**self.params)


class FormError(Exception):
    """The form cannot be saved. ``problems`` maps a field's name (as the editor names it;
    "" for the whole form) to what is wrong with it."""

    def __init__(self, problems: Mapping[str, list[FieldProblem]]) -> None:
        super().__init__("; ".join(f"{k}: {p.text()}" for k, ps in problems.items() for p in ps))
        self.problems = dict(problems)

    @classmethod
    def single(cls, where: str, message: str, **params: Any) -> Self:
        """One problem: at a field, or ("") with the form as a whole."""
        return cls({where: [FieldProblem(message, params)]})

    def messages(self) -> list[str]:
        """Every problem's message id, in order (for logs and tests)."""
        return [problem.message for problems in self.problems.values() for problem in problems]

    def text(self, translate: Callable[[str], str], where: str | None = None) -> str:
        """The problems at ``where`` (all of them for None), in the reader's language."""
        return " ".join(
            problem.text(translate)
            for field, problems in self.problems.items()
            if where is None or field == where
            for problem in problems
        )


class Problems:
    """Collects problems while a form is checked; ``raise_any`` refuses with all of them."""

    def __init__(self, error: type[FormError] = FormError) -> None:
        self.error = error
        self.found: dict[str, list[FieldProblem]] = {}

    def add(self, where: str, message: str, **params: Any) -> None:
        self.found.setdefault(where, []).append(FieldProblem(message, params))

    def raise_any(self) -> None:
        if self.found:
            raise self.error(self.found)
