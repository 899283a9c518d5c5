"""What ``/metrics`` tells Prometheus, in its text format (version 0.0.4).

Counters are this process's own, since it started: Prometheus scrapes each process and
adds them up, and takes a restart's return to zero in its stride (``rate``, ``increase``).
What every process shares (the queues, the hashtag import) is read from the database at
each scrape, as gauges (``admin_app/admin/monitoring.py``).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

_lock = threading.Lock()
#: (method, service, result, reason) -> sign-ins finished so far
_sign_ins: Counter[tuple[str, str, str, str]] = Counter()

PASSWORD = "password"
SERVICE = "service"


def count_sign_in(method: str, service: str, refusal: str | None) -> None:
    """A sign-in finished: ``refusal`` None or empty when the person got in, else its
    reason code (the refusal keys of ``admin_app/auth/refusals.py``, ``provider:…``, or a
    password sign-in's error)."""
    result = "failure" if refusal else "success"
    with _lock:
        _sign_ins[(method, service, result, refusal or "")] += 1


@dataclass(frozen=True)
class Figure:
    """One sample: a metric's name, its labels and its value."""

    name: str
    labels: tuple[tuple[str, str], ...]
    value: float


@dataclass(frozen=True)
class Metric:
    name: str
    kind: str  # "counter" or "gauge"
    help: str
    figures: tuple[Figure, ...]


def sign_in_metric() -> Metric:
    with _lock:
        counts = dict(_sign_ins)
    figures = tuple(
        Figure(
            "socialservices_sign_ins_total",
            (("method", method), ("service", service), ("result", result), ("reason", reason)),
            count,
        )
        for (method, service, result, reason), count in sorted(counts.items())
    )
    return Metric(
        "socialservices_sign_ins_total",
        "counter",
        "Sign-ins finished by this process, by method, service, result and failure reason.",
        figures,
    )


def pages_metric(connected: int, waiting: int) -> Metric:
    """The pages this process holds: drawn, with their live connection or waiting for it (a
    page closed a moment ago, or one whose browser has not connected yet). A count that only
    grows is memory that only grows."""
    return Metric(
        "socialservices_pages",
        "gauge",
        "Pages this process holds, by whether their live connection is open.",
        (
            Figure("socialservices_pages", (("connection", "open"),), connected),
            Figure("socialservices_pages", (("connection", "waiting"),), waiting),
        ),
    )


def _escaped(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def exposition(metrics: Iterable[Metric]) -> str:
    """The text Prometheus reads."""
    lines: list[str] = []
    for metric in metrics:
        lines += [f"# HELP {metric.name} {metric.help}", f"# TYPE {metric.name} {metric.kind}"]
        for figure in metric.figures:
            labels = ",".join(f'{key}="{_escaped(value)}"' for key, value in figure.labels)
            lines.append(
                f"{figure.name}{{{labels}}} {_number(figure.value)}"
                if labels
                else f"{figure.name} {_number(figure.value)}"
            )
    return "\n".join(lines) + "\n"
