"""Why a post was not published to a linked account: reason codes stored with the
delivery, and the words a person reads for each (translated where shown)."""

from __future__ import annotations

from admin_app.core.i18n import N_

REAUTHORIZE = "reauthorize"
REFUSED = "refused"
DUPLICATE = "duplicate"
GAVE_UP = "gave_up"
TURNED_OFF = "turned_off"
NOT_CONFIGURED = "not_configured"

MESSAGES = {
    REAUTHORIZE: N_(
        "{service} no longer accepts this site's access to your account: sign in with "
        "{service} again (or link it again on your profile) to publish."
    ),
    REFUSED: N_("{service} refused the post."),
    DUPLICATE: N_("{service} refused the post as a repeat of an earlier one."),
    GAVE_UP: N_("{service} could not be reached; the site gave up after {attempts} attempts."),
    TURNED_OFF: N_("Not sent: publishing was switched off."),
    NOT_CONFIGURED: N_("{service} is not set up on this site any more."),
}
