"""``/admin/users``: find users and keep the groups; ``/admin/users/{id}``: one user.

The search box asks as the administrator types (debounced in the browser), one page of
25 at a time, saying whether more follow rather than counting them all. Every button
calls a use case of ``admin_app.admin.users``, which re-checks the administrator and
audits the change; the page only draws what those return.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from nicegui import context, ui
from nicegui.elements.mixins.text_element import TextElement

from admin_app.admin.builtin_names import site_name
from admin_app.admin.users import (
    ACTIVE,
    BLOCKED,
    EMAIL_UNVERIFIED,
    GroupLine,
    LinkLine,
    SearchCursor,
    UserAdminError,
    UserDetails,
    UserFilter,
    UserLine,
    UserSearchResult,
    all_groups,
    create_group,
    delete_group,
    filter_choices,
    find_users,
    set_user_active,
    set_user_groups,
    unlink_account,
    update_group,
    user_details,
)
from admin_app.auth.accounts import Viewer
from admin_app.auth.admin_access import NotAnAdministratorError
from admin_app.core.i18n import N_, _
from admin_app.core.input_checks import INVISIBLE, database_id, has_invisible_characters
from admin_app.pages.admin.frame import add_admin_area, admin_frame, report_action_error
from admin_app.pages.chips import state_chip
from admin_app.pages.guards import admin_page
from admin_app.pages.widgets import service_email
from admin_app.web.plain_link import PlainLink
from admin_app.web.viewer_time import moment_text
from models.users import ADMINISTRATORS
from models.versions import StaleEditError

PATH = "/admin/users"
SEARCH_DELAY_MS = 300  # the browser waits this long after the last keystroke


def _heading(text: str, level: int = 2) -> None:
    ui.label(text).classes("text-xl font-semibold").props(f'role="heading" aria-level="{level}"')


def _run_action(action: Callable[[], object], done_message: str) -> bool:
    """Run a use case; tell the administrator how it went. True when it was done."""
    try:
        action()
    except (NotAnAdministratorError, StaleEditError) as error:
        report_action_error(error)
        return False
    except UserAdminError as error:
        ui.notify(error.text(_), type="negative", multi_line=True)
        return False
    ui.notify(done_message, type="positive")
    return True


def _labelled(element: ui.element, text: str) -> ui.element:
    """Give a control its accessible name (set as a value: names may hold quotes)."""
    element.props["aria-label"] = text
    return element


def _closing_dialog() -> ui.dialog:
    """A dialog that removes itself once closed (they are made on demand)."""
    dialog = ui.dialog()
    dialog.on_value_change(lambda event: None if event.value else dialog.delete())
    return dialog


# -------------------------------------------------------------------------- search


@dataclass
class _Search:
    """The search's state: the term, the filters, and where each page shown so far started."""

    term: str = ""
    kept: UserFilter = field(default_factory=UserFilter)
    starts: list[SearchCursor | None] = field(default_factory=lambda: [None])
    first_numbers: list[int] = field(default_factory=lambda: [1])
    result: UserSearchResult = field(default_factory=lambda: UserSearchResult([], None))
    asked: int = 0  # answers to earlier questions that arrive late are dropped


def _status_text(search: _Search) -> str:
    result = search.result
    if not result.users:
        narrowed = search.term or search.kept != UserFilter() or len(search.starts) > 1
        return _("No user matches.") if narrowed else _("No users.")
    first = search.first_numbers[-1]
    numbers = {"first": first, "last": first + len(result.users) - 1}
    if result.next_cursor is not None:
        return _("Results {first} to {last}; more results follow.").format(**numbers)
    return _("Results {first} to {last}.").format(**numbers)


#: the state filter's choices (the value "" keeps everyone)
STATE_CHOICES = {
    ACTIVE: N_("Active"),
    BLOCKED: N_("Blocked"),
    EMAIL_UNVERIFIED: N_("E-mail not verified"),
}
_HEADER_CELL = "text-left font-medium text-gray-700 px-2 py-1 border-b"
_CELL = "px-2 py-1 align-top border-b"


def _cell(text: str = "", classes: str = "") -> ui.element:
    return TextElement(tag="td", text=text).classes(f"{_CELL} {classes}")


def _user_row(line: UserLine) -> None:
    with ui.element("tr").mark(f"user-row-{line.login}"):
        with _cell():
            PlainLink(line.login, f"{PATH}/{line.id}").classes("font-medium").mark(
                f"user-{line.login}"
            )
            if line.name:
                ui.label(line.name).classes("text-sm text-gray-700")
        with _cell(classes="break-words"):
            if line.email:
                ui.label(line.email)
                if not line.email_verified:
                    state_chip(_("not verified"), "warning")
            else:
                ui.label("—")
        with _cell():
            if line.active:
                state_chip(_("active"), "positive")
            else:
                state_chip(_("blocked"), "negative")
        _cell(", ".join(line.groups) or "—")
        _cell(", ".join(line.services) or "—")
        _cell(moment_text(line.last_login_at), "whitespace-nowrap")


def _user_table(lines: list[UserLine]) -> None:
    if not lines:
        return
    with (
        ui.element("div").classes("w-full overflow-x-auto"),
        ui.element("table").classes("w-full text-sm").mark("user-results"),
    ):
        TextElement(tag="caption", text=_("Users")).classes("sr-only")
        with ui.element("thead"), ui.element("tr"):
            for heading in (
                _("User"),
                _("E-mail"),
                _("State"),
                _("Groups"),
                _("Linked services"),
                _("Last sign-in"),
            ):
                TextElement(tag="th", text=heading).classes(_HEADER_CELL).props('scope="col"')
        with ui.element("tbody"):
            for line in lines:
                _user_row(line)


async def _user_search() -> None:
    search = _Search()
    choices = filter_choices()

    async def show(term: str, pages: list[SearchCursor | None], firsts: list[int]) -> None:
        search.asked += 1
        asked = search.asked
        kept = search_filter()
        try:
            result = await find_users(term, pages[-1], kept)
        except NotAnAdministratorError as error:
            report_action_error(error)
            return
        if asked != search.asked:  # a newer search was started meanwhile
            return
        search.term, search.kept, search.starts, search.first_numbers, search.result = (
            term,
            kept,
            pages,
            firsts,
            result,
        )
        results.refresh()

    async def on_term(term: str | None) -> None:
        if has_invisible_characters(term or ""):  # a NUL: PostgreSQL refuses it
            ui.notify(_(INVISIBLE), type="warning")
            return
        await show((term or "").strip(), [None], [1])

    async def on_filter() -> None:
        await show(search.term, [None], [1])

    async def next_page() -> None:
        if search.result.next_cursor is not None:
            following = search.first_numbers[-1] + len(search.result.users)
            await show(
                search.term,
                [*search.starts, search.result.next_cursor],
                [*search.first_numbers, following],
            )

    async def previous_page() -> None:
        if len(search.starts) > 1:
            await show(search.term, search.starts[:-1], search.first_numbers[:-1])

    _heading(_("Users"))
    with ui.row().classes("w-full items-end gap-4").mark("user-filters"):
        ui.input(
            _("Search by login, name or e-mail"),
            on_change=lambda event: on_term(event.value),
        ).props(f"type=search clearable debounce={SEARCH_DELAY_MS} autocomplete=off").classes(
            "grow min-w-60"
        ).mark("user-search")
        state = (
            ui.select(
                {"": _("Any state"), **{value: _(label) for value, label in STATE_CHOICES.items()}},
                label=_("State"),
                value="",
                on_change=on_filter,
            )
            .classes("min-w-48")
            .mark("filter-state")
        )
        group = (
            ui.select(
                {0: _("Any group"), **dict(choices.groups)},
                label=_("Group"),
                value=0,
                on_change=on_filter,
            )
            .classes("min-w-48")
            .mark("filter-group")
        )
        service = (
            ui.select(
                {"": _("Any linked service"), **dict(choices.services)},
                label=_("Linked service"),
                value="",
                on_change=on_filter,
            )
            .classes("min-w-56")
            .mark("filter-service")
        )

    def search_filter() -> UserFilter:
        return UserFilter(
            state=str(state.value or ""),
            group_id=int(group.value) if group.value else None,
            service_id=str(service.value or ""),
        )

    @ui.refreshable
    def results() -> None:
        _user_table(search.result.users)
        with ui.row().classes("items-center gap-4 flex-wrap"):
            ui.label(_status_text(search)).props('role="status" aria-live="polite"').mark(
                "search-status"
            )
            if len(search.starts) > 1:
                ui.button(_("Previous"), on_click=previous_page).props("outline").mark(
                    "search-previous"
                )
            if search.result.next_cursor is not None:
                ui.button(_("Next"), on_click=next_page).props("outline").mark("search-next")

    search.result = await find_users("")
    results()


# -------------------------------------------------------------------------- groups


def _show_field_errors(error: UserAdminError, inputs: dict[str, ui.input]) -> None:
    for name in error.problems:
        if name in inputs:
            inputs[name].error = error.text(_, name)
    if elsewhere := [name for name in error.problems if name not in inputs]:
        text = " ".join(error.text(_, name) for name in elsewhere)
        ui.notify(text, type="negative", multi_line=True)


def _clear_errors(inputs: dict[str, ui.input]) -> None:
    for element in inputs.values():
        element.error = None


def _group_inputs(
    name: str = "", description: str = "", prefix: str = "group"
) -> dict[str, ui.input]:
    return {
        "name": ui.input(_("Name"), value=name)
        .props("maxlength=100")
        .classes("w-full")
        .mark(f"{prefix}-name"),
        "description": ui.textarea(_("Description"), value=description)
        .props("maxlength=500 autogrow")
        .classes("w-full")
        .mark(f"{prefix}-description"),
    }


def _groups_section() -> None:
    _heading(_("Groups"))

    def open_rename(group: GroupLine) -> None:
        with _closing_dialog() as dialog, ui.card().classes("w-full max-w-md gap-2"):
            _heading(_("Rename the group '{name}'").format(name=group.name), 3)
            ui.label(_("Code: {code} (it never changes)").format(code=group.code))
            inputs = _group_inputs(group.name, group.description, "rename")

            def save() -> None:
                _clear_errors(inputs)
                try:
                    update_group(
                        group.id,
                        name=inputs["name"].value or "",
                        description=inputs["description"].value or "",
                        version=group.version,
                    )
                except UserAdminError as error:
                    _show_field_errors(error, inputs)
                    return
                except (NotAnAdministratorError, StaleEditError) as error:
                    report_action_error(error)
                    return
                ui.notify(_("The group is saved."), type="positive")
                dialog.close()
                group_list.refresh()

            with ui.row().classes("gap-2 justify-end w-full"):
                ui.button(_("Cancel"), on_click=dialog.close).props("flat")
                ui.button(_("Save"), on_click=save).props("color=primary").mark("rename-save")
        dialog.open()

    def open_delete(group: GroupLine) -> None:
        with _closing_dialog() as dialog, ui.card().classes("w-full max-w-md gap-2"):
            ui.label(
                _(
                    "Delete the group '{name}'? Its members stay, but lose this group and"
                    " whatever it allowed or denied."
                ).format(name=group.name)
            ).props('role="alert"')

            def confirm() -> None:
                if _run_action(
                    lambda: delete_group(group.id, version=group.version),
                    _("The group is deleted."),
                ):
                    dialog.close()
                    group_list.refresh()

            with ui.row().classes("gap-2 justify-end w-full"):
                ui.button(_("Cancel"), on_click=dialog.close).props("flat")
                ui.button(_("Delete"), on_click=confirm).props("color=negative").mark(
                    "delete-confirm"
                )
        dialog.open()

    @ui.refreshable
    def group_list() -> None:
        try:
            groups = all_groups()
        except NotAnAdministratorError as error:
            report_action_error(error)
            return
        with ui.element("ul").classes("w-full divide-y").mark("group-list"):
            for group in groups:
                with ui.element("li").classes("w-full py-2 flex flex-wrap gap-x-4 gap-y-1"):
                    with ui.column().classes("gap-0 grow min-w-0"):
                        with ui.row().classes("gap-2 items-baseline flex-wrap"):
                            ui.label(group.shown_name).classes("font-medium")
                            ui.label(group.code).classes("font-mono text-sm text-gray-600")
                            if group.built_in:
                                state_chip(_("built-in"), "neutral")
                        if group.description:
                            ui.label(group.description).classes("text-sm break-words")
                    with ui.row().classes("gap-2"):
                        rename = ui.button(_("Rename"), on_click=lambda g=group: open_rename(g))
                        rename.props("flat dense").mark(f"group-rename-{group.code}")
                        _labelled(rename, _("Rename the group '{name}'").format(name=group.name))
                        if not group.built_in:
                            delete = ui.button(_("Delete"), on_click=lambda g=group: open_delete(g))
                            delete.props("flat dense color=negative")
                            delete.mark(f"group-delete-{group.code}")
                            _labelled(
                                delete, _("Delete the group '{name}'").format(name=group.name)
                            )

    group_list()

    with ui.card().classes("w-full max-w-md gap-2"):
        _heading(_("New group"), 3)
        code = ui.input(_("Code")).props("maxlength=50 autocomplete=off")
        code.props["hint"] = _(
            "Lower-case Latin letters, digits and _; the configuration file names the group by it."
        )
        code.classes("w-full").mark("group-code")
        inputs = {"code": code, **_group_inputs()}

        def create() -> None:
            _clear_errors(inputs)
            try:
                create_group(
                    code=inputs["code"].value or "",
                    name=inputs["name"].value or "",
                    description=inputs["description"].value or "",
                )
            except UserAdminError as error:
                _show_field_errors(error, inputs)
                return
            except NotAnAdministratorError as error:
                report_action_error(error)
                return
            ui.notify(_("The group is created."), type="positive")
            for element in inputs.values():
                element.value = ""
            group_list.refresh()

        ui.button(_("Create group"), on_click=create).props("color=primary").mark("group-create")


# --------------------------------------------------------------------- one user


def _email_shown(details: UserDetails) -> str:
    """An address set by an administrator or typed on a profile proves nothing: said."""
    if not details.email:
        return "—"
    if details.email_verified:
        return _("{email} (verified)").format(email=details.email)
    return _("{email} (not verified)").format(email=details.email)


def _fact(term: str, value: str, marker: str = "") -> None:
    with ui.row().classes("gap-x-2 gap-y-0 flex-wrap items-baseline"):
        ui.label(term).classes("text-gray-600")
        shown = ui.label(value).classes("break-all")
        if marker:
            shown.mark(marker)


def _unlink_dialog(details: UserDetails, link: LinkLine, done: Callable[[], object]) -> None:
    service = _(link.provider_title)
    with _closing_dialog() as dialog, ui.card().classes("w-full max-w-md gap-2"):
        ui.label(
            _(
                "Unlink the {service} account '{name}' from {login}? They will no longer sign"
                " in with it, but may link it again."
            ).format(
                service=service, name=link.external_name or link.external_id, login=details.login
            )
        ).props('role="alert"')

        async def confirm() -> None:
            try:
                revocation = await unlink_account(details.id, link.id)
            except (NotAnAdministratorError, StaleEditError) as error:
                report_action_error(error)
                return
            except UserAdminError as error:
                ui.notify(error.text(_), type="negative", multi_line=True)
                return
            ui.notify(_("The account is unlinked."), type="positive")
            if revocation.failed:  # the link is gone all the same: say what is left to do
                ui.notify(
                    _(revocation.problem).format(service=service),
                    type="warning",
                    multi_line=True,
                )
            dialog.close()
            done()

        with ui.row().classes("gap-2 justify-end w-full"):
            ui.button(_("Cancel"), on_click=dialog.close).props("flat")
            ui.button(_("Unlink"), on_click=confirm).props("color=negative").mark("unlink-confirm")
    dialog.open()


def _user_view(user_id: int, viewer: Viewer) -> None:
    @ui.refreshable
    def content() -> None:
        try:
            details = user_details(user_id)
        except NotAnAdministratorError as error:
            report_action_error(error)
            return
        if details is None:
            ui.label(_("This user does not exist (any more).")).props('role="alert"')
            return
        PlainLink(_("Back to the users"), PATH)
        with ui.card().classes("w-full gap-1"):
            _fact(_("Login:"), details.login, "detail-login")
            _fact(_("Name:"), details.name or "—")
            _fact(_("E-mail:"), _email_shown(details), "detail-email")
            member_of = [g.shown_name for g in details.groups if g.id in details.group_ids]
            _fact(_("Groups:"), ", ".join(member_of) or "—")
            _fact(_("Created:"), moment_text(details.created_at))
            _fact(_("Last sign-in:"), moment_text(details.last_login_at))
            _fact(_("Status:"), _("active") if details.active else _("blocked"), "detail-status")

            def block(active: bool) -> None:
                done = _("The user is unblocked.") if active else _("The user is blocked.")
                if _run_action(
                    lambda: set_user_active(user_id, active=active, version=details.version), done
                ):
                    content.refresh()

            with ui.row().classes("gap-2 items-center flex-wrap pt-2"):
                if not details.active:
                    ui.button(_("Unblock"), on_click=lambda: block(True)).props("outline").mark(
                        "unblock-user"
                    )
                elif details.id == viewer.id:
                    ui.label(_("You cannot block yourself."))
                else:
                    ui.button(_("Block"), on_click=lambda: block(False)).props(
                        "color=negative"
                    ).mark("block-user")
                    ui.label(_("Blocking signs the user out everywhere at once.")).classes(
                        "text-sm text-gray-600"
                    )

        _heading(_("Linked accounts"))
        if not details.links:
            ui.label(_("No external accounts are linked."))
        with ui.element("ul").classes("w-full divide-y"):
            for link in details.links:
                service = _(link.provider_title)
                with (
                    ui.element("li")
                    .classes("w-full py-2 flex flex-wrap gap-x-4 gap-y-1 items-center")
                    .mark(f"link-{link.id}")
                ):
                    with ui.column().classes("gap-0 grow min-w-0"):
                        ui.label(f"{service} · {link.service_id}").classes("font-medium")
                        ui.label(link.external_name or link.external_id).classes("break-all")
                        service_email(link.email, link.email_verified)
                        ui.label(
                            _("Site {site}; linked {linked}; last used {used}").format(
                                site=site_name(link.site_name),
                                linked=moment_text(link.linked_at),
                                used=moment_text(link.last_used_at),
                            )
                        ).classes("text-sm text-gray-600")
                    unlink = ui.button(
                        _("Unlink"),
                        on_click=lambda chosen=link: _unlink_dialog(
                            details, chosen, content.refresh
                        ),
                    )
                    unlink.props("outline color=negative").mark(f"unlink-{link.id}")
                    _labelled(unlink, _("Unlink the {service} account").format(service=service))

        _heading(_("Groups"))
        boxes: dict[int, ui.checkbox] = {}
        with _labelled(ui.column().classes("gap-0").props('role="group"'), _("Groups")):
            for group in details.groups:
                box = ui.checkbox(group.shown_name, value=group.id in details.group_ids).mark(
                    f"member-{group.code}"
                )
                if group.code == ADMINISTRATORS and details.id == viewer.id:
                    box.disable()
                    ui.label(_("You cannot remove yourself from the administrators.")).classes(
                        "text-sm text-gray-600 pl-10"
                    )
                boxes[group.id] = box

        def save_groups() -> None:
            chosen = [group_id for group_id, box in boxes.items() if box.value]
            if _run_action(
                lambda: set_user_groups(user_id, chosen, version=details.version),
                _("The groups are saved."),
            ):
                content.refresh()

        ui.button(_("Save groups"), on_click=save_groups).props("color=primary").mark("groups-save")

    content()


# ------------------------------------------------------------------------- routes


def register() -> None:
    add_admin_area(PATH, N_("Users and groups"), 40)

    @admin_page(PATH)
    async def users_and_groups(viewer: Viewer) -> None:
        with admin_frame(_("Users and groups"), viewer, PATH):
            await _user_search()
            _groups_section()

    @admin_page(PATH + "/{user_id}")
    def one_user(viewer: Viewer, user_id: str) -> None:
        # no number, or one no row can have (PostgreSQL's integer): nobody, not an error
        number = database_id(user_id)
        details = user_details(number) if number is not None else None
        if details is None:
            context.client.status_code = 404
        title = details.login if details else _("Users and groups")
        with admin_frame(title, viewer, PATH):
            _user_view(number or 0, viewer)
