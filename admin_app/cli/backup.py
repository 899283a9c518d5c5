"""``socialservices backup``: a consistent copy of the database while the app serves, and
its restore into a new installation (docs/operations.md). The encryption keys are never
in a backup: both commands say where they are to be kept."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from admin_app.cli.terminal import _, fail
from admin_app.core.encryption_keys import KEY_FILE
from admin_app.core.i18n import N_
from admin_app.core.settings import Settings, load_settings

if TYPE_CHECKING:  # the database's modules only when a command runs
    from models.backups import BackupInfo

#: what each refusal of ``models.backups.BackupError`` says
REFUSALS = {
    "exists": N_("{path} exists already: choose a new file name (a backup never overwrites one)"),
    "no_folder": N_("the folder {path} does not exist"),
    "no_schema": N_("the database has no schema yet: there is nothing to back up"),
    "not_current": N_(
        "the database's schema ({revision}) is not this version's ({head}): run "
        "'socialservices db upgrade' first"
    ),
    "missing": N_("{path} does not exist"),
    "not_a_backup": N_("{path} is not a socialservices backup"),
    "newer": N_(
        "the backup's schema ({revision}) is newer than this version of socialservices "
        "knows: restore it with the version that made it, or a later one"
    ),
    "not_empty": N_(
        "this installation's database is not empty: restore only into a new one (a new "
        "DATA_DIR, or a new database in DATABASE_URL); nothing was changed"
    ),
}


def _keys_place(settings: Settings) -> str:
    if settings.encryption_keys.strip():
        return "SOCIALSERVICES_ENCRYPTION_KEYS"
    return str(settings.data_dir / KEY_FILE)


def _refusals_said(work: Callable[[], BackupInfo]) -> BackupInfo:
    """``work``'s result; a refusal or an unreachable database as one line, exit 1."""
    from models.backups import BackupError
    from models.db import DatabaseUnavailableError

    try:
        return work()
    except BackupError as error:
        fail(_(REFUSALS[error.code]).format(**error.params))
    except DatabaseUnavailableError as error:
        fail(_("cannot connect to the database: {reason}").format(reason=error))


def register(cli: typer.Typer) -> None:
    backup_cli = typer.Typer(
        help=_("Backing up the database, and restoring it into a new installation."),
        no_args_is_help=True,
    )
    cli.add_typer(backup_cli, name="backup")

    @backup_cli.command(
        "create",
        help=_(
            "Write a consistent copy of the database to a new file, while the app serves. "
            "It holds no encryption key: back the keys up apart."
        ),
    )
    def backup_create(
        output: Annotated[
            Path, typer.Option("-o", "--output", help=_("The new file to write."), dir_okay=False)
        ],
    ) -> None:
        from admin_app.admin.backups import create_backup

        settings = load_settings()
        info = _refusals_said(lambda: create_backup(settings, output.expanduser().absolute()))
        typer.echo(
            _("Backup written to {path}: {rows} rows, schema {revision}.").format(
                path=output, rows=info.rows, revision=info.revision
            )
        )
        typer.echo(
            _(
                "It does not hold the encryption keys: back up {keys} apart. Without them "
                "the stored tokens and secrets of a restored copy cannot be read."
            ).format(keys=_keys_place(settings))
        )

    @backup_cli.command(
        "restore",
        help=_(
            "Fill a new, empty installation from a backup. Give it the backed-up "
            "installation's encryption keys first: the backup holds none."
        ),
    )
    def backup_restore(
        backup: Annotated[Path, typer.Argument(help=_("The backup file."), dir_okay=False)],
    ) -> None:
        from admin_app.admin.backups import restore_backup

        settings = load_settings()
        info = _refusals_said(lambda: restore_backup(settings, backup.expanduser().absolute()))
        typer.echo(
            _(
                "Restored {rows} rows from {path} (made {made} from {source}, schema "
                "{revision}); stored tokens are read with the keys in {keys}."
            ).format(
                rows=info.rows,
                path=backup,
                made=info.made_at.strftime("%Y-%m-%d %H:%M UTC"),
                source=info.source,
                revision=info.revision,
                keys=_keys_place(settings),
            )
        )
