"""``/admin/encryption``: whether stored tokens and secrets are encrypted, with which keys,
and (while it is off) the irreversible switch that turns it on."""

from __future__ import annotations

from nicegui import ui
from nicegui.elements.mixins.text_element import TextElement

from admin_app.admin import encryption
from admin_app.auth.accounts import Viewer
from admin_app.auth.admin_access import NotAnAdministratorError
from admin_app.core.i18n import N_, _
from admin_app.pages.admin.frame import add_admin_area, admin_frame, report_action_error
from admin_app.pages.guards import admin_page
from admin_app.pages.widgets import attributes

PATH = "/admin/encryption"
PROGRESS_SECONDS = 1.0


def _heading(text: str) -> None:
    ui.label(text).classes("text-xl font-semibold").props('role="heading" aria-level="2"')


#: the shell command that adds a key (shown as code, never translated)
ROTATE_COMMAND = "socialservices encryption rotate-key"


def _with_command(text: str, command: str) -> None:
    """A sentence whose ``{command}`` is shown as code (monospace), not in backticks."""
    before, _placeholder, after = text.partition("{command}")
    with ui.element("p").mark("rotate-hint"):
        TextElement(tag="span", text=before)
        TextElement(tag="code", text=command).classes("font-mono bg-gray-100 px-1 rounded")
        TextElement(tag="span", text=after)


class _EncryptionView:
    def __init__(self) -> None:
        self.timer = ui.timer(PROGRESS_SECONDS, self._tick, active=False)

    @ui.refreshable_method
    def draw(self) -> None:
        state = encryption.status()
        with ui.card().classes("w-full gap-2").mark("encryption-status"):
            if state.enabled:
                ui.label(_("Token encryption is active")).classes(
                    "text-lg font-semibold text-positive"
                ).props('role="status"')
                _with_command(
                    _(
                        "Access tokens, refresh tokens and the services' secret settings are "
                        "stored encrypted (AES-256-GCM). New keys are added with {command}."
                    ),
                    ROTATE_COMMAND,
                )
                ui.label(_("Active key: {key}").format(key=state.active_key)).mark("active-key")
            else:
                self._draw_off()
        if state.progress is not None:
            self.progress_text = ui.label("").props('role="status" aria-live="polite"')
            self.progress_text.mark("pass-progress")
            self.progress_bar = attributes(
                ui.linear_progress(value=0, show_value=False), {"aria-label": _("Progress")}
            )
            self._show_progress(state.progress)
        self.timer.active = state.progress is not None
        _heading(_("Stored tokens and secrets"))
        with ui.element("ul").classes("w-full divide-y max-w-md").mark("by-key"):
            for key, number in sorted(state.by_key.items()):
                with ui.element("li").classes("py-1 flex justify-between gap-4"):
                    if key == "plain":
                        ui.label(_("not encrypted"))
                    elif key == state.active_key:
                        ui.label(_("key {key} (active)").format(key=key))
                    else:
                        ui.label(_("key {key}").format(key=key))
                    ui.label(str(number)).mark(f"count-{key}")
        if not state.by_key:
            ui.label(_("Nothing is stored yet."))

    def _draw_off(self) -> None:
        ui.label(_("Token encryption is off")).classes("text-lg font-semibold text-warning").props(
            'role="status"'
        )
        ui.label(
            _(
                "Access tokens, refresh tokens and the services' secret settings are stored in "
                "the database as they are. Enabling encryption encrypts all of them, in the "
                "background while sign-ins go on. It cannot be switched off again."
            )
        )
        ui.button(_("Enable encryption"), on_click=self._confirm).props("color=primary").mark(
            "enable-encryption"
        )

    def _confirm(self) -> None:
        dialog = attributes(ui.dialog(), {"aria-label": _("Enable encryption")})
        with dialog, ui.card().classes("gap-3 max-w-md"):
            ui.label(
                _(
                    "Enable token encryption? This is irreversible: from now on the keys are "
                    "needed to read the stored tokens and secrets. Back up the key file (or "
                    "the setting) before going on."
                )
            ).props('role="alert"')
            with ui.row().classes("gap-2 justify-end w-full"):
                ui.button(_("Cancel"), on_click=dialog.close).props("flat")

                def confirmed() -> None:
                    dialog.close()
                    self._enable()

                ui.button(_("Enable encryption for good"), on_click=confirmed).props(
                    "color=negative"
                ).mark("confirm-enable")
        dialog.on("hide", dialog.delete)
        dialog.open()

    def _enable(self) -> None:
        try:
            encryption.enable_by_administrator()
        except NotAnAdministratorError as error:
            report_action_error(error)
            return
        encryption.run_pass_in_background()
        ui.notify(_("Token encryption is on."), type="positive")
        self.draw.refresh()

    def _show_progress(self, progress: tuple[int, int]) -> None:
        done, total = progress
        self.progress_text.set_text(
            _("Encrypting what is stored: {done} of {total} linked accounts.").format(
                done=done, total=total
            )
        )
        self.progress_bar.set_value(done / total if total else 0)

    def _tick(self) -> None:
        """Only the pass's progress while it runs (one row); everything when it ends."""
        progress = encryption.pass_progress()
        if progress is None:
            self.draw.refresh()
        else:
            self._show_progress(progress)


def register() -> None:
    add_admin_area(PATH, N_("Encryption"), 70)

    @admin_page(PATH)
    def encryption_page(viewer: Viewer) -> None:
        with admin_frame(_("Encryption"), viewer, PATH):
            _EncryptionView().draw()
