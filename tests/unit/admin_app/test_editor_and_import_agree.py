"""The admin editors and ``config import`` refuse the same values with the same words
(``services/validation``): each bad value below is refused by the editor's use case at its
field, and by the import with a line at its path, nothing stored either way."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pytest
import yaml

from admin_app.core import asking, startup
from admin_app.core.form_problems import FormError
from admin_app.core.input_checks import INVISIBLE
from admin_app.core.settings import load_settings
from admin_app.services.config_file import (
    ConfigFileError,
    export_configuration,
    import_configuration,
)
from admin_app.services.service_editing import (
    ServiceChanges,
    add_service,
    save_service,
    set_enabled,
)
from admin_app.services.site_editing import SiteForm, create_site
from models import auth_sessions
from models.db import session_scope
from tests.support.accounts import add_user

SHOP = {"id": "s1", "name": "Shop", "default": True, "domains": ["shop.example.org"]}
HTTPS = "must be an https:// URL without a user name (http:// only on this machine)"
MANY_HOSTS = [f"host{number:02}.{'a' * 50}.example.org" for number in range(40)]
TOO_LONG_HOST = ".".join(["a" * 60] * 5)
BOT = "example_site_bot"
LONG_URL = "https://oauth.example.org/" + "t" * 2000


@pytest.fixture(autouse=True)
def administrator_asking(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """An installation whose site s1 has shop.example.org, and a signed-in administrator
    asking (the editors' use cases check who asks)."""
    monkeypatch.setenv("SOCIALSERVICES_DATABASE_URL", database_url)
    monkeypatch.setenv("SOCIALSERVICES_PUBLIC_URL", "https://shop.example.org")
    startup.prepare(load_settings())
    import_configuration(yaml.safe_dump({"sites": [SHOP]}))
    user_id = add_user("root", admin=True)
    with session_scope() as session:
        token = auth_sessions.create_active(session, user_id=user_id)
    monkeypatch.setattr(asking, "current", lambda: asking.Asker(auth_token=token))


Edit = Callable[[], object]


@dataclass(frozen=True)
class Refusal:
    """One bad value: how the editor is given it and where it answers (``field``), the
    document that gives it to the import and where that answers (``path``)."""

    label: str
    edit: Edit
    field: str
    document: Mapping[str, Any]
    path: str
    message: str
    accepted_first: Edit | None = None  # what the editor is given before, accepted


def save(service_id: str, changes: ServiceChanges) -> Edit:
    return lambda: save_service("common", service_id, changes, version=None)


def added(service_id: str, name: str) -> Edit:
    return lambda: add_service("common", service_id, name)


def site_case(
    label: str,
    field: str,
    path: str,
    message: str,
    *,
    site_id: str = "blog",
    name: str = "Blog",
    hosts: str = "blog.example.org",
) -> Refusal:
    """A new site with one bad value: typed into the form, or listed second in a file."""
    form = SiteForm(name=name, host_names=hosts, is_default=False)
    document = {"sites": [SHOP, {"id": site_id, "name": name, "domains": hosts.split()}]}
    return Refusal(label, lambda: create_site(site_id, form), field, document, path, message)


SHARED = [
    site_case(
        "site id",
        "id",
        "sites[1].id",
        "use 1 to 20 lower-case letters, digits or _",
        site_id="Blog-1",
    ),
    site_case("reserved site id", "id", "sites[1].id", "'common' is reserved", site_id="common"),
    site_case("no site id", "id", "sites[1].id", "required", site_id=""),
    site_case("no site name", "name", "sites[1].name", "required", name=""),
    site_case("long site name", "name", "sites[1].name", "at most 100 characters", name="x" * 101),
    site_case("invisible in a site name", "name", "sites[1].name", INVISIBLE, name="Bl\x01og"),
    site_case(
        "host name syntax",
        "host_names",
        "sites[1].domains[0]",
        "'bad_host!' is not a host name",
        hosts="bad_host!",
    ),
    site_case(
        "host name too long",
        "host_names",
        "sites[1].domains[0]",
        f"'{TOO_LONG_HOST}' is not a host name",
        hosts=TOO_LONG_HOST,
    ),
    site_case(
        "host name of another site",
        "host_names",
        "sites[1].domains[0]",
        "'shop.example.org' belongs to site 's1' too",
        hosts="shop.example.org",
    ),
    site_case(
        "host names together too long",
        "host_names",
        "sites[1].domains",
        "at most 2000 characters",
        hosts=" ".join(MANY_HOSTS),
    ),
    Refusal(
        "endpoint not https",
        save("yandex", ServiceChanges(endpoints={"token_url": "http://oauth.example.org/token"})),
        "endpoints.token_url",
        {"services": {"yandex": {"endpoints": {"token_url": "http://oauth.example.org/token"}}}},
        "services.yandex.endpoints.token_url",
        HTTPS,
    ),
    Refusal(
        "endpoint too long",
        save("yandex", ServiceChanges(endpoints={"token_url": LONG_URL})),
        "endpoints.token_url",
        {"services": {"yandex": {"endpoints": {"token_url": LONG_URL}}}},
        "services.yandex.endpoints.token_url",
        "at most 2000 characters",
    ),
    Refusal(
        "setting too long",
        save("yandex", ServiceChanges(settings={"client_id": "c" * 10_001})),
        "settings.client_id",
        {"services": {"yandex": {"settings": {"client_id": "c" * 10_001}}}},
        "services.yandex.settings.client_id",
        "at most 10000 characters",
    ),
    Refusal(
        "invisible in a setting",
        save("yandex", ServiceChanges(settings={"client_id": "yandex\x01client"})),
        "settings.client_id",
        {"services": {"yandex": {"settings": {"client_id": "yandex\x01client"}}}},
        "services.yandex.settings.client_id",
        INVISIBLE,
    ),
    Refusal(
        "invisible in a secret",
        save(
            "yandex",
            ServiceChanges(settings={"client_id": "y"}, secrets={"client_secret": "s\x00"}),
        ),
        "settings.client_secret",
        {"services": {"yandex": {"settings": {"client_id": "y", "client_secret": "s\x00"}}}},
        "services.yandex.settings.client_secret",
        INVISIBLE,
    ),
    Refusal(
        "required setting of a service switched on",
        lambda: set_enabled("common", "yandex", True, version=None),
        "settings.client_id",
        {"services": {"yandex": {"enabled": True}}},
        "services.yandex.settings.client_id",
        "required",
    ),
    Refusal(
        "required endpoint of a service switched on",
        lambda: set_enabled("common", "staff-sso", True, version=1),
        "endpoints.issuer",
        {"services": {"staff-sso": {"provider": "oidc", "name": "Staff", "enabled": True}}},
        "services.staff-sso.endpoints.issuer",
        "required",
        accepted_first=added("staff-sso", "Staff"),
    ),
    Refusal(
        "the service's own verdict",  # placed at the setting, and at the settings
        save(
            "telegram",
            ServiceChanges(settings={"bot_username": BOT}, secrets={"bot_token": "nonsense"}),
        ),
        "settings.bot_token",
        {"services": {"telegram": {"settings": {"bot_username": BOT, "bot_token": "nonsense"}}}},
        "services.telegram.settings",
        "not accepted: bot_token is not a bot token",
    ),
    Refusal(
        "long service name",
        added("staff-sso", "x" * 101),
        "name",
        {"services": {"staff-sso": {"provider": "oidc", "name": "x" * 101}}},
        "services.staff-sso.name",
        "at most 100 characters",
    ),
    Refusal(
        "invisible in a service name",
        added("staff-sso", "St\x7faff"),
        "name",
        {"services": {"staff-sso": {"provider": "oidc", "name": "St\x7faff"}}},
        "services.staff-sso.name",
        INVISIBLE,
    ),
    Refusal(
        "service id",
        added("Staff SSO", "Staff"),
        "service_id",
        {"services": {"Staff SSO": {"provider": "oidc"}}},
        "services.Staff SSO",
        "a service id has 2 to 50 lower-case letters, digits or -",
    ),
    Refusal(
        "a built-in service's id",
        added("google", "Staff"),
        "service_id",
        {"services": {"google": {"provider": "oidc"}}},
        "services.google",
        "'google' is the id of a built-in service",
    ),
]


@pytest.mark.parametrize("case", SHARED, ids=[case.label for case in SHARED])
def test_the_editor_and_the_import_refuse_the_same_value(case: Refusal) -> None:
    if case.accepted_first is not None:
        case.accepted_first()
    before = export_configuration(with_secrets=True)
    with pytest.raises(FormError) as refused:
        case.edit()
    assert case.message in [problem.text() for problem in refused.value.problems[case.field]]
    with pytest.raises(ConfigFileError) as refused_import:
        import_configuration(yaml.safe_dump(case.document))
    lines = [problem.line() for problem in refused_import.value.problems]
    assert f"{case.path}: {case.message}" in lines
    assert export_configuration(with_secrets=True) == before


def test_only_the_editor_requires_a_name_for_an_added_service() -> None:
    """On purpose (``name_required``): a file may leave the button its provider's title."""
    with pytest.raises(FormError) as refused:
        add_service("common", "staff-sso", "")
    assert refused.value.messages() == ["required"]
    import_configuration(yaml.safe_dump({"services": {"staff-sso": {"provider": "oidc"}}}))
