"""What the provider role keeps: secrets sealed, tokens only as digests, the config file.

A database dump must give away no client secret, signing key, code or token."""

from __future__ import annotations

from datetime import timedelta

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet
from nicegui.testing import User
from sqlalchemy import text
from sqlmodel import select

from admin_app.admin import encryption, housekeeping
from admin_app.provider import signing
from admin_app.services.config_file import (
    ConfigFileError,
    export_configuration,
    import_configuration,
)
from models import provider_grants
from models.db import session_scope
from models.provider_grants import Kind
from models.tables import AuditEntry, utcnow
from models.token_cipher import PREFIX
from tests.support.accounts import RETRIES, add_user, sign_in
from tests.support.command_line import cli

SECRET = "a-client-secret-of-at-least-32-chars"
SHOP = f"""
applications:
- id: shop
  site: s1
  name: Shop
  client_id: shop-client
  client_secret: {SECRET}
  redirect_uris: [https://shop.example.org/callback]
"""


@pytest.fixture(autouse=True)
def on_the_runs_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite, or PostgreSQL under ``make test-pg``."""
    monkeypatch.setenv("SOCIALSERVICES_DATABASE_URL", database_url)


def column(sql: str) -> list[str]:
    with session_scope() as session:
        return [str(value) for value in session.connection().execute(text(sql)).scalars()]


def enable_encryption() -> None:
    encryption.enable()
    encryption.run_pass()


async def test_secrets_and_signing_keys_are_sealed_and_the_export_still_has_them(
    user: User,
) -> None:
    import_configuration(SHOP)
    signing.jwks()  # the first keys
    enable_encryption()
    stored = column("SELECT client_secret FROM applications")
    keys = column("SELECT private_key FROM signing_keys")
    assert stored[0].startswith(PREFIX) and SECRET not in stored[0]
    assert keys and all(key.startswith(PREFIX) and "PRIVATE KEY" not in key for key in keys)
    assert f"client_secret: {SECRET}" in export_configuration(with_secrets=True)
    assert SECRET not in export_configuration(with_secrets=False)
    # an export without secrets imports again, keeping the secret
    import_configuration(export_configuration(with_secrets=False))
    assert f"client_secret: {SECRET}" in export_configuration(with_secrets=True)


async def test_codes_and_tokens_are_kept_only_as_digests(user: User) -> None:
    add_user("alice")
    await sign_in(user, "alice")
    await user.should_see(marker="profile-login", retries=RETRIES)
    import_configuration(SHOP.replace("https://shop.example.org/callback", "http://127.0.0.1:9/cb"))
    response = await user.http_client.get(
        "/oidc/authorize",
        params={
            "response_type": "code",
            "client_id": "shop-client",
            "redirect_uri": "http://127.0.0.1:9/cb",
            "scope": "openid",
        },
    )
    code = response.headers["location"].split("code=")[1].split("&")[0]
    tokens = (
        await user.http_client.post(
            "/oidc/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": "http://127.0.0.1:9/cb",
            },
            auth=("shop-client", SECRET),
        )
    ).json()
    stored = " ".join(column("SELECT token_hash FROM provider_tokens"))
    for value in (code, tokens["access_token"], tokens["refresh_token"]):
        assert value not in stored


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            "redirect_uris: [http://shop.example.org/cb]",
            "applications[0].redirect_uris[0]: https://",
        ),
        ("redirect_uris: ['https://shop.example.org/*']", "without credentials or wildcards"),
        ("redirect_uris: ['https://shop.example.org/cb#x']", "without a #fragment"),
        ("redirect_uris: []", "applications[0].redirect_uris: required"),
        ("site: s9", "applications[0].site: no such site"),
        ("kind: secretive", "applications[0].kind: confidential, public or proxy"),
        ("client_secret: short", "applications[0].client_secret: at least 32 characters"),
        ("allowed_groups: [nobody]", "no such group: nobody"),
    ],
)
async def test_an_application_the_rules_refuse_is_not_imported(
    user: User, change: str, problem: str
) -> None:
    key = change.split(":")[0]
    lines = [line for line in SHOP.splitlines() if not line.strip().startswith(key + ":")]
    document = "\n".join(lines) + f"\n  {change}\n"
    with pytest.raises(ConfigFileError) as error:
        import_configuration(document)
    assert any(problem in line.line() for line in error.value.problems), error.value
    assert column("SELECT id FROM applications") == []


async def test_a_new_confidential_application_must_bring_its_secret(user: User) -> None:
    document = SHOP.replace(f"  client_secret: {SECRET}\n", "")
    with pytest.raises(ConfigFileError) as error:
        import_configuration(document)
    assert "applications[0].client_secret: required" in str(error.value)


async def test_rotate_key_signs_with_a_new_key_and_keeps_the_old_one_published(
    user: User, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = {key["kid"] for key in signing.jwks()["keys"]}
    code, out, err = cli(capsys, monkeypatch, "oidc", "rotate-key")
    assert code == 0, err
    after = {key["kid"] for key in signing.jwks()["keys"]}
    new = after - before
    assert before < after and len(new) == 2  # an RS256 and an ES256 key
    assert all(kid in out for kid in new) and "stays published until" in out
    with session_scope() as session:
        token = signing.sign(session, {"sub": "1"})
    assert jwt.decode(token, KeySet.import_key_set(signing.jwks())).header["kid"] in new
    with session_scope() as session:
        actions = [row.action for row in session.exec(select(AuditEntry))]
    assert "oidc.rotate_key" in actions


async def test_housekeeping_deletes_expired_codes_and_tokens(user: User) -> None:
    import_configuration(SHOP)
    with session_scope() as session:
        user_id = add_user("alice")
        grant = provider_grants.new_grant(
            session,
            application_id="shop",
            user_id=user_id,
            scope="openid",
            nonce=None,
            auth_time=utcnow(),
            session_hash="",
        )
        provider_grants.issue(session, grant, Kind.CODE, timedelta(seconds=-1))
        provider_grants.issue(session, grant, Kind.REFRESH, timedelta(days=1))
    purged = housekeeping.run_round()
    assert purged.provider_tokens == 1
    assert column("SELECT kind FROM provider_tokens") == ["refresh"]
