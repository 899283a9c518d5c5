"""When a registered address is proven ("before" or "later") and whether a service's
newcomer must give one: the admin page saves them (audited), the configuration file
carries them both ways and refuses what they cannot be."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from nicegui.testing import User

from admin_app.admin.rules import registration_rules
from admin_app.core import startup
from admin_app.core.settings import load_settings
from admin_app.pages.admin import registration as admin_registration
from admin_app.services.config_file import (
    ConfigFileError,
    export_configuration,
    import_configuration,
)
from models import audit
from models.db import session_scope
from tests.support.accounts import RETRIES, add_user, sign_in


def registration_section(**values: Any) -> str:
    section = {
        "allow_self_registration": True,
        "allow_social_registration": True,
        "denied_auth_groups": [],
        "denied_link_groups": [],
        **values,
    }
    return yaml.safe_dump({"registration": section})


async def test_the_admin_page_saves_the_options_audited(user: User) -> None:
    admin_registration.register()
    add_user("root", admin=True)
    await sign_in(user, "root")
    await user.should_see(marker="signed-in-user", retries=RETRIES)
    await user.open("/admin/registration")
    await user.should_see("When a registered e-mail address is confirmed", retries=RETRIES)
    version = registration_rules().version
    radio: Any = user.find(marker="email-verification").elements.pop()
    assert radio.value == "before"
    radio.set_value("later")
    user.find(marker="require-email").click()
    user.find(marker="registration-save").click()
    await user.should_see("Saved.", retries=RETRIES)
    rules = registration_rules()
    assert (rules.email_verification, rules.require_email, rules.version) == (
        "later",
        True,
        version + 1,
    )
    with session_scope() as session:
        [entry] = audit.entries(session)
    assert (entry.action, entry.details) == (
        "registration.update",
        {"email_verification": "later", "require_email": True},
    )
    await user.open("/admin/registration")  # shown as stored
    radio = user.find(marker="email-verification").elements.pop()
    assert radio.value == "later"


@pytest.fixture
def installation(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOCIALSERVICES_DATABASE_URL", database_url)
    startup.prepare(load_settings())


@pytest.mark.usefixtures("installation")
def test_the_configuration_file_carries_the_options_both_ways() -> None:
    exported = yaml.safe_load(export_configuration(with_secrets=False))["registration"]
    assert (exported["email_verification"], exported["require_email"]) == ("before", False)
    import_configuration(registration_section(email_verification="later", require_email=True))
    document = export_configuration(with_secrets=False)
    exported = yaml.safe_load(document)["registration"]
    assert (exported["email_verification"], exported["require_email"]) == ("later", True)
    import_configuration(document)  # what was written reads back the same
    assert export_configuration(with_secrets=False) == document
    import_configuration(registration_section())  # absent from the section: the defaults
    rules = registration_rules()
    assert (rules.email_verification, rules.require_email) == ("before", False)


@pytest.mark.usefixtures("installation")
def test_the_configuration_file_refuses_what_they_cannot_be() -> None:
    with pytest.raises(ConfigFileError) as error:
        import_configuration(registration_section(email_verification="never", require_email="yes"))
    assert [problem.line() for problem in error.value.problems] == [
        "registration.require_email: must be true or false",
        "registration.email_verification: must be one of: before, later",
    ]
    rules = registration_rules()
    assert (rules.email_verification, rules.require_email) == ("before", False)
