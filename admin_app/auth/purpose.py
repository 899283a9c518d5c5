"""Why a round trip to an external service was started: it decides which flow its
callback goes to (``social_callback``)."""

from __future__ import annotations

from enum import StrEnum


class Purpose(StrEnum):
    """Stored by its value in the round trip's row (``oauth_states.purpose``): the values
    must stay as they are while unfinished round trips may hold them."""

    LOGIN = "login"  # sign in, or register a new person (social_sign_in)
    LINK = "link"  # link to the signed-in account (social_link)
    TRY = "try"  # an administrator's "Try it" (social_try)
    #: sign in to the account that already has the address a service gave, to link that
    #: service to it (existing_account); the column holds at most 10 characters
    CONFIRM = "confirm"
