"""``/healthz``: for load balancers and monitoring; says whether the database answers."""

from __future__ import annotations

from fastapi.responses import JSONResponse
from nicegui import app

from admin_app.health import database_problem


def register() -> None:
    @app.get("/healthz", include_in_schema=False)
    def healthz() -> JSONResponse:
        problem = database_problem()
        if problem is not None:
            return JSONResponse(
                {"status": "error", "database": "unavailable", "detail": problem},
                status_code=503,
            )
        return JSONResponse({"status": "ok", "database": "ok"})
