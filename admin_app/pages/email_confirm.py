"""``/email/confirm?token=``: the link mailed to a new address, opened in any browser.

Opening it changes nothing: the page says what the link would do and a button does it.
Mail scanners that fetch every link in a letter then cannot use it up (nor change an
address) on their own. A refused link is said in words: altered or replaced, used, expired.
"""

from __future__ import annotations

from nicegui import ui

from admin_app.auth.accounts import current_viewer
from admin_app.core.i18n import N_, _, current_language
from admin_app.profile.email_change import ChangeOutcome, LinkPreview, confirm, preview
from admin_app.web.layout import card_frame
from admin_app.web.plain_link import PlainLink
from models.mail_links import LinkRefusal

PATH = "/email/confirm"
SAID: dict[str, str] = {
    LinkRefusal.USED: N_("This link was used already: each link works once."),
    LinkRefusal.EXPIRED: N_(
        "This link has expired. Ask for a new one on your profile (change the address again)."
    ),
    ChangeOutcome.TAKEN: N_(
        "Another account confirmed this address first, so nothing was changed."
    ),
}
NOT_VALID = N_(
    "This link is not valid: it may have been altered, or replaced by a newer letter. Use "
    "the link of the newest letter."
)


def _said(outcome: str) -> None:
    ui.label(_(SAID.get(outcome, NOT_VALID))).props('role="alert"').classes("text-negative").mark(
        "confirm-problem"
    )


def register() -> None:
    @ui.page(PATH)
    def confirm_page(token: str = "") -> None:
        found = preview(token)
        with card_frame(_("Confirm your e-mail address"), current_viewer()):
            if not isinstance(found, LinkPreview):
                _said(found)
                PlainLink(_("To your profile"), "/profile")
                return
            body = ui.column().classes("gap-3 w-full")
            with body:
                ui.label(
                    _("Make {email} the e-mail address of the account {login}?").format(
                        email=found.email, login=found.login
                    )
                ).classes("break-all").mark("confirm-question")

                def confirmed() -> None:
                    outcome = confirm(token, current_language())
                    body.clear()
                    with body:
                        if outcome is ChangeOutcome.CONFIRMED:
                            ui.label(
                                _("{email} is now your verified e-mail address.").format(
                                    email=found.email
                                )
                            ).props('role="status"').classes("text-positive break-all").mark(
                                "confirm-done"
                            )
                        else:
                            _said(outcome)
                        PlainLink(_("To your profile"), "/profile")

                ui.button(_("Confirm"), on_click=confirmed).props("color=primary").mark(
                    "confirm-button"
                )
