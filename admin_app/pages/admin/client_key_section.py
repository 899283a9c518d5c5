"""The part of an OpenID Connect service's settings that shows its key for
``private_key_jwt``: the JWKS URL and the public key to register at the issuer, or a
button that creates the key. The private key is never drawn (``services.client_keys``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from admin_app.auth.admin_access import NotAnAdministratorError
from admin_app.core.i18n import _
from admin_app.pages.admin.frame import report_action_error
from admin_app.pages.widgets import attributes
from admin_app.services.client_keys import create_key, key_view
from admin_app.services.service_editing import ServiceFormError, ServiceView
from models.versions import StaleEditError


class ClientKeySection:
    """Drawn where it is created; ``show`` draws it again after a save."""

    def __init__(
        self,
        *,
        scope: str,
        service_id: str,
        version: Callable[[], int | None],
        created: Callable[[ServiceView], None],
        copy: Callable[[str], Awaitable[None]],
    ) -> None:
        self.scope = scope
        self.service_id = service_id
        self.version = version
        self.created = created
        self.copy = copy
        self.box = ui.column().classes("w-full gap-2").mark(f"client-key-{service_id}")
        self.show()

    def show(self) -> None:
        sid = self.service_id
        self.box.clear()
        try:
            view = key_view(self.scope, sid)
        except NotAnAdministratorError:
            return
        with self.box:
            ui.label(_("Key for private_key_jwt")).classes("text-sm font-medium")
            if view is None:
                ui.label(
                    _(
                        "No key yet. One is created when you save with private_key_jwt "
                        "chosen, or now:"
                    )
                ).classes("text-sm text-gray-600")
                ui.button(_("Create a key"), on_click=self._create).props("outline no-caps").mark(
                    f"client-key-create-{sid}"
                )
                return
            ui.label(
                _(
                    "Register this JWKS URL with the client at the provider (or paste the "
                    "public key below there). The private key stays on this server."
                )
            ).classes("text-sm")
            self._copyable(_("JWKS URL"), view.jwks_url, f"client-key-jwks-{sid}")
            self._copyable(_("Public key (JWK)"), view.jwk, f"client-key-jwk-{sid}")

    def _copyable(self, label: str, value: str, marker: str) -> None:
        with ui.row().classes("w-full items-start gap-2 no-wrap"):
            multiline = "\n" in value
            field = ui.textarea(label, value=value) if multiline else ui.input(label, value=value)
            field.props("readonly outlined dense").classes("grow min-w-0 font-mono").mark(marker)
            text = _("Copy: {field}").format(field=label)
            attributes(
                ui.button(icon="content_copy", on_click=lambda: self.copy(value)),
                {"aria-label": text},
            ).props("flat round").tooltip(text).mark(f"copy-{marker}")

    def _create(self) -> None:
        try:
            view = create_key(self.scope, self.service_id, version=self.version())
        except ServiceFormError:
            ui.notify(
                _("Save complete settings first: the key is stored with them."), type="warning"
            )
            return
        except (NotAnAdministratorError, StaleEditError) as error:
            report_action_error(error)
            return
        self.created(view)
        self.show()
        ui.notify(_("A key is created: register its JWKS URL at the provider."), type="positive")
