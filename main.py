"""Wires and starts socialservices.

``cli`` is the ``socialservices`` command. NiceGUI's test fixture runs this file as
``__main__`` with its simulation flag set: then the app is built and ``ui.run`` returns at
once. Imports are inside the functions so that a plain CLI call does not load the web stack.
"""

import sys


def cli() -> None:
    from admin_app.cli.main import run

    sys.exit(run())


def simulated() -> None:
    from admin_app.core.settings import load_settings
    from admin_app.core.startup import prepare
    from admin_app.web.server import serve

    settings = load_settings()
    prepare(settings)
    serve(settings)


if __name__ == "__main__":
    from nicegui import helpers

    simulated() if helpers.is_user_simulation() else cli()
