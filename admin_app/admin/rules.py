"""Use cases of three small admin areas: registration rules, activity, token encryption.

Each form is read with the version it shows and saved in one administrator action that
re-checks the administrators group, claims that version (refusing a stale form) and
writes one audit entry naming the changed fields with their new values (none of them is
secret). A value that cannot be stored raises ``RuleFormError`` naming the form field, so
that the page shows the message next to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from admin_app.activity.delivery_problems import TURNED_OFF
from admin_app.admin.builtin_names import group_name
from admin_app.auth.admin_access import administrator_action
from admin_app.auth.policy import EMAIL_VERIFICATION_MODES, VERIFY_BEFORE
from admin_app.core.form_problems import FormError
from admin_app.core.i18n import N_
from admin_app.services.config_file import HASHTAG
from models import outbox
from models.db import session_scope
from models.options import (
    DENIED_AUTH,
    DENIED_LINK,
    activity_options,
    denied_group_codes,
    group_codes,
    registration_options,
    set_denied_groups,
)
from models.user_queries import list_groups
from models.users import REGISTERED
from models.versions import claim

#: the group new users join: denying it sign-in closes registration through services
NEW_USERS_GROUP = REGISTERED


# The later encryption issue turns this on (and moves it where tokens are written).
class RuleFormError(FormError):
    """A registration or activity form cannot be saved; the fields are
    ``denied_auth_groups``, ``denied_link_groups``, ``email_verification`` and
    ``hashtags``."""


class _Unchanged(Exception):
    """Raised inside an action to roll it back (with its audit entry) when nothing changed."""


# ------------------------------------------------------------------ registration


@dataclass(frozen=True)
class GroupChoice:
    code: str
    name: str


@dataclass(frozen=True)
class RegistrationRules:
    """The registration form; ``version`` is the one it was read at."""

    allow_self_registration: bool
    allow_social_registration: bool
    denied_auth_groups: tuple[str, ...]  # group codes
    denied_link_groups: tuple[str, ...]
    version: int
    #: a registered address is proven "before" the first sign-in, or "later"
    email_verification: str = VERIFY_BEFORE
    #: a newcomer through a service that gives no address must give and prove one
    require_email: bool = False


def all_groups() -> list[GroupChoice]:
    """Every group by name, for the denial lists (groups are few: no paging)."""
    with session_scope() as db_session:
        return [
            GroupChoice(group.code, group_name(group.code, group.name))
            for group in list_groups(db_session)
        ]


def _read_registration(db_session: Session) -> RegistrationRules:
    options = registration_options(db_session)
    return RegistrationRules(
        allow_self_registration=options.allow_self_registration,
        allow_social_registration=options.allow_social_registration,
        denied_auth_groups=tuple(denied_group_codes(db_session, DENIED_AUTH)),
        denied_link_groups=tuple(denied_group_codes(db_session, DENIED_LINK)),
        version=options.version,
        email_verification=options.email_verification,
        require_email=options.require_email,
    )


def registration_rules() -> RegistrationRules:
    with session_scope() as db_session:
        return _read_registration(db_session)


def _changes(before: Any, after: Any, names: Iterable[str]) -> dict[str, Any]:
    """The fields whose values differ, with the new values (lists for the audit's JSON)."""
    changed: dict[str, Any] = {}
    for name in names:
        new = getattr(after, name)
        if getattr(before, name) != new:
            changed[name] = list(new) if isinstance(new, tuple) else new
    return changed


def save_registration(wanted: RegistrationRules) -> RegistrationRules:
    """Store the form as it was filled in over ``wanted.version``; returns what is stored.

    Raises NotAnAdministratorError, StaleEditError or RuleFormError, changing nothing then.
    Saving an unchanged form writes nothing (and no audit entry).
    """
    wanted = RegistrationRules(
        allow_self_registration=wanted.allow_self_registration,
        allow_social_registration=wanted.allow_social_registration,
        denied_auth_groups=tuple(sorted({str(code) for code in wanted.denied_auth_groups})),
        denied_link_groups=tuple(sorted({str(code) for code in wanted.denied_link_groups})),
        version=wanted.version,
        email_verification=wanted.email_verification,
        require_email=bool(wanted.require_email),
    )
    names = (
        "allow_self_registration",
        "allow_social_registration",
        "denied_auth_groups",
        "denied_link_groups",
        "email_verification",
        "require_email",
    )
    details: dict[str, Any] = {}  # filled in below; recorded when the block ends
    try:
        with administrator_action("registration.update", "registration", details) as db_session:
            known = group_codes(db_session)
            for field_name in ("denied_auth_groups", "denied_link_groups"):
                for code in getattr(wanted, field_name):
                    if code not in known:
                        raise RuleFormError.single(
                            field_name,
                            N_("The group '{value}' no longer exists: reload the page."),
                            value=code,
                        )
            if wanted.email_verification not in EMAIL_VERIFICATION_MODES:
                raise RuleFormError.single(
                    "email_verification", N_("Choose when a registered address is confirmed.")
                )
            options = registration_options(db_session)
            claim(db_session, options, expected=wanted.version)
            before = _read_registration(db_session)
            details.update(_changes(before, wanted, names))
            if not details:
                raise _Unchanged
            options.allow_self_registration = wanted.allow_self_registration
            options.allow_social_registration = wanted.allow_social_registration
            options.email_verification = wanted.email_verification
            options.require_email = wanted.require_email
            db_session.add(options)
            set_denied_groups(db_session, DENIED_AUTH, wanted.denied_auth_groups)
            set_denied_groups(db_session, DENIED_LINK, wanted.denied_link_groups)
            db_session.flush()
            return _read_registration(db_session)
    except _Unchanged:
        return registration_rules()


# ---------------------------------------------------------------------- activity


@dataclass(frozen=True)
class ActivitySettings:
    """The activity form; ``version`` is the one it was read at."""

    send_activity: bool
    hashtags: tuple[str, ...] = field(default_factory=tuple)
    version: int = 1


def normalise_hashtag(text: str, existing: Sequence[str] = ()) -> str:
    """``text`` as a stored hashtag ("#word"), checked like the configuration file's.

    Raises RuleFormError("hashtags", ...) for an empty or malformed tag, or one already in
    ``existing`` whatever its letter case.
    """
    tag = text.strip()
    if not tag:
        raise RuleFormError.single("hashtags", N_("Type a hashtag first."))
    if not HASHTAG.fullmatch(tag):
        raise RuleFormError.single(
            "hashtags",
            N_(
                "'{value}' is not a hashtag: use up to 100 letters, digits or _,"
                " optionally after #."
            ),
            value=tag,
        )
    tag = "#" + tag.lstrip("#")
    if tag.casefold() in {other.casefold() for other in existing}:
        raise RuleFormError.single("hashtags", N_("'{value}' is in the list already."), value=tag)
    return tag


def _read_activity(db_session: Session) -> ActivitySettings:
    options = activity_options(db_session)
    return ActivitySettings(
        send_activity=options.send_activity,
        hashtags=tuple(options.hashtags),
        version=options.version,
    )


def activity_settings() -> ActivitySettings:
    with session_scope() as db_session:
        return _read_activity(db_session)


def save_activity(wanted: ActivitySettings) -> ActivitySettings:
    """Store the form as it was filled in over ``wanted.version``; returns what is stored.

    Raises NotAnAdministratorError, StaleEditError or RuleFormError, changing nothing then.
    """
    details: dict[str, Any] = {}  # filled in below; recorded when the block ends
    try:
        with administrator_action("activity.update", "activity", details) as db_session:
            hashtags: list[str] = []
            for tag in wanted.hashtags:
                hashtags.append(normalise_hashtag(tag, hashtags))
            wanted = ActivitySettings(wanted.send_activity, tuple(hashtags), wanted.version)
            options = activity_options(db_session)
            claim(db_session, options, expected=wanted.version)
            before = _read_activity(db_session)
            details.update(_changes(before, wanted, ("send_activity", "hashtags")))
            if not details:
                raise _Unchanged
            options.send_activity = wanted.send_activity
            options.hashtags = list(wanted.hashtags)
            db_session.add(options)
            db_session.flush()
            if before.send_activity and not wanted.send_activity:
                # pending deliveries stop here (an attempt under way ends as it will)
                cancelled = outbox.cancel_pending(db_session, TURNED_OFF)
                if cancelled:
                    details["cancelled_deliveries"] = cancelled
            return _read_activity(db_session)
    except _Unchanged:
        return activity_settings()
