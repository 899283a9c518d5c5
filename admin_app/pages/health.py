"""``/healthz``: for load balancers and monitoring; says whether the database answers."""

from __future__ import annotations

from fastapi.responses import JSONResponse
from nicegui import app

from admin_app.core.health import database_problem


def register() -> None:
    @app.get("/healthz", include_in_schema=False)
    def healthz() -> JSONResponse:
        if database_problem() is not None:  # the reason is logged, not shown to anyone
            return JSONResponse({"status": "error", "database": "unavailable"}, status_code=503)
        return JSONResponse({"status": "ok", "database": "ok"})
