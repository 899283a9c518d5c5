"""A service's latest sign-in result and latest error, as the overview and the services
list say them: in words, with the moment in the viewer's time zone."""

from __future__ import annotations

from admin_app.auth.refusals import problem_message
from admin_app.core.i18n import _
from admin_app.web.viewer_time import moment_text
from models.sign_in_events import LastResults


def result_text(last: LastResults | None) -> str:
    """E.g. "Signed in Dec 3, 2026, 9:04 PM"; "No sign-in yet"."""
    if last is None:
        return _("No sign-in yet")
    if last.success:
        return _("Signed in {moment}").format(moment=moment_text(last.at))
    return _("Failed {moment}").format(moment=moment_text(last.at))


def error_text(last: LastResults | None, service: str) -> str:
    """The latest failure's message (as its visitor read it) and moment; "" for none."""
    if last is None or last.failed_at is None:
        return ""
    message = _(problem_message(last.reason)).format(service=service)
    return _("Last error {moment}: {message}").format(
        moment=moment_text(last.failed_at), message=message
    )


def result_tone(last: LastResults | None) -> str:
    """The state chip's tone for the latest result."""
    if last is None:
        return "neutral"
    return "positive" if last.success else "negative"
