"""``socialservices oidc``: the provider role's signing keys."""

from __future__ import annotations

import typer

from admin_app.cli.terminal import _, prepared_settings


def register(cli: typer.Typer) -> None:
    oidc_cli = typer.Typer(
        help=_("The OpenID Connect provider that the sites' applications use (docs/sites.md)."),
        no_args_is_help=True,
    )
    cli.add_typer(oidc_cli, name="oidc")

    @oidc_cli.command(
        "rotate-key",
        help=_(
            "Sign ID tokens with new keys from now on; the current keys stay published until "
            "the tokens they signed have expired."
        ),
    )
    def oidc_rotate_key() -> None:
        from admin_app.provider import signing

        prepared_settings()
        rotation = signing.rotate()
        for kid in rotation.new:
            typer.echo(_("New signing key: {kid}").format(kid=kid))
        for kid, until in rotation.retiring:
            typer.echo(
                _("Key {kid} stays published until {time} (UTC), then is removed.").format(
                    kid=kid, time=until.strftime("%Y-%m-%d %H:%M")
                )
            )
