"""Texts for errors that several pages and commands show."""

from __future__ import annotations

from collections.abc import Callable

from admin_app.core.i18n import N_, _
from models.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from models.users import UserDataError

USER_DATA_ERRORS = {
    "login_invalid": N_(
        "A login has 3 to 100 characters: letters, digits and . _ @ + - (starting with a"
        " letter or digit)."
    ),
    "email_invalid": N_("This is not a valid e-mail address."),
    "password_length": N_("A password has {min} to {max} characters."),
    "login_taken": N_("This login is already taken."),
    "email_taken": N_("This e-mail address belongs to another user."),
}


def user_data_error_text(error: UserDataError, translate: Callable[[str], str] = _) -> str:
    """The error in the reader's language: the page's, unless ``translate`` is given."""
    return translate(USER_DATA_ERRORS[error.code]).format(
        min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH
    )


#: why a link from a letter does nothing (``models.mail_links.LinkRefusal``'s values)
LINK_REFUSALS = {
    "unknown": N_(
        "This link is not valid: it may have been altered or cut short. Copy the whole link"
        " from the letter, or ask for a new one."
    ),
    "used": N_("This link was used already: each link works once. Ask for a new one if needed."),
    "expired": N_("This link has expired. Ask for a new one."),
    "other_browser": N_("This link must be opened in the browser where you started."),
    "wrong_purpose": N_("This link is not for this page."),
}
