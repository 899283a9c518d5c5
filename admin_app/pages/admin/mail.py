"""``/admin/mail``: whether the app sends mail, through which server and as whom, what
waits and what failed; without a server, plainly which features are off and which
settings turn mail on; and a test message, followed until the server took it."""

from __future__ import annotations

from nicegui import ui

from admin_app.admin import mail_settings
from admin_app.admin.mail_settings import MailState, MailTestError, Problem
from admin_app.auth.accounts import Viewer
from admin_app.auth.admin_access import NotAnAdministratorError
from admin_app.core.i18n import N_, _
from admin_app.core.input_checks import MAX_LINE_LENGTH
from admin_app.pages.admin.frame import add_admin_area, admin_frame, report_action_error
from admin_app.pages.guards import admin_page
from admin_app.pages.widgets import ProblemLabel, attributes
from admin_app.web.viewer_time import moment_text

PATH = "/admin/mail"
#: how often, and how many times, the page asks how the test message is doing
POLL_SECONDS = 0.5
POLLS = 20


def _heading(text: str) -> None:
    ui.label(text).classes("text-xl font-semibold").props('role="heading" aria-level="2"')


def _settings_card(state: MailState) -> None:
    with ui.card().classes("w-full gap-2").mark("mail-status"):
        if state.configured:
            ui.label(_("Mail is on")).classes("text-lg font-semibold text-positive").props(
                'role="status"'
            )
            ui.label(_("Server: {server}").format(server=state.server)).mark("mail-server")
            ui.label(_("Sender: {sender}").format(sender=state.sender)).mark("mail-sender")
            return
        ui.label(_("Mail is off")).classes("text-lg font-semibold text-warning").props(
            'role="status"'
        )
        ui.label(_("No mail server is set, so the app sends no mail, and these features are off:"))
        with ui.element("ul").classes("list-disc pl-6").mark("mail-off-features"):
            for feature in mail_settings.OFF_WITHOUT_MAIL:
                with ui.element("li"):
                    ui.label(_(feature))
        ui.label(
            _(
                "To turn mail on, set {server} and {sender} in the environment and restart "
                "the app. docs/mail.md has examples for common mail services."
            ).format(server=mail_settings.SETTINGS[0], sender=mail_settings.SETTINGS[1])
        ).mark("mail-how-to")


def _problem_line(problem: Problem) -> str:
    return _("{when}: “{subject}” to {recipient} (attempts: {attempts}): {problem}").format(
        when=moment_text(problem.at),
        subject=problem.subject,
        recipient=problem.recipient,
        attempts=problem.attempts,
        problem=problem.problem,
    )


def _queue_card(state: MailState) -> None:
    with ui.card().classes("w-full gap-2").mark("mail-queue"):
        ui.label(_("Messages waiting to be sent: {count}").format(count=state.waiting)).mark(
            "mail-waiting"
        )
        if state.waiting and not state.configured:
            ui.label(_("They are sent once a mail server is set.")).classes("text-sm")
        if state.retrying is not None:
            ui.label(
                _(
                    "The mail server did not accept the letter at the latest attempt. It is tried again with "
                    "growing pauses for about a day. {line}"
                ).format(line=_problem_line(state.retrying))
            ).classes("text-warning break-all").props('role="alert"').mark("mail-retrying")
        ui.label(_("Messages that could not be sent: {count}").format(count=state.failed)).mark(
            "mail-failed"
        )
        if state.latest_failure is not None:
            ui.label(
                _("The latest: {line}").format(line=_problem_line(state.latest_failure))
            ).classes("text-sm break-all").mark("mail-latest-failure")


class _TestForm:
    """The address (the administrator's own unless changed), the button, and a line that
    follows the message: queued, sent, or the server's answer."""

    def __init__(self) -> None:
        self.message_id: int | None = None
        self.polls = 0
        with ui.card().classes("w-full gap-3 max-w-xl"):
            _heading(_("Send a test message"))
            self.address = attributes(
                ui.input(_("Send to"), value=mail_settings.own_address()),
                {"type": "email", "autocomplete": "email", "maxlength": str(MAX_LINE_LENGTH)},
            ).mark("mail-test-address")
            self.problem = ProblemLabel("mail-test-problem", self.address)
            self.button = ui.button(_("Send a test message"), on_click=self.send).props(
                "color=primary"
            )
            self.button.mark("mail-test-send")
            self.outcome = (
                ui.label("").props('role="status" aria-live="polite"').mark("mail-test-outcome")
            )
        self.timer = ui.timer(POLL_SECONDS, self.follow, active=False)

    def send(self) -> None:
        self.problem.show(None)
        try:
            self.message_id = mail_settings.send_test(self.address.value or "")
        except MailTestError as error:
            self.problem.show([p for problems in error.problems.values() for p in problems])
            return
        except NotAnAdministratorError as error:
            report_action_error(error)
            return
        self.outcome.set_text(_("Queued. Waiting for the mail server…"))
        self.polls = 0
        self.timer.active = True

    def follow(self) -> None:
        if self.message_id is None:
            self.timer.active = False
            return
        try:
            progress = mail_settings.progress_of(self.message_id)
        except NotAnAdministratorError:
            self.timer.active = False
            return
        self.polls += 1
        if progress.status == "sent":
            self.outcome.set_text(_("Sent: the mail server took the test message."))
        elif progress.status == "failed":
            self.outcome.set_text(
                _("The mail server refused it: {problem}").format(problem=progress.problem)
            )
        elif progress.status == "gone":
            self.outcome.set_text(_("The test message is no longer in the outbox."))
        elif progress.problem:
            self.outcome.set_text(
                _("Not sent yet: {problem}. It is tried again later.").format(
                    problem=progress.problem
                )
            )
        elif self.polls >= POLLS:
            self.outcome.set_text(
                _("Still queued: it is sent as soon as a process of the app gets to it.")
            )
        if progress.settled or progress.problem or self.polls >= POLLS:
            self.timer.active = False


def register() -> None:
    add_admin_area(PATH, N_("Mail"), 65)

    @admin_page(PATH)
    def mail_page(viewer: Viewer) -> None:
        state = mail_settings.state()
        with admin_frame(_("Mail"), viewer, PATH):
            _settings_card(state)
            _queue_card(state)
            if state.configured:
                _TestForm()
