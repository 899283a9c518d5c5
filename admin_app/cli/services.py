"""``socialservices services``: the external services a site offers."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from admin_app.cli.terminal import _, prepared_settings
from admin_app.services import catalogue as service_catalogue


def register(cli: typer.Typer) -> None:
    services_cli = typer.Typer(help=_("External services."), no_args_is_help=True)
    cli.add_typer(services_cli, name="services")

    @services_cli.command("list", help=_("The services a site offers, with their redirect URIs."))
    def services_list(
        site: Annotated[
            str | None, typer.Option(help=_("Site id (default: the default site)."))
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help=_("Print JSON."))] = False,
    ) -> None:
        prepared_settings()
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
                "offered": service.offered,
                "hidden_by_region": service.hidden_by_region,
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
            if row["hidden_by_region"]:
                state += ", " + _("hidden on this site: region")
            typer.echo(
                f"{row['position']}\t{row['service']}\t{row['name']}\t{state}\t{row['redirect_uri']}"
            )
