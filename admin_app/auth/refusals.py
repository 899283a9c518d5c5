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


#: refusals the same visitor meets again at once: a "Try again" button would only repeat
#: them (the page offers the password or the profile instead)
FINAL_REFUSALS = frozenset(
    {
        "user_blocked",
        "auth_denied_group",
        "email_exists",
        "registration_closed",
        "not_that_account",
        "address_unprovable",
        "provider:misconfigured",
        "provider:missing_id",
        "provider:invalid_id",
    }
)


def retry_can_succeed(reason: str) -> bool:
    """Whether signing in with the service again right now may end otherwise."""
    return reason not in FINAL_REFUSALS


def problem_message(reason: str) -> str:
    """The message id for a reason code; unknown codes get a general message."""
    if reason.startswith("provider:"):
        return ERROR_MESSAGES.get(reason.removeprefix("provider:"), UNKNOWN_PROBLEM)
    return REFUSALS.get(reason, UNKNOWN_PROBLEM)


# a service's address that already has an account; a service that gave no address (H4)
REFUSALS.update(
    {
        "held_gone": N_(
            "This step has expired (it works for one hour) or was already finished. Please "
            "sign in with {service} again."
        ),
        "held_other_browser": N_(
            "Please finish in the browser where you began signing in with {service}: this "
            "page works only there."
        ),
        "not_that_account": N_(
            "This {service} account is not linked to the account with that address. Sign in "
            "with the account's password or with a service linked to it."
        ),
        "address_unprovable": N_(
            "Registering with {service} needs an e-mail address, and this site cannot send "
            "the message that confirms one right now. Please try again later, or tell the "
            "administrator."
        ),
        "profile_link_other_browser": N_(
            "This link works only in the browser where you began signing in with the "
            "service. Please open it there (copy it into that browser's address bar)."
        ),
        "profile_link_used": N_("This link was already used."),
        "profile_link_expired": N_(
            "This link has expired (it works for one hour). Please sign in with the service again."
        ),
        "profile_link_unknown": N_(
            "This link is not valid. Please check that you copied all of it, or sign in with "
            "the service again."
        ),
    }
)
