"""``/feed``: the site's live feed. Signed-in people post and read; new posts appear on
every open page without a reload (each page asks for them every few seconds)."""

from __future__ import annotations

from fastapi import Request
from nicegui import ui

from admin_app.activity.delivery_problems import MESSAGES
from admin_app.activity.feed import (
    MAX_LENGTH,
    DeliveryNote,
    FeedLine,
    NotSignedInError,
    PostError,
    delivery_notes,
    feed_page,
    newer_posts,
    post_message,
    site_of,
)
from admin_app.auth.accounts import Viewer
from admin_app.core.form_problems import FieldProblem
from admin_app.core.i18n import N_, _
from admin_app.core.input_checks import INVISIBLE, has_invisible_characters
from admin_app.pages.guards import signed_in_page
from admin_app.pages.widgets import ProblemLabel, attributes, text_with_links
from admin_app.web import theme
from admin_app.web.layout import NavEntry, add_navigation, frame
from admin_app.web.plain_link import PlainLink
from admin_app.web.viewer_time import moment_text

PATH = "/feed"
POLL_SECONDS = 2.0
FEED_LIST = (
    "w-full bg-white rounded-lg border border-gray-200 px-4 sm:px-6 divide-y divide-gray-200"
)


def note_text(note: DeliveryNote) -> str:
    """One delivery of one's own post, in words."""
    service = _(note.service)
    if note.status == "sent":
        return _("Published on {service}").format(service=service)
    if note.status == "pending":
        if note.attempts:
            return _("Sending to {service}: trying again soon").format(service=service)
        return _("Sending to {service}…").format(service=service)
    reason = MESSAGES.get(note.problem)
    text = _("Not published on {service}.").format(service=service)
    if reason:
        text += " " + _(reason).format(service=service, attempts=note.attempts)
    return text


class _Feed:
    def __init__(self, site_id: str, viewer_id: int) -> None:
        self.site_id = site_id
        self.viewer_id = viewer_id
        self.newest = 0
        self.older: int | None = None
        #: the notes of own posts still being sent, by post id: redrawn as they change
        self.pending: dict[int, tuple[ui.element, tuple[DeliveryNote, ...]]] = {}

    def draw(self) -> None:
        self._draw_composer()
        first = feed_page(self.site_id, viewer_id=self.viewer_id)
        self.newest = first.lines[0].id if first.lines else 0
        self.older = first.older
        self.empty = ui.label(_("Nothing has been posted yet.")).mark("feed-empty")
        self.empty.set_visibility(not first.lines)
        with ui.element("ol").classes(FEED_LIST).mark("feed") as self.list:
            for line in first.lines:
                self._draw_line(line)
        self.list.set_visibility(bool(first.lines))  # no empty box under "nothing yet"
        self.more = ui.button(_("Older posts"), on_click=self._load_older).props("outline")
        self.more.mark("feed-older")
        self.more.set_visibility(self.older is not None)
        ui.timer(POLL_SECONDS, self._poll)

    def _draw_composer(self) -> None:
        with ui.element("section").classes(theme.SECTION):
            self.text = (
                attributes(
                    ui.textarea(_("Your message")),
                    {"maxlength": str(MAX_LENGTH), "counter": "true"},
                )
                .props("autogrow")
                .classes("w-full")
                .mark("feed-text")
            )
            self.problem = ProblemLabel("feed-problem", self.text)
            ui.button(_("Post"), on_click=self._post).props("color=primary").mark("feed-post")

    def _draw_line(self, line: FeedLine, *, first: bool = False) -> None:
        with self.list:
            item = ui.element("li").classes("w-full py-3 flex flex-col gap-1")
            item.mark(f"post-{line.id}")
            with item:
                with ui.row().classes("items-baseline gap-3 flex-wrap"):
                    ui.label(line.author).classes("font-medium")
                    ui.label(moment_text(line.created_at)).classes(theme.MUTED)
                    if line.external_url:
                        PlainLink(_("original"), line.external_url, new_tab=True).classes("text-sm")
                ui.html(text_with_links(line.text), sanitize=False).classes(
                    "whitespace-pre-line break-words"
                )
                if line.deliveries:
                    notes = ui.column().classes("gap-0").mark(f"deliveries-{line.id}")
                    self._draw_notes(notes, line.id, line.deliveries)
        if first:
            item.move(self.list, target_index=0)

    def _draw_notes(self, box: ui.element, post_id: int, notes: tuple[DeliveryNote, ...]) -> None:
        box.clear()
        with box:
            for note in notes:
                failed = note.status in {"failed", "cancelled"}
                with ui.row().classes("items-baseline gap-2 text-sm"):
                    label = ui.label(note_text(note)).mark(f"delivery-{post_id}-{note.status}")
                    label.classes("text-red-800" if failed else "text-gray-700")
                    if note.url:
                        PlainLink(_("open"), note.url, new_tab=True)
        if any(note.status == "pending" for note in notes):
            self.pending[post_id] = (box, notes)
        else:
            self.pending.pop(post_id, None)

    def _post(self) -> None:
        typed = self.text.value or ""
        # a NUL (PostgreSQL refuses it) or another invisible character: said here; the
        # length is post_message's to check (once trimmed)
        if has_invisible_characters(typed, multi_line=True):
            self.problem.show([FieldProblem(INVISIBLE)])
            return
        try:
            post_message(self.site_id, typed)
        except PostError as error:
            self.problem.show(error.problems.get("text"))
            return
        except NotSignedInError:
            ui.navigate.to(f"/login?next={PATH}")
            return
        self.problem.show(None)
        self.text.set_value("")
        self._poll()  # shows it, and anything posted meanwhile, in order

    def _poll(self) -> None:
        for line in newer_posts(self.site_id, self.newest, self.viewer_id):
            self._draw_line(line, first=True)
            self.newest = line.id
            self.empty.set_visibility(False)
            self.list.set_visibility(True)
        if self.pending:
            current = delivery_notes(self.viewer_id, list(self.pending))
            for post_id, (box, shown) in list(self.pending.items()):
                notes = current.get(post_id, ())  # none: the account was unlinked
                if notes != shown:
                    self._draw_notes(box, post_id, notes)

    def _load_older(self) -> None:
        page = feed_page(self.site_id, self.older, self.viewer_id)
        for line in page.lines:
            self._draw_line(line)
        self.older = page.older
        self.more.set_visibility(self.older is not None)


def register() -> None:
    add_navigation(NavEntry(PATH, N_("Live feed")))

    @signed_in_page(PATH)
    def live_feed(viewer: Viewer, request: Request) -> None:
        with frame(_("Live feed"), viewer):
            _Feed(site_of(request.headers.get("host")), viewer.id).draw()
