"""``socialservices config``: the whole configuration as one YAML file, out and in."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from admin_app.cli.terminal import _, fail, prepared_settings, print_error
from admin_app.core import bounded_yaml
from admin_app.services import config_file


def register(cli: typer.Typer) -> None:
    config_cli = typer.Typer(
        help=_("The whole configuration as a YAML file."), no_args_is_help=True
    )
    cli.add_typer(config_cli, name="config")

    @config_cli.command("export", help=_("Write the configuration as YAML (see docs/config.md)."))
    def config_export(
        output: Annotated[
            Path | None, typer.Option("--output", "-o", help=_("Write to this file, not stdout."))
        ] = None,
        with_secrets: Annotated[
            bool, typer.Option(help=_("Include client secrets and private keys."))
        ] = False,
    ) -> None:
        prepared_settings()
        document = config_file.export_configuration(with_secrets=with_secrets)
        if output is None:
            typer.echo(document, nl=False)
            return
        try:
            _write_private(output, document)
        except OSError as error:
            fail(_("cannot write {path} ({reason})").format(path=output, reason=error.strerror))
        typer.echo(_("Configuration written to {path}.").format(path=output), err=True)

    @config_cli.command(
        "import", help=_("Check a YAML configuration and apply all of it, or nothing.")
    )
    def config_import(
        path: Annotated[Path, typer.Argument(help=_("The YAML file."), show_default=False)],
    ) -> None:
        try:
            document = _read_document(path)
            prepared_settings()
            summary = config_file.import_configuration(document)
        except config_file.ConfigFileError as error:
            if len(error.problems) == 1:  # one line, as every other failure
                fail(_("{problem}. Nothing was changed.").format(problem=error.problems[0].line(_)))
            for problem in error.problems:
                print_error(problem.line(_))
            typer.echo(_("Nothing was changed."), err=True)
            raise typer.Exit(1) from None
        typer.echo(
            _("Imported {sites} sites and {services} service settings.").format(
                sites=summary.sites, services=summary.services
            )
        )
        if summary.removed_sites:
            typer.echo(_("Removed sites: {ids}").format(ids=", ".join(summary.removed_sites)))
        if summary.applications:
            typer.echo(_("Applications: {count}.").format(count=summary.applications))


def _read_document(path: Path) -> str:
    """The file's text, read no further than the size a configuration may have (a huge
    file, or /dev/zero, is refused without reading it all)."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(bounded_yaml.MAX_BYTES + 1)
    except OSError as error:
        raise typer.BadParameter(
            _("cannot read {path} ({reason})").format(path=path, reason=error.strerror),
            param_hint="FILE",
        ) from None
    try:
        bounded_yaml.check_size(len(raw))
    except bounded_yaml.YamlLimitError as error:
        problem = config_file.Problem(error.where, error.message, error.params)
        raise config_file.ConfigFileError([problem]) from None
    try:
        return raw.decode("utf-8")
    except UnicodeError as error:
        raise typer.BadParameter(
            _("cannot read {path} ({reason})").format(path=path, reason=error),
            param_hint="FILE",
        ) from None


def _write_private(path: Path, document: str) -> None:
    """Write a file only its owner can read: it may hold client secrets."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # also when the file existed before
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(document)
