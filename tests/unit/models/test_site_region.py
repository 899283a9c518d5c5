"""A site's region: suggested from its host names, and given to existing sites by the
upgrade so that none of them stops offering a service it offered."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from models import migrate
from models.sites import region_of_host_names, replace_sites
from models.tables import Site


def test_the_region_is_suggested_by_the_first_host_name_under_a_zone() -> None:
    assert region_of_host_names(["shop.example.ru"]) == "ru"
    assert region_of_host_names(["example.com", "example.kz", "example.by"]) == "kz"
    assert region_of_host_names(["xn--d1acufc.xn--p1ai"]) == "ru"  # домен.рф
    assert region_of_host_names(["old.example.su"]) == "ru"
    assert region_of_host_names(["shop.xn--90ais"]) == "by"  # .бел
    assert region_of_host_names(["shop.xn--80ao21a"]) == "kz"  # .қаз
    assert region_of_host_names(["ru.example.com", "example.rus"]) == "other"
    assert region_of_host_names([]) == "other"


def _downgrade_to_0016(engine: Engine) -> None:
    config = migrate.alembic_config()
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":  # as migrate.upgrade: rebuilt tables keep refs
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        with connection.begin():
            config.attributes["connection"] = connection
            command.downgrade(config, "0016")


def test_existing_sites_keep_offering_what_they_offered(engine: Engine) -> None:
    """A site under a zone's domain gets that zone; every other one (the built-in site
    without host names too) is "other" with the Russian services shown anyway."""
    _downgrade_to_0016(engine)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO sites (id, name, host_names, is_default, individual_settings,"
                " subject_type, version) VALUES (:id, :id, :hosts, false, false, 'public', 1)"
            ),
            [
                {"id": "shop", "hosts": "www.example.com shop.example.ru"},
                {"id": "almaty", "hosts": "example.kz"},
                {"id": "minsk", "hosts": "example.xn--90ais"},
                {"id": "blog", "hosts": "blog.example.org"},
            ],
        )
    migrate.upgrade(engine)
    with Session(engine) as session:
        rows = session.exec(
            select(Site.id, Site.region, Site.show_regional_services).order_by(Site.id)
        ).all()
    assert [tuple(row) for row in rows] == [
        ("almaty", "kz", False),
        ("blog", "other", True),
        ("minsk", "by", False),
        ("s1", "other", True),
        ("shop", "ru", False),
    ]


def test_replacing_the_sites_keeps_their_regions(session: Session) -> None:
    replace_sites(
        session,
        [
            Site(id="s1", name="Main", is_default=True, region="ru"),
            Site(id="shop", name="Shop", region="other", show_regional_services=False),
        ],
    )
    session.commit()
    session.expire_all()
    main, shop = session.get(Site, "s1"), session.get(Site, "shop")
    assert main is not None and (main.region, main.show_regional_services) == ("ru", True)
    assert shop is not None and (shop.region, shop.show_regional_services) == ("other", False)
