"""What the admin pages say about regions: a region's name, which services follow it, and
where the services editor's scope has them hidden. The rule itself is the catalogue's
(``catalogue.region_hides``); this module only puts it into words."""

from __future__ import annotations

from admin_app.admin.builtin_names import site_name
from admin_app.core.i18n import N_, _
from admin_app.services.catalogue import REGIONAL_SERVICES, hides_regional_services
from models.db import read_scope
from models.services import COMMON, sites_using
from providers import PROVIDERS

#: each region's name (message ids), in the order the site editor offers them
REGION_NAMES: dict[str, str] = {
    "ru": N_("Russia"),
    "kz": N_("Kazakhstan"),
    "by": N_("Belarus"),
    "other": N_("Other countries"),
}


def region_name(region: str) -> str:
    """The region's name in the reader's language (an unknown code as it is)."""
    return _(REGION_NAMES[region]) if region in REGION_NAMES else region


def regional_titles() -> list[str]:
    """The Russian services this version knows, as titles to translate, in catalogue order."""
    return [provider.title for key, provider in PROVIDERS.items() if key in REGIONAL_SERVICES]


def hidden_notes(scope: str) -> dict[str, str]:
    """For the services editor of ``scope``: provider id -> what to say beside each of
    its services that the region of a site using the scope hides (translated); empty
    when no such site hides them."""
    with read_scope() as session:
        hiding = [site for site in sites_using(session, scope) if hides_regional_services(site)]
        if not hiding:
            return {}
        if scope != COMMON:
            note = _("Hidden on this site: region {region}").format(
                region=region_name(hiding[0].region)
            )
        else:
            note = _("Hidden by region on: {sites}").format(
                sites=", ".join(site_name(site.name) for site in hiding)
            )
    return dict.fromkeys(sorted(REGIONAL_SERVICES), note)
