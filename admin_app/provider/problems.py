"""Why a request of an application could not be answered to it, in words a person reads.

These are the problems that must not go back to the application (the request names no
application we know, or a return address it did not register), so our own page shows
them, chosen by code only: nothing from the request is shown."""

from __future__ import annotations

from admin_app.core.i18n import N_

PROBLEMS = {
    "unknown_client": N_(
        "The application that sent you here is not registered on this site. Tell its administrator."
    ),
    "unknown_redirect_uri": N_(
        "The application that sent you here asked to be answered at an address it has not "
        "registered on this site. Tell its administrator."
    ),
    "request_too_long": N_("The application's request is too long to be served."),
    "invalid_id_token_hint": N_(
        "The application asked to sign you out with a token this site did not issue."
    ),
    "unknown_post_logout_uri": N_(
        "The application asked to send you after signing out to an address it has not "
        "registered on this site."
    ),
    "unknown_host": N_(
        "The address you were going to is not an application of this site, so you are not "
        "sent there. Tell its administrator."
    ),
    "bad_return_address": N_("The address you were going to is not one you can be sent to."),
    "bad_code": N_(
        "This sign-in link has expired or was already used. Open the application's address again."
    ),
}

#: why a signed-in person may not use an application (``policy.application_refusal``)
REFUSALS = {
    "user_blocked": N_("Your account is blocked."),
    "auth_denied_group": N_("Your account may not sign in through this site."),
    "application_denied": N_(
        "{application} is only for members of certain groups, and your account {login} is "
        "not among them. Ask the site's administrator for access."
    ),
}

UNKNOWN = N_("The application's request cannot be served.")


def problem_message(reason: str) -> str:
    return PROBLEMS.get(reason, UNKNOWN)


def refusal_message(reason: str) -> str:
    return REFUSALS.get(reason, REFUSALS["application_denied"])
