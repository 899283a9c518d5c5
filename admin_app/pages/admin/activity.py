"""``/admin/activity``: sending activities to X and Facebook, and the live feed's hashtags."""

from __future__ import annotations

from nicegui import ui

from admin_app.admin.rules import (
    ActivitySettings,
    RuleFormError,
    activity_settings,
    normalise_hashtag,
    save_activity,
)
from admin_app.auth.accounts import Viewer
from admin_app.auth.admin_access import NotAnAdministratorError
from admin_app.core.i18n import N_, _
from admin_app.pages.admin.frame import add_admin_area, admin_frame, report_action_error
from admin_app.pages.guards import admin_page
from models.versions import StaleEditError

PATH = "/admin/activity"


def register() -> None:
    add_admin_area(PATH, N_("Activity"), 60)

    @admin_page(PATH)
    def activity_page(viewer: Viewer) -> None:
        shown = activity_settings()
        hashtags = list(shown.hashtags)

        @ui.refreshable
        def hashtag_chips() -> None:
            if not hashtags:
                ui.label(_("No hashtags yet.")).classes("text-sm text-gray-600")
                return
            with ui.row().classes("gap-1 flex-wrap").props('role="list"'):
                for tag in hashtags:
                    chip = ui.chip(
                        tag,
                        removable=True,
                        on_value_change=lambda event, tag=tag: None if event.value else remove(tag),
                    ).mark(f"hashtag-{tag.lstrip('#').casefold()}")
                    chip.props["role"] = "listitem"
                    chip.props["remove-aria-label"] = _("Remove {tag}").format(tag=tag)

        def add() -> None:
            try:
                tag = normalise_hashtag(new_tag.value or "", hashtags)
            except RuleFormError as error:
                new_tag.error = error.text(_)
                return
            new_tag.error = None
            hashtags.append(tag)
            new_tag.set_value("")
            hashtag_chips.refresh()

        def remove(tag: str) -> None:
            if tag in hashtags:
                hashtags.remove(tag)
            hashtag_chips.refresh()

        def save() -> None:
            nonlocal shown
            new_tag.error = None
            try:
                saved = save_activity(
                    ActivitySettings(
                        send_activity=bool(send_activity.value),
                        hashtags=tuple(hashtags),
                        version=shown.version,
                    )
                )
            except RuleFormError as error:
                new_tag.error = error.text(_)
                return
            except (NotAnAdministratorError, StaleEditError) as error:
                report_action_error(error)
                return
            unchanged = saved.version == shown.version
            shown = saved
            hashtags[:] = saved.hashtags
            hashtag_chips.refresh()
            ui.notify(_("Nothing to save.") if unchanged else _("Saved."), type="positive")

        with admin_frame(_("Activity"), viewer, PATH):
            ui.label(
                _(
                    "While sending is allowed, each new post in the live feed is published to "
                    "its author's linked X and Facebook accounts, if the author chose so in "
                    "their profile. Posts on X that carry one of the hashtags below are "
                    "imported into the live feed."
                )
            ).classes("text-sm").props('role="note"').mark("activity-explained")
            with ui.card().classes("w-full gap-3"):
                send_activity = ui.switch(
                    _("Allow sending user activities to social networks (X and Facebook)"),
                    value=shown.send_activity,
                ).mark("send-activity")
                ui.label(_("Hashtags broadcast to the live feed")).classes("font-medium").props(
                    'role="heading" aria-level="2"'
                )
                hashtag_chips()
                with ui.row().classes("items-start gap-2 flex-wrap w-full"):
                    new_tag = (
                        ui.input(_("New hashtag"), placeholder="#example")
                        .props("maxlength=101 hide-bottom-space")
                        .classes("grow min-w-0")
                        .on("keydown.enter", add)
                        .mark("new-hashtag")
                    )
                    ui.button(_("Add hashtag"), on_click=add).props("outline").mark("hashtag-add")
                ui.button(_("Save"), on_click=save).props("color=primary").mark("activity-save")
