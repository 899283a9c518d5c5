"""The overview's part on activities: what was published to X and Facebook, what failed
(and why, in the service's words), and the hashtag import's last run and posts."""

from __future__ import annotations

from nicegui import ui

from admin_app.activity.delivery_problems import MESSAGES
from admin_app.activity.hashtag_import import NOTES
from admin_app.admin.overview import ActivitySummary
from admin_app.core.i18n import _
from admin_app.web.plain_link import PlainLink
from admin_app.web.viewer_time import moment_text


def _publishing(summary: ActivitySummary) -> None:
    counts = summary.deliveries
    state = _("on") if summary.send_activity else _("off")
    ui.label(
        _(
            "Sending activities: {state}; last 7 days: {sent} published, {pending} waiting, "
            "{failed} failed, {cancelled} cancelled."
        ).format(
            state=state,
            sent=counts.get("sent", 0),
            pending=counts.get("pending", 0),
            failed=counts.get("failed", 0),
            cancelled=counts.get("cancelled", 0),
        )
    ).mark("deliveries-summary")
    if not summary.failures:
        return
    ui.label(_("Recent failures")).classes("font-medium")
    with ui.column().classes("gap-1 w-full").mark("delivery-failures"):
        for failure in summary.failures:
            service = _(failure.service)
            reason = MESSAGES.get(failure.problem)
            words = _(reason).format(service=service, attempts=failure.attempts) if reason else ""
            with ui.column().classes("gap-0 w-full"):
                ui.label(
                    f"{moment_text(failure.when)} · {failure.author} · {service}: {words}"
                ).classes("text-red-800 break-words")
                ui.label(f"«{failure.post}» — {failure.detail}").classes(
                    "text-sm text-gray-600 break-words"
                )


def _import(summary: ActivitySummary) -> None:
    tags = ", ".join(summary.hashtags) or _("none")
    ui.label(_("Hashtags: {tags}").format(tags=tags))
    if summary.import_running:
        last = _("running now")
    elif summary.import_finished_at is not None:
        last = moment_text(summary.import_finished_at)
    else:
        last = _("never")
    ui.label(
        _("Last import: {last}; posts imported then: {count}; in all: {total}.").format(
            last=last, count=summary.last_imported, total=summary.total_imported
        )
    ).mark("import-summary")
    if summary.import_notes:
        with ui.column().classes("gap-0").mark("import-notes"):
            for note in summary.import_notes:
                message = NOTES.get(note.get("problem", ""), "{who}: {detail}")
                ui.label(_(message).format(**{"who": "", "detail": "", **note})).classes(
                    "text-warning break-words"
                )
    if summary.recent_imports:
        ui.label(_("Last imported posts")).classes("font-medium")
        with ui.column().classes("gap-1 w-full").mark("recent-imports"):
            for post in summary.recent_imports:
                with ui.row().classes("items-baseline gap-2 flex-wrap"):
                    ui.label(f"{moment_text(post.when)} · {post.author}: {post.text}").classes(
                        "break-words"
                    )
                    if post.url:
                        PlainLink(_("original"), post.url, new_tab=True)


def draw(summary: ActivitySummary) -> None:
    with ui.card().classes("w-full gap-2"):
        _publishing(summary)
        _import(summary)
