"""Why a round trip to an external service ended without success, in words a visitor
reads: our own refusals and the provider's errors. The problem pages show these by code
only, so that nothing a provider sends is shown as it came."""

from __future__ import annotations

from admin_app.core.i18n import N_
from providers.base import ERROR_MESSAGES

#: why a round trip ended without success; the problem page shows these (by code only)
REFUSALS = {
    "service_unavailable": N_("This service is not available on this site."),
    "state_invalid": N_(
        "This sign-in has expired, was already used, or was started in another browser. "
        "Please try again."
    ),
    "user_blocked": N_("This account is blocked."),
    "auth_denied_group": N_(
        "Your account may not sign in with external services. Please sign in with your "
        "login and password."
    ),
    "email_exists": N_(
        "An account with the e-mail address that {service} gave already exists. If it is "
        "yours, sign in with your password and link {service} on your profile page."
    ),
    "registration_closed": N_(
        "Only accounts linked beforehand can sign in with {service}. Sign in with your "
        "password and link {service} on your profile page first."
    ),
    "link_denied": N_("Your account may not link external services."),
    "linked_elsewhere": N_("This {service} account is already linked to another user."),
    "not_signed_in": N_("Please sign in first: linking needs the account to link to."),
    "link_session_changed": N_(
        "You signed out, or signed in as someone else, while linking. Please try again."
    ),
}


UNKNOWN_PROBLEM = N_("Something went wrong with this service. Please try again.")


def problem_message(reason: str) -> str:
    """The message id for a reason code; unknown codes get a general message."""
    if reason.startswith("provider:"):
        return ERROR_MESSAGES.get(reason.removeprefix("provider:"), UNKNOWN_PROBLEM)
    return REFUSALS.get(reason, UNKNOWN_PROBLEM)
