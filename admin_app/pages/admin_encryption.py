"""``/admin/encryption``: whether stored tokens are encrypted (its controls come later)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import ui

from admin_app.accounts import Viewer
from admin_app.i18n import N_, _
from admin_app.pages.admin_frame import add_admin_area, admin_frame
from admin_app.pages.guards import administrator
from admin_app.rule_settings import token_storage

PATH = "/admin/encryption"


def _figure(label: str, value: int, marker: str) -> None:
    with ui.card().classes("min-w-40"):
        ui.label(str(value)).classes("text-3xl font-bold").mark(marker)
        ui.label(label).classes("text-sm text-gray-600")


def register() -> None:
    add_admin_area(PATH, N_("Encryption"), 70)

    @ui.page(PATH)
    def encryption_page(request: Request) -> RedirectResponse | None:
        viewer = administrator(request)
        if not isinstance(viewer, Viewer):
            return viewer
        storage = token_storage()
        with admin_frame(_("Encryption"), viewer, PATH):
            with ui.card().classes("w-full gap-2").mark("encryption-status"):
                if storage.encryption_active:
                    ui.label(_("Token encryption is active")).classes(
                        "text-lg font-semibold text-positive"
                    ).props('role="status"')
                else:
                    ui.label(_("Token encryption is not active yet")).classes(
                        "text-lg font-semibold text-warning"
                    ).props('role="status"')
                    ui.label(
                        _(
                            "Access tokens, refresh tokens and the services' secret settings are"
                            " stored in the database as they are. Encryption arrives with a later"
                            " release; until then, protect the database and its backups like"
                            " passwords."
                        )
                    )
            ui.label(_("Stored tokens")).classes("text-xl font-semibold").props(
                'role="heading" aria-level="2"'
            )
            with ui.row().classes("gap-4 flex-wrap"):
                _figure(_("Linked accounts"), storage.linked_accounts, "linked-accounts")
                _figure(_("Access tokens"), storage.access_tokens, "access-tokens")
                _figure(_("Refresh tokens"), storage.refresh_tokens, "refresh-tokens")
        return None
