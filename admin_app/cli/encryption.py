"""``socialservices encryption``: encrypting stored tokens and secrets, and rotating keys.

What an operator turns on or rotates here goes into the audit log, as the same change
made in the administration does.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from admin_app.admin import encryption
from admin_app.cli.terminal import _, fail, prepared_settings
from admin_app.core import encryption_keys, runtime
from models import audit
from models.db import session_scope
from models.encryption import PLAIN, KeyMismatchError, PassProgress


def register(cli: typer.Typer) -> None:
    encryption_cli = typer.Typer(
        help=_("Encryption of stored tokens and secrets (see docs/encryption.md)."),
        no_args_is_help=True,
    )
    cli.add_typer(encryption_cli, name="encryption")

    @encryption_cli.command("status", help=_("Whether encryption is on, and with which keys."))
    def encryption_status() -> None:
        prepared_settings()
        state = encryption.status()
        typer.echo(
            _("Token encryption: {state}").format(state=_("on") if state.enabled else _("off"))
        )
        typer.echo(_("Active key: {key}").format(key=state.active_key))
        for key, number in sorted(state.by_key.items()):
            label = _("not encrypted") if key == PLAIN else _("key {key}").format(key=key)
            typer.echo(f"  {label}: {number}")
        if state.progress is not None:
            done, total = state.progress
            typer.echo(
                _("A pass is under way: {done} of {total} linked accounts.").format(
                    done=done, total=total
                )
            )

    @encryption_cli.command(
        "enable", help=_("Encrypt every stored token and secret. Irreversible.")
    )
    def encryption_enable() -> None:
        prepared_settings()
        if encryption.enable():
            _audit("encryption.enable", "encryption")
            typer.echo(_("Token encryption is on, for good."))
        else:
            typer.echo(_("Token encryption was on already; finishing what is due."))
        _run_pass_with_progress()
        typer.echo(_("Every stored token and secret is encrypted."))

    @encryption_cli.command(
        "rotate-key",
        help=_("Add a new key (to the key file) and encrypt everything stored with it again."),
    )
    def encryption_rotate_key(
        keep_key: Annotated[
            bool,
            typer.Option(
                "--keep-key",
                help=_(
                    "Add no key: encrypt again with the newest one (after every process was "
                    "restarted with it)."
                ),
            ),
        ] = False,
    ) -> None:
        settings = prepared_settings()
        if not encryption.status().enabled:
            fail(_("token encryption is off: run `socialservices encryption enable` first"))
        if encryption.pass_progress() is not None:
            typer.echo(_("Finishing the pass under way first."))
            _run_pass_with_progress()
        keyring = runtime.keyring() if keep_key else encryption_keys.key_for_rotation(settings)
        typer.echo(_("Rotating to key {key}.").format(key=keyring.active_id))
        encryption.begin_rotation()
        _audit(
            "encryption.rotate_key",
            "encryption",
            {"key": keyring.active_id, "new_key": not keep_key},
        )
        _run_pass_with_progress()
        typer.echo(
            _("Everything stored is encrypted with key {key}.").format(key=keyring.active_id)
        )

    @encryption_cli.command(
        "resume", help=_("Finish an interrupted enable or rotate-key (serve does it too).")
    )
    def encryption_resume() -> None:
        prepared_settings()
        if encryption.pass_progress() is None:
            typer.echo(_("Nothing to finish."))
            return
        _run_pass_with_progress()
        typer.echo(_("Every stored token and secret is encrypted."))

    @encryption_cli.command(
        "new-key", help=_("Print a new random key, for SOCIALSERVICES_ENCRYPTION_KEYS.")
    )
    def encryption_new_key() -> None:
        typer.echo(encryption_keys.generated_key())


def _run_pass_with_progress() -> None:
    """Seal what is stored, with a progress bar; a killed run resumes where it stopped."""
    progress = encryption.pass_progress()
    total = progress[1] if progress else 0
    with typer.progressbar(length=max(total, 1), label=_("Encrypting"), file=sys.stderr) as bar:
        shown = 0

        def advance(progress: PassProgress) -> None:
            nonlocal shown
            bar.length = max(progress.total, 1)  # known once the pass has begun
            bar.update(max(progress.done - shown, 0))
            shown = max(shown, progress.done)

        try:
            finished = encryption.run_pass(advance)
        except KeyMismatchError as error:
            fail(_("the keys do not match: {reason}").format(reason=error))
    for key in finished.retired:
        typer.echo(
            _("Key {key} is no longer used by anything stored: it may be removed.").format(key=key)
        )


def _audit(action: str, target: str, details: dict[str, object] | None = None) -> None:
    """An audit entry for something done from the command line (its own transaction,
    after the action: an action that failed leaves none)."""
    with session_scope() as session:
        audit.record_by(session, audit.COMMAND_LINE, action, target, details)
