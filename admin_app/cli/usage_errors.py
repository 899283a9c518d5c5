"""Click's complaints about a command line, told apart and put in the terminal's language."""

from __future__ import annotations

import typer

from admin_app.cli.terminal import _


def is_a(error: Exception, class_name: str) -> bool:
    """Whether ``error`` is click's exception of this name. Typer vendors click in a
    private module and re-exports only BadParameter, so the others are told apart by
    their documented names, as Typer itself does for NoArgsIsHelpError."""
    return any(cls.__name__ == class_name for cls in type(error).__mro__)


def usage_message(error: typer.TyperException) -> str:
    """Click's message about a bad command line, in the terminal's language."""
    if is_a(error, "NoSuchOption"):
        return _("No such option: {name}").format(name=getattr(error, "option_name", ""))
    if isinstance(error, typer.BadParameter):  # MissingParameter is one too
        hint = error.param_hint or (error.param.get_error_hint() if error.param else "")
        name = hint if isinstance(hint, str) else " / ".join(hint)
        if is_a(error, "MissingParameter"):
            return _("Missing option {name}.").format(name=name)
        return _("Invalid value for {name}: {problem}").format(name=name, problem=error.message)
    return " ".join(error.format_message().split())
