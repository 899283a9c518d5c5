"""What a new password must be, wherever one is chosen (registration, a reset link; the
profile's change): the length ``models.users.check_password`` enforces,
typed the same twice, and not the account's own login or e-mail address (the first
thing anyone guesses). The problems are added to the caller's form, each at its field.
"""

from __future__ import annotations

from admin_app.core.form_problems import Problems
from admin_app.core.i18n import N_
from models.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from models.users import UserDataError, check_password

LENGTH = N_("A password has {min} to {max} characters.")
DIFFER = N_("The two passwords differ.")
GUESSABLE = N_("A password may not be your login or e-mail address.")


def _guessable(password: str, login: str, email: str) -> bool:
    typed = password.strip().casefold()
    local_part = email.partition("@")[0]
    return typed in {value.strip().casefold() for value in (login, email, local_part) if value}


def check_new_password(
    problems: Problems,
    new: str,
    repeat: str,
    *,
    login: str = "",
    email: str = "",
    field: str = "new_password",
    repeat_field: str = "repeat_password",
) -> None:
    """Add what is wrong with ``new`` (and its repetition) to ``problems``."""
    try:
        check_password(new)
    except UserDataError:
        problems.add(field, LENGTH, min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH)
    else:
        if _guessable(new, login, email):
            problems.add(field, GUESSABLE)
    if new != repeat:
        problems.add(repeat_field, DIFFER)
