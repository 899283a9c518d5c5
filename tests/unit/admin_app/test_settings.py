"""Settings come from SOCIALSERVICES_ variables; a bad one is named in one line."""

from __future__ import annotations

import socket
import stat
from pathlib import Path

import pytest

from admin_app.core import startup
from admin_app.core.settings import SettingsError, load_settings


def test_relative_data_dir_is_made_absolute(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SOCIALSERVICES_DATA_DIR", "relative/dir")
    assert load_settings().data_dir == tmp_path / "relative" / "dir"


def test_defaults(isolated_settings: Path) -> None:
    settings = load_settings()
    assert settings.data_dir == isolated_settings
    assert (settings.host, settings.port) == ("127.0.0.1", 8080)
    assert settings.base_url == "http://127.0.0.1:8080"
    assert settings.sqlalchemy_url == f"sqlite:///{isolated_settings / 'socialservices.db'}"
    assert settings.redis_url == ""


@pytest.mark.parametrize(
    "given", ["https://id.example.org", " HTTPS://ID.example.org/ ", "https://id.example.org:443"]
)
def test_public_url_builds_absolute_urls_behind_a_proxy(
    monkeypatch: pytest.MonkeyPatch, given: str
) -> None:
    monkeypatch.setenv("SOCIALSERVICES_PUBLIC_URL", given)
    settings = load_settings()
    assert settings.absolute_url("/oauth/google/callback").lower().replace(":443", "") == (
        "https://id.example.org/oauth/google/callback"
    )
    assert settings.is_https  # so the session cookie is Secure


def test_listening_everywhere_still_prints_a_usable_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SOCIALSERVICES_HOST", "0.0.0.0")
    assert load_settings().base_url == "http://127.0.0.1:8080"
    monkeypatch.setenv("SOCIALSERVICES_HOST", "::1")
    assert load_settings().base_url == "http://[::1]:8080"


def test_without_public_url_the_server_address_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOCIALSERVICES_PORT", "9000")
    assert load_settings().absolute_url("login") == "http://127.0.0.1:9000/login"


def test_secret_key_is_generated_once_with_owner_only_access(isolated_settings: Path) -> None:
    settings = load_settings()
    settings.prepare_data_dir()
    first = settings.resolved_secret_key()
    key_file = isolated_settings / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert load_settings().resolved_secret_key() == first
    assert len(first) >= 32


def test_secret_key_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, isolated_settings: Path
) -> None:
    monkeypatch.setenv("SOCIALSERVICES_SECRET_KEY", "x" * 40)
    assert load_settings().resolved_secret_key() == "x" * 40
    assert not (isolated_settings / "secret_key").exists()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PUBLIC_URL", "ftp://example.org", "SOCIALSERVICES_PUBLIC_URL: must be an http"),
        ("PUBLIC_URL", "https://", "SOCIALSERVICES_PUBLIC_URL: must be an http"),
        ("PUBLIC_URL", "https://x.org/auth?", "SOCIALSERVICES_PUBLIC_URL: must not have a query"),
        ("PUBLIC_URL", "https://x.org#", "SOCIALSERVICES_PUBLIC_URL: must not have a query"),
        ("PUBLIC_URL", "https://u:p@x.org", "SOCIALSERVICES_PUBLIC_URL: must not have a query"),
        ("PUBLIC_URL", "https://x.org:99999", "SOCIALSERVICES_PUBLIC_URL: has an invalid port"),
        ("PUBLIC_URL", "https://x.org/auth", "SOCIALSERVICES_PUBLIC_URL: must not have a path"),
        ("PUBLIC_URL", "https://x .org", "SOCIALSERVICES_PUBLIC_URL: must be an http"),
        ("HOST", "", "SOCIALSERVICES_HOST: must be an IP address or a host name"),
        ("HOST", "[::1]", "SOCIALSERVICES_HOST: must be an IP address or a host name"),
        ("DATA_DIR", "   ", "SOCIALSERVICES_DATA_DIR: must name a directory"),
        ("SECRET_KEY", "                    ", "SOCIALSERVICES_SECRET_KEY: must be at least 16"),
        ("SECRET_KEY", "short", "SOCIALSERVICES_SECRET_KEY: must be at least 16"),
        ("PORT", "eighty", "SOCIALSERVICES_PORT: must be a whole number"),
        ("PORT", "70000", "SOCIALSERVICES_PORT: must be between 1 and 65535"),
        ("REDIS_URL", "http://localhost", "SOCIALSERVICES_REDIS_URL: must be a redis://"),
        (
            "METRICS_ADDRESSES",
            "10.0.0.0/8, prometheus.lan",
            "SOCIALSERVICES_METRICS_ADDRESSES: 'prometheus.lan' is no address or network",
        ),
    ],
)
def test_bad_values_name_the_setting(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(f"SOCIALSERVICES_{name}", value)
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert str(error.value).startswith(message)
    assert "\n" not in str(error.value)


def test_metrics_addresses_are_networks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOCIALSERVICES_METRICS_ADDRESSES", " 10.0.0.5 , 192.0.2.0/24,,::1 ")
    settings = load_settings()
    assert settings.metrics_addresses == "10.0.0.5,192.0.2.0/24,::1"
    assert [str(network) for network in settings.metrics_networks] == [
        "10.0.0.5/32",
        "192.0.2.0/24",
        "::1/128",
    ]


def test_malformed_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOCIALSERVICES_DATABASE_URL", "oracle://scott@db/orcl")
    with pytest.raises(SettingsError, match=r"^SOCIALSERVICES_DATABASE_URL: unsupported database"):
        startup.prepare(load_settings())


def test_unreachable_database(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("SOCIALSERVICES_DATABASE_URL", f"postgresql://postgres@127.0.0.1:{port}/x")
    with pytest.raises(SettingsError, match=r"^SOCIALSERVICES_DATABASE_URL: cannot connect: "):
        startup.prepare(load_settings())


def test_unwritable_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("SOCIALSERVICES_DATA_DIR", str(blocker / "data"))
    with pytest.raises(SettingsError, match=r"^SOCIALSERVICES_DATA_DIR: .* is not a writable"):
        startup.prepare(load_settings())


def test_port_in_use() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        settings = load_settings().model_copy(update={"port": taken.getsockname()[1]})
        with pytest.raises(SettingsError, match=r"^SOCIALSERVICES_PORT: .* is already in use"):
            startup.check_port_free(settings)


def test_unreachable_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOCIALSERVICES_REDIS_URL", "redis://127.0.0.1:1/0")
    with pytest.raises(SettingsError, match=r"^SOCIALSERVICES_REDIS_URL: cannot connect"):
        startup.check_redis(load_settings())
