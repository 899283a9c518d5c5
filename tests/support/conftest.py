"""Fixtures for the tests of the test OpenID Connect provider, which run with the
end-to-end tests (`make test-e2e`): the provider, the callback catcher, Chromium."""

from __future__ import annotations

from tests.support.callback_catcher import callback
from tests.support.chromium import browser_type_launch_args
from tests.support.oidc_provider import oidc_provider_factory

__all__ = ["browser_type_launch_args", "callback", "oidc_provider_factory"]
