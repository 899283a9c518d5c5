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
}

UNKNOWN = N_("The application's request cannot be served.")


def problem_message(reason: str) -> str:
    return PROBLEMS.get(reason, UNKNOWN)
