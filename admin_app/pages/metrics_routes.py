"""``/metrics``: Prometheus's scrape (docs/operations.md), answered only to the addresses
``SOCIALSERVICES_METRICS_ADDRESSES`` names; anyone else gets 403 and no figure."""

from __future__ import annotations

import asyncio

from fastapi import Request
from fastapi.responses import PlainTextResponse
from nicegui import Client, app

from admin_app.admin.monitoring import may_read_metrics, shared_metrics
from admin_app.core.metrics import exposition, pages_metric, sign_in_metric

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def register() -> None:
    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> PlainTextResponse:
        address = request.client.host if request.client else None
        if not may_read_metrics(address):
            return PlainTextResponse(
                "Not from this address: see SOCIALSERVICES_METRICS_ADDRESSES.\n", status_code=403
            )
        shared = await asyncio.to_thread(shared_metrics)
        connected = sum(client.has_socket_connection for client in Client.instances.values())
        pages = pages_metric(connected, len(Client.instances) - connected)
        return PlainTextResponse(
            exposition([sign_in_metric(), pages, *shared]), media_type=CONTENT_TYPE
        )
