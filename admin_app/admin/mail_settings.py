"""The administrator's view of mail (the Mail page, the overview's lines): whether the app
can send at all, through which server and as whom (never the password), what waits and
what failed; and the test message, sent through the outbox like every other letter, so
that it proves the whole way a registration's letter takes.

The server and the sender are environment settings (``SOCIALSERVICES_SMTP_URL``,
``SOCIALSERVICES_MAIL_FROM``), not editable here: they hold a password, and they are read
once at start by every process.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from admin_app.auth.admin_access import acting_administrator, administrator_action
from admin_app.core import runtime
from admin_app.core.form_problems import FormError
from admin_app.core.i18n import N_, current_language, translate
from admin_app.core.input_checks import MAX_LINE_LENGTH, typed_text_problem
from admin_app.mail.letters import compose
from admin_app.mail.outbox import mail_is_configured, queue_letter
from models import mail_outbox
from models.db import read_scope
from models.queue_rows import FAILED, SENT
from models.tables import MailMessage, User
from models.users import is_valid_email

TEST_KIND = "test"
#: the settings that turn mail on (docs/mail.md)
SETTINGS = ("SOCIALSERVICES_SMTP_URL", "SOCIALSERVICES_MAIL_FROM")
#: what is off while no mail server is set, and why each needs one
OFF_WITHOUT_MAIL = (
    N_("Registration with the form: a new account proves its address with a link by mail."),
    N_("Password reset: the single-use link goes by mail."),
    N_("Changing one's e-mail address on the profile: a link sent to the new address confirms it."),
    N_(
        "Completing the profile of a service that gives no e-mail address, when an address "
        "is required: it is proven with a link by mail."
    ),
)


@dataclass(frozen=True)
class Problem:
    """A message that was not taken: when it was last tried, what it was, the answer."""

    at: datetime
    #: the letter's subject, in its recipient's language: what it was, for a person
    subject: str
    recipient: str
    problem: str
    attempts: int


@dataclass(frozen=True)
class MailState:
    configured: bool
    #: the server as ``SmtpTarget.describe()`` says it ("" when none)
    server: str
    sender: str
    #: messages still to be sent
    waiting: int
    #: the waiting message tried last without success: the server's latest answer
    retrying: Problem | None
    failed: int
    latest_failure: Problem | None


def _problem(row: MailMessage | None) -> Problem | None:
    if row is None:
        return None
    return Problem(row.updated_at, row.subject, row.recipient, row.last_problem, row.attempts)


def state() -> MailState:
    """What the Mail page and the overview show (a few counts and two rows)."""
    settings = runtime.settings()
    target = settings.smtp
    with read_scope() as session:
        failed, latest = mail_outbox.failures(session)
        waiting = mail_outbox.waiting(session)
        retrying = mail_outbox.latest_retried(session)
        return MailState(
            configured=target is not None,
            server=target.describe() if target is not None else "",
            sender=settings.mail_from,
            waiting=waiting,
            retrying=_problem(retrying),
            failed=failed,
            latest_failure=_problem(latest),
        )


def own_address() -> str:
    """The asking administrator's own address: where a test message goes unless told."""
    viewer = acting_administrator()
    with read_scope() as session:
        user = session.get(User, viewer.id)
        return (user.email or "") if user is not None else ""


class MailTestError(FormError):
    """The test message cannot be sent: ``problems["address"]`` or ``problems[""]``."""


def send_test(address: str) -> int:
    """Queue a test message to ``address`` in the asking administrator's language (audited
    as ``mail.test``); its id, to follow it with ``progress_of``."""
    viewer = acting_administrator()  # before anything else: who asks is checked first
    if not mail_is_configured():
        raise MailTestError.single("", N_("No mail server is set: nothing can be sent."))
    address = address.strip()
    if problem := typed_text_problem(address, MAX_LINE_LENGTH):
        raise MailTestError.single("address", problem, limit=MAX_LINE_LENGTH)
    if not is_valid_email(address):
        raise MailTestError.single("address", N_("This is not a valid e-mail address."))
    language = current_language()

    def t(message: str) -> str:
        return translate(message, language)

    settings = runtime.settings()
    with administrator_action("mail.test", address) as session:  # checked again, audited
        letter = compose(
            t(N_("Test message from {site}")).format(site=settings.base_url),
            [
                t(
                    N_(
                        "This is a test message, sent by the administrator {login} from the "
                        "Mail page of {site}."
                    )
                ).format(login=viewer.login, site=settings.base_url),
                t(
                    N_(
                        "It arrived: letters for registration, password reset and e-mail "
                        "changes reach this address too."
                    )
                ),
            ],
            closing=t(N_("Nothing needs to be done with this letter.")),
        )
        return queue_letter(
            session, recipient=address, kind=TEST_KIND, language=language, letter=letter
        )


@dataclass(frozen=True)
class Progress:
    """Where the test message is."""

    #: "pending", "sent" or "failed"; "gone" when it was purged
    status: str
    problem: str = ""
    attempts: int = 0

    @property
    def settled(self) -> bool:
        return self.status in (SENT, FAILED, "gone")


def progress_of(message_id: int) -> Progress:
    """How the test message is doing (asked again and again by the page for a few s)."""
    acting_administrator()
    with read_scope() as session:
        row = session.get(MailMessage, message_id)
        if row is None or row.kind != TEST_KIND:
            return Progress("gone")
        return Progress(row.status, row.last_problem, row.attempts)
