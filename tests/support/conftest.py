"""Fixtures for the tests of the test OpenID Connect provider and of the Apache relying
party, which run with the end-to-end tests (`make test-e2e`): the provider, Apache with
mod_auth_openidc, the callback catcher, Chromium."""

from __future__ import annotations

from tests.support.apache_rp import apache_rp_factory
from tests.support.callback_catcher import callback
from tests.support.chromium import browser_type_launch_args
from tests.support.oidc_provider import oidc_provider_factory

__all__ = ["apache_rp_factory", "browser_type_launch_args", "callback", "oidc_provider_factory"]
