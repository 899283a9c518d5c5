"""Wires and starts socialservices: the ``socialservices`` command, and the file NiceGUI's
test fixture runs (it sets the simulation flag, under which the server is not started)."""

import sys

from nicegui import helpers

from admin_app.cli import run
from admin_app.server import serve
from admin_app.settings import load_settings
from admin_app.startup import prepare


def cli() -> None:
    sys.exit(run())


def simulated() -> None:
    settings = load_settings()
    prepare(settings)
    serve(settings)


if __name__ == "__main__":
    simulated() if helpers.is_user_simulation() else cli()
