"""The ``socialservices`` command line.

Every failure an operator can cause ends in one line on stderr: exit code 2 for a bad
argument, 1 for anything else (a setting that cannot be used, a login already taken).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.exc import SQLAlchemyError

from admin_app.admin import encryption, user_directory
from admin_app.core import bounded_yaml, encryption_keys, runtime, startup
from admin_app.core.i18n import terminal_language, translate
from admin_app.core.messages import user_data_error_text
from admin_app.core.settings import Settings, SettingsError, load_settings
from admin_app.services import catalogue as service_catalogue
from admin_app.services import config_file
from models import audit
from models.db import session_scope
from models.encryption import PLAIN, KeyMismatchError, PassProgress
from models.users import UserDataError


def _(message: str) -> str:
    return translate(message, terminal_language())


def _print_error(message: str) -> None:
    typer.echo(_("error: {message}").format(message=message), err=True)


def _fail(message: str, code: int = 1) -> None:
    _print_error(message)
    raise typer.Exit(code)


def _prepared_settings() -> Settings:
    settings = load_settings()
    startup.prepare(settings)
    return settings


def _read_password() -> str:
    try:
        password = sys.stdin.readline().rstrip("\r\n")
        password.encode()
    except UnicodeError:
        raise typer.BadParameter(
            _("standard input is not UTF-8 text"), param_hint="--password-stdin"
        ) from None
    if not password:
        raise typer.BadParameter(
            _("standard input gave no password"), param_hint="--password-stdin"
        )
    return password


def build_cli() -> typer.Typer:
    cli = typer.Typer(
        name="socialservices",
        help=_("Sign-in with external services for your sites: server and administration."),
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    db_cli = typer.Typer(help=_("Database schema."), no_args_is_help=True)
    user_cli = typer.Typer(help=_("User accounts."), no_args_is_help=True)
    config_cli = typer.Typer(
        help=_("The whole configuration as a YAML file."), no_args_is_help=True
    )
    services_cli = typer.Typer(help=_("External services."), no_args_is_help=True)
    encryption_cli = typer.Typer(
        help=_("Encryption of stored tokens and secrets (see docs/encryption.md)."),
        no_args_is_help=True,
    )
    cli.add_typer(db_cli, name="db")
    cli.add_typer(user_cli, name="user")
    cli.add_typer(config_cli, name="config")
    cli.add_typer(services_cli, name="services")
    cli.add_typer(encryption_cli, name="encryption")
    _encryption_commands(encryption_cli)
    hashtags_cli = typer.Typer(
        help=_("Posts on X with the listed hashtags, imported into the live feed."),
        no_args_is_help=True,
    )
    cli.add_typer(hashtags_cli, name="hashtags")
    _hashtag_commands(hashtags_cli)
    housekeeping_cli = typer.Typer(
        help=_("Deleting sign-in events and sent activities past their retention."),
        no_args_is_help=True,
    )
    cli.add_typer(housekeeping_cli, name="housekeeping")
    _housekeeping_commands(housekeeping_cli)

    @config_cli.command("export", help=_("Write the configuration as YAML (see docs/config.md)."))
    def config_export(
        output: Annotated[
            Path | None, typer.Option("--output", "-o", help=_("Write to this file, not stdout."))
        ] = None,
        with_secrets: Annotated[
            bool, typer.Option(help=_("Include client secrets and private keys."))
        ] = False,
    ) -> None:
        _prepared_settings()
        document = config_file.export_configuration(with_secrets=with_secrets)
        if output is None:
            typer.echo(document, nl=False)
            return
        try:
            _write_private(output, document)
        except OSError as error:
            _fail(_("cannot write {path} ({reason})").format(path=output, reason=error.strerror))
        typer.echo(_("Configuration written to {path}.").format(path=output), err=True)

    @config_cli.command(
        "import", help=_("Check a YAML configuration and apply all of it, or nothing.")
    )
    def config_import(
        path: Annotated[Path, typer.Argument(help=_("The YAML file."), show_default=False)],
    ) -> None:
        try:
            document = _read_document(path)
            _prepared_settings()
            summary = config_file.import_configuration(document)
        except config_file.ConfigFileError as error:
            if len(error.problems) == 1:  # one line, as every other failure
                _fail(
                    _("{problem}. Nothing was changed.").format(problem=error.problems[0].line(_))
                )
            for problem in error.problems:
                _print_error(problem.line(_))
            typer.echo(_("Nothing was changed."), err=True)
            raise typer.Exit(1) from None
        typer.echo(
            _("Imported {sites} sites and {services} service settings.").format(
                sites=summary.sites, services=summary.services
            )
        )
        if summary.removed_sites:
            typer.echo(_("Removed sites: {ids}").format(ids=", ".join(summary.removed_sites)))

    @services_cli.command("list", help=_("The services a site offers, with their redirect URIs."))
    def services_list(
        site: Annotated[
            str | None, typer.Option(help=_("Site id (default: the default site)."))
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help=_("Print JSON."))] = False,
    ) -> None:
        _prepared_settings()
        try:
            services = service_catalogue.site_services(site)
        except service_catalogue.UnknownSiteError:
            known = ", ".join(service_catalogue.site_ids())
            raise typer.BadParameter(
                _("no site '{site}' (sites: {known})").format(site=site, known=known),
                param_hint="--site",
            ) from None
        rows = [
            {
                "service": service.service_id,
                "provider": service.provider.id,
                "name": _(service.title),
                "enabled": service.enabled,
                "configured": service.configured,
                "position": service.position,
                "redirect_uri": service.redirect_uri,
            }
            for service in services
        ]
        if as_json:
            typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        if not rows:
            typer.echo(_("No services are configured for this site."))
        for row in rows:
            state = _("on") if row["enabled"] else _("off")
            if not row["configured"]:
                state += ", " + _("settings incomplete")
            typer.echo(
                f"{row['position']}\t{row['service']}\t{row['name']}\t{state}\t{row['redirect_uri']}"
            )

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

    @db_cli.command("upgrade", help=_("Bring the database schema up to date, and nothing else."))
    def db_upgrade(
        no_token_encryption: Annotated[
            bool,
            typer.Option(
                "--no-token-encryption",
                help=_(
                    "Create the database with token encryption off, for one that will receive "
                    "plain-text tokens from elsewhere. Applies only to a database being "
                    "created (or brought to the version that encrypts)."
                ),
            ),
        ] = False,
    ) -> None:
        settings = load_settings()
        startup.prepare(settings, token_encryption=not no_token_encryption)
        if no_token_encryption and encryption.status().enabled:
            _fail(
                _(
                    "this database exists already, with token encryption on: it stays on "
                    "(--no-token-encryption applies only to a database being created)"
                )
            )
        typer.echo(_("The database is up to date: {url}").format(url=_safe_url(settings)))

    @user_cli.command("create", help=_("Create a user; with --admin, an administrator."))
    def user_create(
        login: Annotated[str, typer.Option(help=_("Login (3 to 100 characters)."))],
        email: Annotated[str, typer.Option(help=_("E-mail address."))],
        admin: Annotated[bool, typer.Option(help=_("Make the user an administrator."))] = False,
        password_stdin: Annotated[
            bool, typer.Option(help=_("Read the password from the first line of stdin."))
        ] = False,
    ) -> None:
        if not email.strip():
            raise typer.BadParameter(_("must not be empty"), param_hint="--email")
        if admin and not password_stdin:
            raise typer.BadParameter(
                _("an administrator signs in with a password: add --password-stdin"),
                param_hint="--admin",
            )
        password = _read_password() if password_stdin else None
        _prepared_settings()
        try:
            user_id = user_directory.create_account(
                login=login, email=email, password=password, admin=admin
            )
        except UserDataError as error:
            code = 1 if error.code.endswith("_taken") else 2
            _fail(user_data_error_text(error, _), code)
        typer.echo(_("Created user {login} (id {id}).").format(login=login.strip(), id=user_id))

    @user_cli.command("list", help=_("List users."))
    def user_list(
        as_json: Annotated[bool, typer.Option("--json", help=_("Print JSON."))] = False,
    ) -> None:
        _prepared_settings()
        users = user_directory.account_summaries()
        if as_json:
            typer.echo(json.dumps(list(users), ensure_ascii=False, indent=2))
            return
        for user in users:
            groups = ", ".join(user["groups"])
            state = "" if user["active"] else " " + _("(blocked)")
            typer.echo(f"{user['id']}\t{user['login']}\t{user['email'] or '-'}\t{groups}{state}")

    return cli


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
            _fail(_("the keys do not match: {reason}").format(reason=error))
    for key in finished.retired:
        typer.echo(
            _("Key {key} is no longer used by anything stored: it may be removed.").format(key=key)
        )


def _hashtag_commands(hashtags_cli: typer.Typer) -> None:
    @hashtags_cli.command(
        "import", help=_("Import now, once (the server also does it every few minutes).")
    )
    def hashtags_import() -> None:
        from admin_app.activity import hashtag_import

        _prepared_settings()
        report = asyncio.run(hashtag_import.import_round())
        if not report.ran:
            typer.echo(_(hashtag_import.SKIPPED[report.reason]))
            return
        for note in report.notes:
            message = hashtag_import.NOTES[note["problem"]]
            typer.echo(_(message).format(**note))
        typer.echo(_("Posts imported: {count}").format(count=report.imported))


def _housekeeping_commands(housekeeping_cli: typer.Typer) -> None:
    @housekeeping_cli.command(
        "run", help=_("Run one round now, e.g. from cron (the server does it daily).")
    )
    def housekeeping_run() -> None:
        from admin_app.admin import housekeeping

        _prepared_settings()
        purged = housekeeping.run_round()
        typer.echo(
            _(
                "Deleted {events} sign-in events and {deliveries} sent or cancelled activities."
            ).format(events=purged.sign_in_events, deliveries=purged.deliveries)
        )


def _encryption_commands(encryption_cli: typer.Typer) -> None:
    @encryption_cli.command("status", help=_("Whether encryption is on, and with which keys."))
    def encryption_status() -> None:
        _prepared_settings()
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
        _prepared_settings()
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
        settings = _prepared_settings()
        if not encryption.status().enabled:
            _fail(_("token encryption is off: run `socialservices encryption enable` first"))
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
        _prepared_settings()
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


def _audit(action: str, target: str, details: dict[str, object] | None = None) -> None:
    """An audit entry for something done from the command line (its own transaction,
    after the action: an action that failed leaves none)."""
    with session_scope() as session:
        audit.record_by(session, audit.COMMAND_LINE, action, target, details)


def _write_private(path: Path, document: str) -> None:
    """Write a file only its owner can read: it may hold client secrets."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # also when the file existed before
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(document)


def _safe_url(settings: Settings) -> str:
    from sqlalchemy.engine import make_url

    return make_url(settings.sqlalchemy_url).render_as_string(hide_password=True)


def run(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code instead of raising."""
    command = typer.main.get_command(build_cli())
    try:
        result = command.main(args=argv, prog_name="socialservices", standalone_mode=False)
    except typer.TyperException as error:  # click's UsageError (exit code 2) and kin
        if _is_a(error, "NoArgsIsHelpError"):
            typer.echo(error.format_message())  # the command's help, which is what was wanted
            return 0
        message = _usage_message(error)
        context = getattr(error, "ctx", None)
        if error.exit_code == 2 and context is not None:
            message += " " + _("(see {command} --help)").format(command=context.command_path)
        _print_error(message)
        return error.exit_code
    except typer.Abort:
        return 1
    except SettingsError as error:
        _print_error(error.translated(_))
        return 1
    except SQLAlchemyError as error:  # e.g. the database is locked or went away meanwhile
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        _print_error(_("the database failed: {reason}").format(reason=reason))
        return 1
    return result if isinstance(result, int) else 0


def _is_a(error: Exception, class_name: str) -> bool:
    """Whether ``error`` is click's exception of this name. Typer vendors click in a
    private module and re-exports only BadParameter, so the others are told apart by
    their documented names, as Typer itself does for NoArgsIsHelpError."""
    return any(cls.__name__ == class_name for cls in type(error).__mro__)


def _usage_message(error: typer.TyperException) -> str:
    """Click's message about a bad command line, in the terminal's language."""
    if _is_a(error, "NoSuchOption"):
        return _("No such option: {name}").format(name=getattr(error, "option_name", ""))
    if isinstance(error, typer.BadParameter):  # MissingParameter is one too
        hint = error.param_hint or (error.param.get_error_hint() if error.param else "")
        name = hint if isinstance(hint, str) else " / ".join(hint)
        if _is_a(error, "MissingParameter"):
            return _("Missing option {name}.").format(name=name)
        return _("Invalid value for {name}: {problem}").format(name=name, problem=error.message)
    return " ".join(error.format_message().split())
