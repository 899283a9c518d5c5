"""One of NiceGUI's costs per element, paid once instead.

For every element it creates, NiceGUI asks whether the change handlers of the element's
props, classes and style take arguments: three ``inspect.signature`` calls per element,
about a third of the server's time drawing ``/admin/services`` (cProfile, bench/pages.py),
and a page is usable only after it is drawn. The handlers are always the same three
methods of NiceGUI's own (``Props._update``, ``Classes._update``, ``Style._update``), so
the answer for them is worked out once here; any other handler is asked about as before.
"""

from __future__ import annotations

from collections.abc import Callable
from types import MethodType
from typing import Any

from nicegui import helpers
from nicegui.classes import Classes
from nicegui.props import Props
from nicegui.style import Style

_asked = helpers.expects_arguments


class _Sample:
    """An instance to bind the methods to, only to read their bound signatures."""


_KNOWN = {
    method: _asked(MethodType(method, _Sample()))
    for method in (Props._update, Classes._update, Style._update)
}


def _expects_arguments(func: Callable[..., Any]) -> bool:
    if type(func) is MethodType and (known := _KNOWN.get(func.__func__)) is not None:
        return known
    return _asked(func)


def install() -> None:
    """Answer from ``_KNOWN`` from now on (once per process; NiceGUI's modules look the
    helper up on ``nicegui.helpers`` at each call)."""
    helpers.expects_arguments = _expects_arguments
