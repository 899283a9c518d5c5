"""``socialservices serve``: the web server."""

from __future__ import annotations

from typing import Annotated

import typer

from admin_app.cli.terminal import _
from admin_app.core import startup
from admin_app.core.settings import load_settings


def register(cli: typer.Typer) -> None:
    @cli.command(help=_("Start the web server (the database is upgraded first)."))
    def serve(
        host: Annotated[str | None, typer.Option(help=_("Address to listen on."))] = None,
        port: Annotated[
            int | None, typer.Option(min=1, max=65535, help=_("Port to listen on."))
        ] = None,
    ) -> None:
        from admin_app.web.server import serve as run_server  # the web stack only when serving

        settings = load_settings()
        overrides = {key: value for key, value in (("host", host), ("port", port)) if value}
        settings = settings.model_copy(update=overrides)
        startup.check_port_free(settings)
        startup.check_redis(settings)
        startup.prepare(settings)
        run_server(settings)
