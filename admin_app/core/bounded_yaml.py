"""Reading a YAML document an operator hands us, within bounds.

PyYAML composes nested values recursively, so a file nested a few thousand levels deep
ends in a RecursionError, and a few anchors that repeat each other ("billion laughs")
make a small file stand for billions of values that every check would walk. A
configuration is a few kilobytes, a few levels deep: anything far beyond that is refused
with one problem, before anything is read into the database.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.events import AliasEvent

from admin_app.core.i18n import N_

MAX_BYTES = 1024 * 1024
#: nesting levels (a configuration needs about six)
MAX_DEPTH = 64
#: values in the document, an alias counting as every value it repeats
MAX_VALUES = 100_000


class YamlLimitError(Exception):
    """The document is beyond a bound; ``where`` and ``message`` (an English message id
    with ``{placeholders}`` from ``params``) say which."""

    def __init__(self, where: str, message: str, **params: Any) -> None:
        super().__init__(f"{where}: " + message.format(**params))
        self.where = where
        self.message = message
        self.params = params


def check_size(size: int) -> None:
    """Refuse a document of more than MAX_BYTES bytes (``size`` in bytes)."""
    if size > MAX_BYTES:
        raise YamlLimitError(
            "(document)",
            N_("larger than {limit} MiB: this is not a configuration file"),
            limit=MAX_BYTES // (1024 * 1024),
        )


class _Bounds:
    """Mixed into a PyYAML loader: counts depth and values while the document is
    composed, before any Python value is made of it."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)  # type: ignore[call-arg]
        self._depth = 0
        self._values = 0
        self._weights: dict[int, int] = {}  # id(node): values it holds, itself included

    def compose_node(self, parent: Any, index: Any) -> Any:
        mark = self.peek_event().start_mark  # type: ignore[attr-defined]
        line = f"line {mark.line + 1}"
        if self.check_event(AliasEvent):  # type: ignore[attr-defined]
            node = super().compose_node(parent, index)  # type: ignore[misc]
            weight = self._weights.get(id(node))
            if weight is None:  # the alias is inside the value it names
                raise YamlLimitError(line, N_("an alias inside the value it repeats"))
            self._count(weight, line)
            return node
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise YamlLimitError(line, N_("nested more than {limit} levels deep"), limit=MAX_DEPTH)
        before = self._values
        self._count(1, line)
        try:
            node = super().compose_node(parent, index)  # type: ignore[misc]
        finally:
            self._depth -= 1
        self._weights[id(node)] = self._values - before
        return node

    def _count(self, values: int, line: str) -> None:
        self._values += values
        if self._values > MAX_VALUES:
            raise YamlLimitError(
                line,
                N_("more than {limit} values, an alias counting as all it repeats"),
                limit=MAX_VALUES,
            )


def load(document: str, loader: type[yaml.SafeLoader] = yaml.SafeLoader) -> Any:
    """``yaml.load`` with ``loader`` (a SafeLoader), refusing what is beyond the bounds
    with YamlLimitError; raises yaml.YAMLError for what is not YAML."""
    check_size(len(document.encode("utf-8", "surrogatepass")))
    bounded = type(f"Bounded{loader.__name__}", (_Bounds, loader), {})
    return yaml.load(document, Loader=bounded)
