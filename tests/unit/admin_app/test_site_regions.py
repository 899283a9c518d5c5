"""A site's region: the Russian services are offered on sites of the ru, kz and by zones
and elsewhere only when the administrator shows them; the sign-in page, profile linking,
the config file, the site editor and the overview all say the same."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from nicegui import ui
from nicegui.testing import User
from sqlmodel import col, select

from admin_app.admin.overview import dashboard
from admin_app.auth import round_trip
from admin_app.auth.purpose import Purpose
from admin_app.auth.round_trip import offered_services
from admin_app.services.catalogue import (
    REGIONAL_SERVICES,
    region_hides,
    services_offered_anywhere,
    site_services,
)
from admin_app.services.config_file import (
    ConfigFileError,
    export_configuration,
    import_configuration,
)
from admin_app.services.regions import hidden_notes
from admin_app.services.site_editing import (
    SiteForm,
    SiteFormError,
    create_site,
    own_services_offered,
    update_site,
)
from models.db import session_scope
from models.tables import AuditEntry, Site
from providers import PROVIDERS
from tests.support.accounts import RETRIES, add_user, sign_in
from tests.support.admin_pages import fill, open_as_admin
from tests.support.disclosures import open_disclosure

YANDEX = {"enabled": True, "settings": {"client_id": "y", "client_secret": "ys"}}
GOOGLE = {"enabled": True, "settings": {"client_id": "g", "client_secret": "gs"}}


def sites(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"sites": list(entries), "services": {"yandex": YANDEX, "google": GOOGLE}}


STORE = {"id": "s1", "name": "Store", "domains": ["store.example.com"], "default": True}
RU_SHOP = {"id": "ru", "name": "Shop", "domains": ["shop.example.ru"], "default": False}


def configure(document: dict[str, Any]) -> None:
    import_configuration(yaml.safe_dump(document, sort_keys=False))


def marked(user: User, marker: str) -> Any:
    """The element with this marker, shown or not (``find`` sees only shown ones)."""
    assert user.client is not None
    return next(e for e in user.client.elements.values() if marker in e._markers)


def offered(site_id: str) -> list[str]:
    return [service.service_id for service in site_services(site_id, offered_only=True)]


def site(site_id: str) -> Site:
    with session_scope() as session:
        found = session.get(Site, site_id)
        assert found is not None
        return found


def last_audit() -> AuditEntry:
    with session_scope() as session:
        entry = session.exec(select(AuditEntry).order_by(col(AuditEntry.id).desc())).first()
        assert entry is not None
        return entry


def test_every_russian_service_follows_the_region_and_only_they() -> None:
    elsewhere = Site(id="x", name="X", region="other", show_regional_services=False)
    assert set(PROVIDERS) >= REGIONAL_SERVICES  # no id misspelt
    for provider_id in PROVIDERS:
        assert region_hides(elsewhere, provider_id) == (provider_id in REGIONAL_SERVICES)
    for region in ("ru", "kz", "by"):
        in_zone = Site(id="x", name="X", region=region, show_regional_services=False)
        assert not any(region_hides(in_zone, provider_id) for provider_id in REGIONAL_SERVICES)
    shown = Site(id="x", name="X", region="other", show_regional_services=True)
    assert not any(region_hides(shown, provider_id) for provider_id in REGIONAL_SERVICES)


async def test_hidden_outside_the_zones_offered_in_them_and_kept_configured(user: User) -> None:
    configure(
        sites(
            {**STORE, "region": "other", "show_regional_services": False},
            RU_SHOP,  # no region given: the domains suggest "ru"
        )
    )
    assert offered("s1") == ["google"]
    assert offered("ru") == ["yandex", "google"]
    yandex = next(s for s in site_services("s1") if s.service_id == "yandex")
    assert yandex.enabled and yandex.configured and yandex.hidden_by_region  # kept as it is
    assert [s.service_id for s in offered_services("store.example.com")] == ["google"]
    assert "yandex" in services_offered_anywhere()  # the Russian shop still offers it
    configure(sites({**STORE, "region": "other", "show_regional_services": True}))
    assert offered("s1") == ["yandex", "google"]
    configure(sites({**STORE, "region": "kz", "show_regional_services": False}))
    assert offered("s1") == ["yandex", "google"]
    configure(sites({**STORE, "region": "other", "show_regional_services": False}))
    assert "yandex" not in services_offered_anywhere()  # a link to it signs in nowhere now


async def test_the_sign_in_page_shows_no_hidden_button(user: User) -> None:
    configure(sites({**STORE, "region": "other", "show_regional_services": False}))
    await user.open("/login")
    await user.should_see(marker="service-google", retries=RETRIES)
    await user.should_not_see(marker="service-yandex")


async def test_the_config_file_carries_the_region_and_an_old_file_loses_nothing(
    user: User,
) -> None:
    configure(sites(STORE, RU_SHOP))  # as written before sites had regions
    exported = yaml.safe_load(export_configuration(with_secrets=False))
    assert [
        (entry["id"], entry["region"], entry["show_regional_services"])
        for entry in exported["sites"]
    ] == [("ru", "ru", False), ("s1", "other", True)]
    assert offered("s1") == ["yandex", "google"]  # still offered, as before regions
    configure(sites({**STORE, "region": "other"}))  # a file of today: the rule applies
    assert not site("s1").show_regional_services and offered("s1") == ["google"]
    document = sites(
        {**STORE, "region": "de", "show_regional_services": "yes"}, {**RU_SHOP, "region": "RU"}
    )
    with pytest.raises(ConfigFileError) as refused:
        import_configuration(yaml.safe_dump(document))
    assert [problem.line() for problem in refused.value.problems] == [
        "sites[0].show_regional_services: must be true or false",
        "sites[0].region: one of: ru, kz, by, other",
    ]


async def test_a_new_sites_region_is_suggested_and_a_change_is_audited(user: User) -> None:
    await open_as_admin(user, "/admin/sites", marker="site-list")
    with user:
        create_site(
            "almaty", SiteForm(name="Almaty", host_names="shop.example.kz", is_default=False)
        )
        create_site(
            "berlin", SiteForm(name="Berlin", host_names="de.example.com", is_default=False)
        )
        created = last_audit()
        assert created.details["region"] == "other"
        assert created.details["show_regional_services"] is False
        assert (site("almaty").region, site("berlin").region) == ("kz", "other")
        assert not site("berlin").show_regional_services  # a new site: the rule applies
        with pytest.raises(SiteFormError) as refused:
            update_site("berlin", SiteForm("Berlin", "de.example.com", False, "de"), version=1)
        assert [p.message for p in refused.value.problems["region"]] == ["one of: {values}"]
        form = SiteForm("Berlin", "de.example.com", False, "other", show_regional_services=True)
        update_site("berlin", form, version=1)
    entry = last_audit()
    assert (entry.action, entry.target) == ("site.update", "berlin")
    assert entry.details == {"changed": ["show_regional_services"], "show_regional_services": True}
    assert site("berlin").show_regional_services


async def test_the_site_editor_suggests_the_region_and_saves_the_switch(user: User) -> None:
    await open_as_admin(user, "/admin/sites", marker="site-list")
    open_disclosure(user, "new-site")
    fill(user, "site-id", "minsk")
    fill(user, "site-name", "Minsk")
    fill(user, "site-host-names", "shop.example.by")
    region, switch = marked(user, "site-region"), marked(user, "site-show-regional")
    assert region.value == "by" and not switch.visible
    region.set_value("other")
    assert switch.visible
    fill(user, "site-host-names", "shop.example.kz")  # chosen: no longer follows
    assert region.value == "other"
    user.find(marker="site-create").click()
    await user.should_see("Site ID: minsk", retries=RETRIES)
    assert (site("minsk").region, site("minsk").show_regional_services) == ("other", False)
    await user.open("/admin/sites/minsk")
    await user.should_see("Show the Russian services anyway")
    hint = marked(user, "site-region").props["hint"]
    assert hint.startswith("Odnoklassniki, Yandex, VK ID, Mail.ru, My World@Mail.ru, Sber ID, T-ID")
    user.find(marker="site-show-regional").click()
    user.find(marker="site-save").click()
    await user.should_see("Site saved.", retries=RETRIES)
    assert site("minsk").show_regional_services
    assert last_audit().details["changed"] == ["show_regional_services"]
    await user.open("/admin/sites")
    await user.should_see("Region: Other countries")


async def test_the_services_list_says_where_the_region_hides_them(user: User) -> None:
    configure(
        sites(
            {**STORE, "region": "other", "show_regional_services": False},
            {**RU_SHOP, "region": "other", "individual_settings": False},
        )
        | {"site_services": {"ru": {"yandex": YANDEX, "google": GOOGLE}}}
    )
    assert own_services_offered("ru") == ["Google"]  # what switching to its own would offer
    configure(
        sites(
            {**STORE, "region": "other", "show_regional_services": False},
            {**RU_SHOP, "region": "other", "individual_settings": True},
        )
        | {"site_services": {"ru": {"vkontakte": {"enabled": False}}}}
    )
    common = hidden_notes("common")
    assert common["yandex"] == "Hidden by region on: Store"
    assert set(common) == REGIONAL_SERVICES and "google" not in common
    assert hidden_notes("ru")["vkontakte"] == "Hidden on this site: region Other countries"
    configure(sites({**STORE, "region": "ru"}))
    assert hidden_notes("common") == {}


async def test_the_services_page_marks_the_services_the_region_hides(user: User) -> None:
    configure(sites({**STORE, "region": "other", "show_regional_services": False}))
    await open_as_admin(user, "/admin/services")
    await user.should_see(marker="region-hidden-yandex", retries=RETRIES)
    assert marked(user, "region-hidden-yandex").text == "Hidden by region on: Store"
    await user.should_not_see(marker="region-hidden-google")


async def test_the_overview_says_what_is_hidden_where_and_why(user: User) -> None:
    configure(
        sites(
            {**STORE, "region": "other", "show_regional_services": False},
            {**RU_SHOP, "region": "other", "show_regional_services": True},
        )
    )
    board = dashboard()
    assert [(h.site_id, h.region, h.services) for h in board.hidden_by_region] == [
        ("s1", "other", ["Yandex"])
    ]
    add_user("root", admin=True)
    await sign_in(user, "root", path="/login?next=/admin")
    await user.should_see(marker="region-hidden-s1", retries=RETRIES)
    await user.should_not_see(marker="region-hidden-ru")
    row = marked(user, "region-hidden-s1")
    note = next(child for child in row.default_slot.children if isinstance(child, ui.label))
    assert note.text == (
        "Hidden on Store (region: Other countries): Yandex. The Russian services are offered "
        "on sites in Russia, Kazakhstan and Belarus; elsewhere only when the site's page says "
        "to show them anyway."
    )
    tables: list[Any] = list(user.find(kind=ui.table).elements)
    services = next(t for t in tables if t.columns[0]["name"] == "service")
    rows = {row["service"]: row for row in services.rows}
    assert (rows["Yandex"]["site_s1"], rows["Yandex"]["site_ru"]) == ("hidden: region", "on")
    sites_table = next(t for t in tables if t.columns[0]["name"] == "id")
    assert [row["region"] for row in sites_table.rows] == [
        "Other countries, Russian services shown anyway",
        "Other countries",
    ]


async def test_a_hidden_service_cannot_be_started_by_its_address(user: User) -> None:
    """The button is gone, and its address is refused too; "Try it" still tries it."""
    configure(sites({**STORE, "region": "other", "show_regional_services": False}))
    with pytest.raises(LookupError):
        await round_trip.start(
            purpose=Purpose.LOGIN, service_id="yandex", host="store.example.com", browser="b"
        )
    tried = await round_trip.start(
        purpose=Purpose.TRY, service_id="yandex", host="store.example.com", browser="b"
    )
    assert tried.startswith("https://oauth.yandex.ru/authorize?")
    configure(sites({**STORE, "region": "other", "show_regional_services": True}))
    url = await round_trip.start(
        purpose=Purpose.LOGIN, service_id="yandex", host="store.example.com", browser="b"
    )
    assert url.startswith("https://oauth.yandex.ru/authorize?")
