"""The configuration file: the documented example round-trips, and bad input changes nothing."""

from __future__ import annotations

import json
import re
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from admin_app.cli.main import run
from admin_app.core import startup
from admin_app.core.input_checks import INVISIBLE
from admin_app.core.link_issuers import identity_issuer
from admin_app.core.settings import load_settings
from admin_app.services.catalogue import site_services
from admin_app.services.config_file import (
    ConfigFileError,
    export_configuration,
    import_configuration,
)
from models.db import session_scope
from models.tables import LinkedAccount
from models.users import create_user
from providers import PROVIDERS

EXAMPLE = re.search(
    r"```yaml\n(.*?)```", (Path(__file__).parents[3] / "docs" / "config.md").read_text(), re.S
).group(1)  # type: ignore[union-attr]


@pytest.fixture(autouse=True)
def installation(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """On the database the run uses: SQLite, or PostgreSQL (which refuses text longer than
    its column, where SQLite would store it)."""
    monkeypatch.setenv("SOCIALSERVICES_DATABASE_URL", database_url)
    monkeypatch.setenv("SOCIALSERVICES_PUBLIC_URL", "https://shop.example.org")
    startup.prepare(load_settings())


def problems_of(document: str) -> list[str]:
    with pytest.raises(ConfigFileError) as error:
        import_configuration(document)
    return [problem.line() for problem in error.value.problems]


def test_the_documented_example_round_trips_exactly() -> None:
    import_configuration(EXAMPLE)
    assert export_configuration(with_secrets=True) == EXAMPLE


def test_export_without_secrets_can_be_imported_again_keeping_them() -> None:
    import_configuration(EXAMPLE)
    public = export_configuration(with_secrets=False)
    assert "0123456789ABCDEF0123456789ABCDEF" not in public  # OK's secret key
    assert "GOCSPX" not in public and "bot_token" not in public
    assert "app_id: '512000000000'" in public  # not secret
    import_configuration(public.replace("Example store", "Renamed store"))
    exported = export_configuration(with_secrets=True)
    assert exported == EXAMPLE.replace("Example store", "Renamed store")


def test_what_a_site_offers_and_its_redirect_uris() -> None:
    import_configuration(EXAMPLE)
    common = site_services("s1", offered_only=True)
    assert [s.service_id for s in common] == ["odnoklassniki", "yandex", "google", "corporate-sso"]
    assert common[0].redirect_uri == "https://shop.example.org/oauth/odnoklassniki/callback"
    assert common[3].title == "Staff sign-in"
    assert common[3].make_provider().issuer == "https://sso.example.org/realms/staff"  # type: ignore[attr-defined]
    blog = site_services("s2")
    assert [s.service_id for s in blog] == ["vkontakte", "telegram"]
    assert blog[0].redirect_uri == "https://blog.example.org/oauth/vkontakte/callback"
    everything = site_services("s1")
    assert everything[-1].service_id == "github" and not everything[-1].configured


def test_every_problem_is_reported_with_its_path_and_nothing_changes() -> None:
    import_configuration(EXAMPLE)
    before = export_configuration(with_secrets=True)
    document = yaml.safe_load(EXAMPLE)
    document["extra"] = 1
    document["sites"][1]["default"] = True
    document["sites"][0]["colour"] = "red"
    document["services"]["odnoklassniki"]["settings"].pop("app_id")
    document["services"]["odnoklassniki"]["settings"]["app_secret"] = "x"
    document["services"]["facebok"] = {"enabled": True}
    document["services"]["google"]["enabled"] = "yes"
    document["services"]["google"]["endpoints"] = {"token_url": "ftp://x", "issuer_url": "x"}
    document["services"]["corporate-sso"]["endpoints"] = {}
    document["site_services"]["s9"] = {}
    document["registration"]["denied_auth_groups"] = ["nobody"]
    document["activity"]["hashtags"].append("two words")
    problems = problems_of(yaml.safe_dump(document, sort_keys=False))
    assert problems == [
        "extra: unknown field",
        "sites[0].colour: unknown field",
        "sites: exactly one site must be the default",
        "services.odnoklassniki.settings.app_secret: unknown field",
        "services.odnoklassniki.settings.app_id: required",
        "services.google.enabled: must be true or false",
        "services.google.endpoints.issuer_url: unknown field",
        "services.google.endpoints.token_url: must be an https:// URL without a user name "
        "(http:// only on this machine)",
        "services.corporate-sso.endpoints.issuer: required",
        f"services.facebok: unknown service 'facebok' (known: {', '.join(PROVIDERS)})",
        "site_services.s9: no such site",
        "registration.denied_auth_groups[0]: no group with code 'nobody'",
        "activity.hashtags[1]: 'two words' is not a hashtag",
    ]
    assert export_configuration(with_secrets=True) == before


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ("a: [", "line 1: not valid YAML"),
        ("- just a list", "(document): must be a mapping"),
        (
            "services:\n  google:\n    provider: oidc\n",
            "services.google: 'google' is the id of a built-in service",
        ),
        ("services:\n  my-sso:\n    enabled: true\n", "services.my-sso: unknown service 'my-sso'"),
        ("services:\n  a:\n    provider: oidc\n", "services.a: a service id has 2 to 50"),
        ("services:\n  google:\n    position: 0\n", "services.google.position: must be a whole"),
        (
            "services:\n  google: {position: 2}\n  yandex: {position: 2}\n",
            "services.yandex.position: 2 is the position of 'google' too",
        ),
        (
            "services:\n  my-google: {provider: google}\n",
            "services.my-google.provider: 'google' can only be configured as 'google'",
        ),
        ("sites: []\n", "sites: must be a list with at least one site"),
        (
            "sites:\n- {id: s1, name: A, default: true, domains: [a.org]}\n"
            "- {id: s2, name: B, domains: [A.org]}\n",
            "sites[1].domains[0]: 'a.org' belongs to site",
        ),
        (
            "sites:\n- {id: s1, name: A, default: true, domains: ['not a host']}\n",
            "sites[0].domains[0]: 'not a host' is not a host name",
        ),
    ],
)
def test_single_problems(document: str, problem: str) -> None:
    lines = problems_of(document)
    assert any(line.startswith(problem) for line in lines), lines


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        (
            "services:\n  yandex: {enabled: true, settings: {client_id: 0123, client_secret: x}}\n",
            "services.yandex.settings.client_id: must be text (put numbers in quotes)",
        ),
        ("services:\n  google: {}\n  google: {}\n", "line 3: not valid YAML"),
        ("sites:\n- {id: common, name: A, default: true}\n", "sites[0].id: 'common' is reserved"),
        (
            "services:\n  yandex: {name: " + "x" * 101 + "}\n",
            "services.yandex.name: at most 100 characters",
        ),
        (
            "services:\n  google: {endpoints: {token_url: 'http://tokens.example.org/'}}\n",
            "services.google.endpoints.token_url: must be an https:// URL",
        ),
        (
            "services:\n  google: {endpoints: {token_url: 'https://u:p@tokens.example.org/'}}\n",
            "services.google.endpoints.token_url: must be an https:// URL",
        ),
        (
            "services:\n  google: {endpoints: {token_url: 'https://[::1/x'}}\n",
            "services.google.endpoints.token_url: must be an https:// URL",
        ),
        (
            "services:\n  office365:\n    enabled: true\n    settings: {client_id: a, "
            "client_secret: b, tenant: 'not a tenant!'}\n",
            "services.office365.settings: not accepted: tenant is not a tenant id",
        ),
        (
            "services:\n  telegram:\n    enabled: true\n    settings: {bot_username: x, "
            "bot_token: nonsense}\n",
            "services.telegram.settings: not accepted: bot_username",
        ),
        (
            "services:\n  apple:\n    enabled: true\n    settings: {client_id: a, team_id: "
            "ABCDE12345, key_id: ABCDE12345, private_key: not a key}\n",
            "services.apple.settings: not accepted: private_key is not a PEM EC key",
        ),
    ],
)
def test_values_the_service_would_refuse_are_refused_now(document: str, problem: str) -> None:
    lines = problems_of(document)
    assert any(line.startswith(problem) for line in lines), lines


def test_http_endpoints_on_this_machine_are_fine() -> None:
    import_configuration("services:\n  google: {endpoints: {token_url: 'http://127.0.0.1:9/t'}}\n")


def test_secrets_do_not_follow_a_service_pointed_elsewhere() -> None:
    import_configuration(EXAMPLE)
    public = yaml.safe_load(export_configuration(with_secrets=False))
    public["services"]["google"]["endpoints"] = {"token_url": "https://collector.example/token"}
    assert "services.google.settings.client_secret: required" in problems_of(
        yaml.safe_dump(public, sort_keys=False)
    )
    public["services"]["google"].pop("endpoints")
    public["services"]["google"]["settings"]["client_id"] = "someone-elses-client"
    assert "services.google.settings.client_secret: required" in problems_of(
        yaml.safe_dump(public, sort_keys=False)
    )


def test_services_without_position_keep_their_place_in_the_file() -> None:
    import_configuration("services:\n  github: {}\n  google: {position: 1}\n  yandex: {}\n")
    order = [s.service_id for s in site_services("s1")]
    assert order == ["google", "github", "yandex"]
    assert [s.position for s in site_services("s1")] == [1, 2, 3]


def test_removing_a_site_removes_its_own_service_settings() -> None:
    import_configuration(EXAMPLE)
    document = yaml.safe_load(EXAMPLE)
    document["sites"] = document["sites"][:1]
    document.pop("site_services")
    import_configuration(yaml.safe_dump(document, sort_keys=False))
    exported = yaml.safe_load(export_configuration(with_secrets=True))
    assert [site["id"] for site in exported["sites"]] == ["s1"]
    assert exported["site_services"] == {}


def test_profile_strings_are_stored_as_text() -> None:
    document = yaml.safe_load(EXAMPLE)
    document["sites"][0]["name"] = "<img src=x onerror=alert(1)>"
    import_configuration(yaml.safe_dump(document, sort_keys=False))
    assert "name: <img src=x onerror=alert(1)>" in export_configuration(with_secrets=False)


def test_command_line_round_trip(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "in.yaml"
    source.write_text(EXAMPLE)
    assert run(["config", "import", str(source)]) == 0
    assert "Imported 2 sites and 7 service settings." in capsys.readouterr().out
    target = tmp_path / "out.yaml"
    assert run(["config", "export", "--with-secrets", "-o", str(target)]) == 0
    assert target.read_text() == EXAMPLE
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert run(["services", "list", "--site", "s2", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [row["redirect_uri"] for row in listed] == [
        "https://blog.example.org/oauth/vkontakte/callback",
        "https://blog.example.org/oauth/telegram/callback",
    ]
    # s2's region is other, its Russian services shown anyway: VK is not hidden
    assert [(row["service"], row["hidden_by_region"]) for row in listed] == [
        ("vkontakte", False),
        ("telegram", False),
    ]
    assert all(row["offered"] == (row["enabled"] and row["configured"]) for row in listed)
    document = yaml.safe_load(EXAMPLE)
    document["sites"][1]["show_regional_services"] = False
    source.write_text(yaml.safe_dump(document, sort_keys=False))
    assert run(["config", "import", str(source)]) == 0
    capsys.readouterr()
    assert run(["services", "list", "--site", "s2", "--json"]) == 0
    vk = json.loads(capsys.readouterr().out)[0]
    assert (vk["service"], vk["offered"], vk["hidden_by_region"]) == ("vkontakte", False, True)
    assert run(["services", "list", "--site", "s2"]) == 0
    vk_line = capsys.readouterr().out.splitlines()[0].split("\t")
    assert vk_line[1] == "vkontakte" and vk_line[3].endswith(", hidden on this site: region")
    bad = tmp_path / "bad.yaml"
    bad.write_text("services:\n  facebok: {}\n")
    assert run(["config", "import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: services.facebok: unknown service")
    assert err.rstrip().endswith("Nothing was changed.")


def oidc_document(issuers: dict[str, str]) -> str:
    """A staff-sso service with an issuer per scope ("services" or a site id)."""

    def entry(issuer: str) -> dict[str, object]:
        return {"provider": "oidc", "endpoints": {"issuer": issuer}}

    document: dict[str, object] = {
        "sites": [
            {"id": "s1", "name": "Shop", "default": True},
            {
                "id": "s2",
                "name": "Blog",
                "domains": ["blog.example.org"],
                "individual_settings": True,
            },
        ]
    }
    if "services" in issuers:
        document["services"] = {"staff-sso": entry(issuers["services"])}
    sites = {
        scope: {"staff-sso": entry(url)} for scope, url in issuers.items() if scope != "services"
    }
    if sites:
        document["site_services"] = sites
    return yaml.safe_dump(document)


def test_one_service_id_has_one_issuer_in_every_scope() -> None:
    problems = problems_of(
        oidc_document({"services": "https://a.example.org", "s2": "https://b.example.org"})
    )
    assert any("one service id, one issuer" in line for line in problems), problems
    import_configuration(
        oidc_document({"services": "https://a.example.org", "s2": "https://a.example.org"})
    )


def test_the_issuer_of_linked_accounts_cannot_change() -> None:
    import_configuration(oidc_document({"services": "https://a.example.org"}))
    import_configuration(oidc_document({"services": "https://b.example.org"}))  # no links yet
    with session_scope() as session:
        user = create_user(session, login="alice", email=None, password=None)
        assert user.id is not None
        session.add(
            LinkedAccount(
                user_id=user.id,
                service_id="staff-sso",
                provider="oidc",
                issuer="https://b.example.org",
                external_id="7",
                site_id="s1",
            )
        )
    problems = problems_of(oidc_document({"services": "https://c.example.org"}))
    assert any(
        "'staff-sso' has linked accounts (1) from the issuer https://b.example.org" in line
        for line in problems
    ), problems
    import_configuration(oidc_document({"services": "https://b.example.org"}))  # unchanged: fine


def test_an_issuer_longer_than_its_column_is_recorded_exactly_as_a_digest() -> None:
    base = "https://a.example.org/" + "r" * 1900
    recorded = identity_issuer("oidc", {"issuer": base})
    assert recorded.startswith("sha256:") and len(recorded) < 100
    assert identity_issuer("oidc", {"issuer": base + "x"}) != recorded
    assert identity_issuer("oidc", {"issuer": "https://a.example.org"}) == "https://a.example.org"


# ------------------------------------- what the import checks as the editors do


SHOP = {"id": "s1", "name": "Shop", "default": True, "domains": ["shop.example.org"]}


def refused_unchanged(document: Mapping[str, Any]) -> list[str]:
    """The lines an import of ``document`` is refused with; nothing was stored."""
    before = export_configuration(with_secrets=True)
    lines = problems_of(yaml.safe_dump(document, sort_keys=False))
    assert export_configuration(with_secrets=True) == before
    return lines


def test_host_names_longer_than_their_column_together_are_refused() -> None:
    import_configuration(EXAMPLE)
    hosts = [f"host{number:02}.{'a' * 50}.example.org" for number in range(40)]  # 2,719
    blog = {"id": "s2", "name": "Blog", "domains": hosts}
    assert refused_unchanged({"sites": [SHOP, blog]}) == [
        "sites[1].domains: at most 2000 characters"
    ]


def test_one_host_name_longer_than_a_host_name_can_be_is_refused() -> None:
    too_long = ".".join(["a" * 60] * 5)  # 304 characters, each label fine
    site = {**SHOP, "domains": [too_long]}
    assert refused_unchanged({"sites": [site]}) == [
        f"sites[0].domains[0]: '{too_long}' is not a host name"
    ]


def test_a_host_name_given_twice_in_one_site_says_so() -> None:
    site = {**SHOP, "domains": ["shop.example.org", "Shop.example.org"]}
    assert refused_unchanged({"sites": [site]}) == [
        "sites[0].domains[1]: 'shop.example.org' appears twice"
    ]


@pytest.mark.parametrize(
    ("document", "line"),
    [
        ({"sites": [{**SHOP, "name": "Sh\x01op"}]}, "sites[0].name"),
        ({"services": {"yandex": {"name": "Yan\x7fdex"}}}, "services.yandex.name"),
        (
            {"services": {"yandex": {"settings": {"client_id": "yandex\tclient"}}}},
            "services.yandex.settings.client_id",
        ),
        (
            {"services": {"yandex": {"settings": {"client_id": "y", "client_secret": "a\x00"}}}},
            "services.yandex.settings.client_secret",
        ),
    ],
)
def test_invisible_characters_are_refused(document: Mapping[str, Any], line: str) -> None:
    assert refused_unchanged(document) == [f"{line}: {INVISIBLE}"]


def test_a_multi_line_setting_may_hold_lines_but_no_other_control_character() -> None:
    key = "-----BEGIN PRIVATE KEY-----\n\tnot a key\n-----END PRIVATE KEY-----"
    import_configuration(
        yaml.safe_dump({"services": {"apple": {"settings": {"private_key": key}}}})
    )
    document = {"services": {"apple": {"settings": {"private_key": key.replace("\t", "\v")}}}}
    assert refused_unchanged(document) == [f"services.apple.settings.private_key: {INVISIBLE}"]


def test_complete_settings_of_a_switched_off_service_are_checked_too() -> None:
    """As in the editor: complete settings could be tried from the services page."""
    telegram = {"enabled": False, "settings": {"bot_username": "b", "bot_token": "nonsense"}}
    assert refused_unchanged({"services": {"telegram": telegram}}) == [
        "services.telegram.settings: not accepted: bot_username is not a bot's username",
        "services.telegram.settings: not accepted: bot_token is not a bot token",
    ]
    import_configuration(  # incomplete: nothing to ask the service about yet
        yaml.safe_dump({"services": {"telegram": {"settings": {"bot_username": "b"}}}})
    )


def test_required_is_not_said_of_a_value_that_could_not_be_read() -> None:
    yandex = {"enabled": True, "settings": {"client_id": 123, "client_secret": "s"}}
    assert refused_unchanged({"services": {"yandex": yandex}}) == [
        "services.yandex.settings.client_id: must be text (put numbers in quotes)"
    ]


def test_an_added_service_may_go_without_a_name_in_the_file() -> None:
    """Unlike the editor, which asks for one: here the button keeps the provider's title."""
    import_configuration(yaml.safe_dump({"services": {"staff-sso": {"provider": "oidc"}}}))
    assert "staff-sso:\n    provider: oidc\n" in export_configuration(with_secrets=False)
