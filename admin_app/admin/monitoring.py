"""The figures of ``/metrics`` that every process shares: read from the database at each
scrape (a handful of grouped counts), so that any process answers for all of them."""

from __future__ import annotations

import ipaddress
import logging

from admin_app.core import runtime
from admin_app.core.metrics import Figure, Metric
from models import hashtag_import, queue_rows
from models.db import read_scope
from models.tables import ActivityDelivery, LogoutDelivery, MailMessage

log = logging.getLogger(__name__)

#: the queues every process drains, by the name the metric gives them
QUEUES = (
    ("activity", ActivityDelivery),
    ("mail", MailMessage),
    ("logout", LogoutDelivery),
)


def may_read_metrics(address: str | None) -> bool:
    """Whether a request from ``address`` may read ``/metrics``: only from the addresses
    and networks of ``SOCIALSERVICES_METRICS_ADDRESSES`` (the machine itself by
    default). Behind the balancer, the client's address is the one it passed on."""
    if not address:
        return False
    try:
        client = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(client in network for network in runtime.settings().metrics_networks)


def shared_metrics() -> list[Metric]:
    """The queues' rows by status, the hashtag import's last run, and whether the
    database answered at all (``socialservices_database_up``; nothing else then)."""
    try:
        with read_scope() as session:
            queues = {name: queue_rows.count_by_status(session, table) for name, table in QUEUES}
            imports = hashtag_import.state(session)
    except Exception as error:  # the database away: say so, as a figure
        log.warning("metrics.database_unavailable reason=%s", type(error).__name__)
        return [_database_up(False)]
    queue_figures = tuple(
        Figure("socialservices_queue_rows", (("queue", name), ("status", status)), count)
        for name, counts in queues.items()
        for status, count in sorted(counts.items())
    )
    finished = imports.last_finished_at
    return [
        _database_up(True),
        Metric(
            "socialservices_queue_rows",
            "gauge",
            "Rows of each outbox (activity, mail, back-channel logout) by status.",
            queue_figures,
        ),
        Metric(
            "socialservices_hashtag_import_last_finished_seconds",
            "gauge",
            "When the hashtag import last finished a round (Unix time; 0: never).",
            (
                Figure(
                    "socialservices_hashtag_import_last_finished_seconds",
                    (),
                    finished.timestamp() if finished else 0,
                ),
            ),
        ),
        Metric(
            "socialservices_hashtag_import_last_errors",
            "gauge",
            "Problems in the hashtag import's last round.",
            (Figure("socialservices_hashtag_import_last_errors", (), len(imports.last_errors)),),
        ),
        Metric(
            "socialservices_hashtag_import_posts_total",
            "counter",
            "Posts the hashtag import has brought in, ever.",
            (Figure("socialservices_hashtag_import_posts_total", (), imports.total_imported),),
        ),
    ]


def _database_up(up: bool) -> Metric:
    return Metric(
        "socialservices_database_up",
        "gauge",
        "1 when the database answered this scrape.",
        (Figure("socialservices_database_up", (), 1 if up else 0),),
    )
