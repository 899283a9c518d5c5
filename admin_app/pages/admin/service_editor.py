"""The services list and forms of one scope: drawn by ``/admin/services`` (the common
scope) and by each site's page (the site's own scope).

Per service: an on/off switch, arrows that move it in the sign-in buttons' order, and a
form with the service's settings, help, redirect URI, endpoint overrides and "Try it".
Secret values are never put into the page: a secret field is always drawn empty (a
"saved" badge says whether one is stored), and what the administrator types into it is
cleared from the page as soon as it is saved. Field problems are shown in labels of their
own, so that marking a secret field never sends its element (and what was typed) back.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from urllib.parse import quote

from nicegui import ui
from nicegui.elements.mixins.text_element import TextElement
from nicegui.events import ValueChangeEventArguments

from admin_app.auth.admin_access import NotAnAdministratorError
from admin_app.auth.try_failures import AUTH_METHODS_UNUSABLE
from admin_app.core.form_problems import FieldProblem
from admin_app.core.i18n import N_, _
from admin_app.pages.admin.client_key_section import ClientKeySection
from admin_app.pages.admin.frame import report_action_error
from admin_app.pages.admin.last_results import error_text, result_text, result_tone
from admin_app.pages.chips import TONE_CLASSES, state_chip
from admin_app.pages.disclosure import disclosure
from admin_app.pages.plain_button import (
    ARROW_DOWN,
    ARROW_UP,
    PLUS,
    TUNE,
    PlainButton,
    icon_and_text,
    icon_svg,
)
from admin_app.pages.widgets import ProblemLabel, attributes, text_with_links
from admin_app.services.badges import badge_svg
from admin_app.services.client_keys import has_client_key, with_key_when_chosen
from admin_app.services.discovery import read_again
from admin_app.services.regions import hidden_notes
from admin_app.services.service_editing import (
    ServiceChanges,
    ServiceFormError,
    ServiceView,
    add_service,
    endpoint_field,
    move_service,
    remove_service,
    save_service,
    scope_services,
    set_enabled,
    setting_field,
)
from admin_app.web.browser_cookie import csrf_token
from models.versions import StaleEditError

ENDPOINT_LABELS = {
    "issuer": N_("Issuer URL"),
    "authorize_url": N_("Authorization URL"),
    "token_url": N_("Token URL"),
    "api_url": N_("Profile URL"),
    "jwks_uri": N_("JWKS URL (the issuer's keys)"),
    "revocation_url": N_("Revocation URL"),
    "post_url": N_("Publishing URL"),
    "timeline_url": N_("Timeline URL (with {id})"),
}
#: a row's plain buttons: the primary colour, a tint on hover, dimmed when disabled
_BUTTON = (
    "inline-flex items-center align-middle text-blue-700 hover:bg-blue-50 "
    "disabled:opacity-60 disabled:cursor-not-allowed disabled:hover:bg-transparent"
)


def _badge_background(provider_id: str) -> str:
    """The service's badge as the background of its name, left and centred on it: two
    elements fewer on every row of the list than a flex row holding an element for the
    SVG beside the name, for the same look (the badge is decorative: the name says the
    service)."""
    svg = badge_svg(provider_id).replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
    return f'url("data:image/svg+xml,{quote(svg)}") no-repeat left center / 24px'


class _ServiceCard:
    """One service of the list: switch, arrows and its form."""

    def __init__(self, editor: ServicesEditor, view: ServiceView) -> None:
        self.editor = editor
        self.view = view
        self.service_id = view.service_id
        self.title = _(view.title)
        self._reverting = False
        self.inputs: dict[str, ui.input | ui.textarea | ui.select] = {}
        self.secret_inputs: dict[str, ui.input | ui.textarea] = {}
        self.saved_badges: dict[str, ui.badge] = {}
        self.clear_buttons: dict[str, ui.button] = {}
        self.to_remove: set[str] = set()  # optional secrets whose saved value goes
        self.endpoint_inputs: dict[str, ui.input] = {}
        self.problems: dict[str, ProblemLabel] = {}
        self.key_section: ClientKeySection | None = None
        self.panel: ui.dialog | None = None  # drawn with the form, when first opened
        self.card = self._draw()

    # -- drawing

    def _draw(self) -> ui.element:
        """The service's row of the table, and its settings panel beside the page."""
        view = self.view
        sid = view.service_id
        with (
            attributes(ui.element("tr"), {"data-testid": f"service-{sid}", "draggable": "true"})
            .classes("border-t border-gray-200 align-middle")
            .on("dragstart", lambda: self.editor.dragged(self))
            .on("dragover.prevent", js_handler="() => {}")  # a drop target, in the browser
            .on("drop.prevent", lambda: self.editor.dropped_on(self))
            .mark(f"service-{sid}") as row
        ):
            with ui.element("td").classes("py-1 pr-1 whitespace-nowrap"):
                self.up = self._arrow(ARROW_UP, _("Move {service} up"), -1, f"up-{sid}")
                self.down = self._arrow(ARROW_DOWN, _("Move {service} down"), 1, f"down-{sid}")
            with ui.element("td").classes("py-1 pr-2"):
                self.heading = ui.label(self.title).classes(
                    "flex flex-col flex-nowrap justify-center min-h-6 pl-8 font-medium"
                )
                self.heading.style["background"] = _badge_background(view.provider_id)
                if view.name:
                    with self.heading:
                        ui.label(_(view.provider_title)).classes(
                            "text-xs font-normal text-gray-700"
                        )
            with ui.element("td").classes("py-1 pr-2 whitespace-nowrap"):
                self.switch = attributes(
                    ui.switch(
                        self._state_text(view.enabled), value=view.enabled, on_change=self._switched
                    ),
                    {"aria-label": self._switch_label(view.enabled)},
                ).mark(f"switch-{sid}")
            with ui.element("td").classes("py-1 pr-2"):
                self.configured = state_chip("").classes("mr-1").mark(f"configured-{sid}")
                self._show_configured(view.configured)
                state_chip(result_text(view.last), result_tone(view.last)).classes("mr-1").mark(
                    f"last-result-{sid}"
                )
                if note := self.editor.region_notes.get(view.provider_id):
                    state_chip(note, "warning").mark(f"region-hidden-{sid}")
                error = error_text(view.last, self.title)
                if error:
                    ui.label(error).classes("mt-0.5 text-xs text-gray-700 break-words").mark(
                        f"last-error-{sid}"
                    )
            with ui.element("td").classes("py-1 text-right"):
                label = _("Settings of {service}").format(service=self.title)
                attributes(
                    PlainButton(
                        icon_and_text(TUNE, _("Settings"), "mr-2.5"), on_click=self.open_panel
                    ),
                    {"aria-label": label},
                ).classes(f"{_BUTTON} p-1 rounded font-medium").mark(f"settings-{sid}")
        return row

    def draw_form(self) -> ui.dialog:
        """The settings panel at the right side of the window, with its heading and form,
        once, when it first opens. Not with the page: the forms of all the services were
        two thirds of the services page's elements, hidden until opened, and the page was
        usable only after the server had built them all; the closed dialogs alone were
        two elements per row and dialog.js loaded with the page (bench/pages.py)."""
        if self.panel is not None:
            return self.panel
        sid = self.view.service_id
        with (
            self.editor.panels,
            attributes(ui.dialog(), {"aria-label": self.title})
            .props("position=right full-height")
            .mark(f"panel-{sid}") as panel,
            attributes(ui.card(), {"data-testid": f"panel-{sid}"})
            .classes("w-[36rem] max-w-full h-full gap-3 no-wrap overflow-y-auto")
            .mark(f"form-{sid}"),
        ):
            with ui.row().classes("w-full items-center gap-2 no-wrap"):
                ui.html(badge_svg(self.view.provider_id), sanitize=False)
                self.panel_heading = (
                    ui.label(self.title)
                    .classes("text-lg font-medium grow")
                    .props('role="heading" aria-level="2"')
                )
                close = _("Close the settings")
                attributes(
                    ui.button(icon="close", on_click=panel.close), {"aria-label": close}
                ).props("flat round dense").tooltip(close).mark(f"close-{self.service_id}")
            self._draw_form()
        self.panel = panel
        return panel

    def open_panel(self) -> None:
        self.draw_form().open()

    def _show_configured(self, configured: bool) -> None:
        """The chip of the row says whether the settings are complete: its words and tone
        change in place."""
        text, tone = (
            (_("Settings complete"), "positive")
            if configured
            else (_("Settings incomplete"), "warning")
        )
        self.configured.set_text(text)
        self.configured.classes(remove=" ".join(TONE_CLASSES.values()), add=TONE_CLASSES[tone])

    def _arrow(self, icon: str, label: str, offset: int, marker: str) -> PlainButton:
        """An arrow named by its aria-label, with the same words as the browser's own
        tooltip (``title``): a Quasar tooltip per arrow was two more elements on every row
        of the page, for the same words."""
        text = label.format(service=self.title)
        return (
            attributes(
                PlainButton(icon_svg(icon), on_click=lambda: self._move(offset)),
                {"aria-label": text, "title": text},
            )
            .classes(f"{_BUTTON} justify-center size-8.5 rounded-full")
            .mark(marker)
        )

    def _draw_form(self) -> None:
        view = self.view
        sid = view.service_id
        with ui.column().classes("w-full gap-3"):
            ui.html(text_with_links(_(view.help)), sanitize=False).classes(
                "whitespace-pre-line text-sm max-w-full"
            ).mark(f"help-{sid}")
            self._draw_redirect_uris()
            if view.removable:
                self.name_input = (
                    ui.input(_("Display name"), value=view.name)
                    .props("outlined dense maxlength=100")
                    .classes("w-full")
                    .mark(f"name-{sid}")
                )
                self.problems["name"] = ProblemLabel(f"problem-{sid}-name", self.name_input)
            for setting in view.fields:
                self._draw_field(setting.key)
            if has_client_key(view.provider_id):
                self.key_section = ClientKeySection(
                    scope=self.editor.scope,
                    service_id=sid,
                    version=lambda: self.editor.versions.get(sid),
                    created=self._key_created,
                    copy=self._copy,
                )
            with (
                ui.expansion(_("Advanced"), icon="settings")
                .classes("w-full")
                .mark(f"advanced-{sid}") as self.advanced
            ):
                ui.label(
                    _(
                        "Addresses of the service, to replace the usual ones. Leave empty to use them."
                    )
                ).classes("text-sm text-gray-600")
                for endpoint in view.endpoints:
                    label = _(ENDPOINT_LABELS.get(endpoint.key, endpoint.key))
                    endpoint_input = ui.input(label, value=endpoint.value)
                    if endpoint.default:
                        attributes(endpoint_input, {"placeholder": endpoint.default})
                    self.endpoint_inputs[endpoint.key] = (
                        endpoint_input.props("outlined dense")
                        .classes("w-full")
                        .mark(f"endpoint-{sid}-{endpoint.key}")
                    )
                    self.problems[endpoint_field(endpoint.key)] = ProblemLabel(
                        f"problem-{sid}-{endpoint_field(endpoint.key)}", endpoint_input
                    )
            if view.discovers:
                self._draw_discovery()
            self.problems[""] = ProblemLabel(f"problem-{sid}")
            with ui.row().classes("w-full items-center gap-2 flex-wrap"):
                ui.button(_("Save"), on_click=self._save).props("color=primary").mark(f"save-{sid}")
                self._draw_try_form()
                if view.removable:
                    ui.button(_("Remove"), on_click=self._confirm_removal).props(
                        "flat color=negative"
                    ).mark(f"remove-{sid}")
            self.try_hint = ui.label(_("Save complete settings to try the sign-in.")).classes(
                "text-sm text-gray-600"
            )
            self.try_hint.set_visibility(not view.configured)

    def _draw_discovery(self) -> None:
        """The issuer's discovery document, read again on demand and after each save:
        what it says now, or why it cannot be read."""
        sid = self.view.service_id
        with ui.row().classes("w-full items-center gap-2 flex-wrap"):
            ui.label(_("Discovery document")).classes("text-sm font-medium")
            label = _("Read the discovery document of {service} again").format(service=self.title)
            attributes(
                ui.button(_("Read again"), icon="refresh", on_click=self._read_discovery),
                {"aria-label": label},
            ).props("flat dense no-caps").mark(f"discovery-read-{sid}")
        self.discovery = (ui.column().classes("w-full gap-0 text-sm").props('role="status"')).mark(
            f"discovery-{sid}"
        )

    async def _read_discovery(self) -> None:
        try:
            report = await read_again(self.editor.scope, self.service_id)
        except NotAnAdministratorError as error:
            report_action_error(error)
            return
        self.discovery.clear()
        if report is None:
            return
        with self.discovery:
            if report.problem:
                text = _("{url} could not be read: {problem}") if report.url else "{problem}"
                ui.label(text.format(url=report.url, problem=report.problem)).classes(
                    "text-negative break-all"
                ).mark(f"discovery-problem-{self.service_id}")
                return
            if report.unusable_auth_methods:
                ui.label(
                    _(AUTH_METHODS_UNUSABLE).format(
                        offers=report.unusable_auth_methods, uses=report.usable_auth_methods
                    )
                ).classes("text-negative").mark(f"discovery-auth-warning-{self.service_id}")
            ui.label(_("Read just now from {url}:").format(url=report.url)).classes("break-all")
            with ui.element("dl").classes("grid gap-x-3 sm:grid-cols-[auto_1fr]"):
                for key, value in report.found.items():
                    TextElement(tag="dt", text=key).classes("font-mono")
                    TextElement(tag="dd", text=value).classes("break-all").mark(
                        f"discovery-{self.service_id}-{key}"
                    )

    def _draw_redirect_uris(self) -> None:
        """One address per site these settings serve: each must be registered at the
        service, or signing in from that site fails there."""
        sid = self.view.service_id
        uris = self.view.redirect_uris
        if not uris:
            ui.label(_("No site uses these settings now: every site applies its own.")).classes(
                "text-sm text-gray-600"
            ).mark(f"redirect-none-{sid}")
            return
        if len(uris) > 1:
            ui.label(_("Register all these redirect URIs at the service, one per site:")).classes(
                "text-sm"
            )
        for number, uri in enumerate(uris):
            marker = f"{sid}" if number == 0 else f"{sid}-{number}"
            with ui.row().classes("w-full items-center gap-2 no-wrap"):
                ui.input(_("Redirect URI"), value=uri).props("readonly outlined dense").classes(
                    "grow min-w-0"
                ).mark(f"redirect-{marker}")
                copy = _("Copy the redirect URI")
                attributes(
                    ui.button(icon="content_copy", on_click=lambda uri=uri: self._copy(uri)),
                    {"aria-label": copy},
                ).props("flat round").tooltip(copy).mark(f"copy-{marker}")
        if self.view.https_redirect_only and any(uri.startswith("http://") for uri in uris):
            ui.label(
                _(
                    "{service} accepts only https redirect URIs, and this one starts with "
                    "http://. Set SOCIALSERVICES_PUBLIC_URL to the https address visitors "
                    "reach this server at (for example https://sso.example.org) and restart "
                    "it; then register the redirect URI shown here."
                ).format(service=self.title)
            ).classes("text-sm text-amber-900").mark(f"redirect-http-warning-{sid}")

    def _draw_field(self, key: str) -> None:
        setting = next(f for f in self.view.fields if f.key == key)
        sid = self.view.service_id
        label = _(setting.label)
        if not setting.required:
            label = _("{label} (optional)").format(label=label)
        extra: dict[str, str] = {}
        if setting.hint:
            extra["hint"] = _(setting.hint)
        element: ui.input | ui.textarea | ui.select
        if setting.secret:
            extra["autocomplete"] = "new-password"
            if setting.saved:
                extra["placeholder"] = _("saved: type a new value to replace it")
            with ui.row().classes("w-full items-start gap-2 no-wrap"):
                if setting.multiline:
                    element = ui.textarea(label, value="")
                else:
                    element = ui.input(label, value="", password=True)
                attributes(element, extra).props("outlined dense").classes("grow min-w-0")
                element.mark(f"field-{sid}-{key}")
                badge = ui.badge(_("saved"), color="positive").classes("mt-3")
                badge.mark(f"saved-{sid}-{key}")
                badge.set_visibility(setting.saved)
                if not setting.required:
                    self.clear_buttons[key] = self._draw_clear_button(key, label)
                    self.clear_buttons[key].set_visibility(setting.saved)
            self.secret_inputs[key] = element
            self.saved_badges[key] = badge
        else:
            if setting.default and not setting.choices:
                extra["placeholder"] = setting.default
            if setting.choices:  # a stored value it does not list is still shown (and refused)
                current = setting.value or setting.default
                options = list(dict.fromkeys((*setting.choices, *([current] if current else []))))
                element = ui.select(options, label=label, value=current or None)
            elif setting.multiline:
                element = ui.textarea(label, value=setting.value)
            else:
                element = ui.input(label, value=setting.value)
            attributes(element, extra).props("outlined dense").classes("w-full")
            element.mark(f"field-{sid}-{key}")
            self.inputs[key] = element
        self.problems[setting_field(key)] = ProblemLabel(
            f"problem-{sid}-{setting_field(key)}", element
        )

    def _setting_value(self, key: str) -> str:
        """What the form says for a (not secret) setting; a drop-down showing the default
        is stored empty, as a field left empty is, so that saving changes nothing."""
        value = str(self.inputs[key].value or "")
        setting = next(f for f in self.view.fields if f.key == key)
        return "" if setting.choices and value == setting.default else value

    def _draw_clear_button(self, key: str, label: str) -> ui.button:
        """An optional secret's saved value can be removed (an empty field keeps it): the
        removal is marked here and made by "Save", like every other change of the form."""
        text = _("Remove the saved {field}").format(field=label)
        button = attributes(
            ui.button(icon="backspace", on_click=lambda: self._mark_for_removal(key)),
            {"aria-label": text},
        )
        return button.props("flat round dense").tooltip(text).mark(f"clear-{self.service_id}-{key}")

    def _draw_try_form(self) -> None:
        sid = self.view.service_id
        with attributes(
            ui.element("form"),
            {"method": "post", "action": f"/oauth/{quote(sid)}/try", "target": "_blank"},
        ).mark(f"try-form-{sid}"):
            hidden = {"csrf": self.editor.csrf, "scope": self.editor.scope}
            for name, value in hidden.items():
                attributes(ui.element("input"), {"type": "hidden", "name": name, "value": value})
            self.try_button = (
                attributes(ui.button(_("Try it")), {"aria-label": self._try_label()})
                .props("type=submit outline")
                .mark(f"try-{sid}")
            )
            self.try_button.set_enabled(self.view.configured)

    @staticmethod
    def _state_text(enabled: bool) -> str:
        return _("On") if enabled else _("Off")

    def _switch_label(self, enabled: bool) -> str:
        """The switch's name with its state, as its visible label says it."""
        return _("{service}: {state}").format(service=self.title, state=self._state_text(enabled))

    def _show_state(self, enabled: bool) -> None:
        self.switch.set_text(self._state_text(enabled))
        self.switch.props["aria-label"] = self._switch_label(enabled)
        self.switch.update()

    def _try_label(self) -> str:
        return _("Try it: sign in with {service} (opens a new tab)").format(service=self.title)

    # -- showing problems

    def show_problems(self, problems: Mapping[str, list[FieldProblem]]) -> None:
        if any(problems.values()):
            self.draw_form()
        for where, label in self.problems.items():
            label.show(problems.get(where))
        if any(where.startswith("endpoints.") for where in problems) and self.panel:
            self.advanced.open()
        if any(problems.values()) and self.panel:
            self.panel.open()

    # -- actions

    async def _copy(self, uri: str) -> None:
        """Browsers allow the clipboard on https and localhost only: say when it failed
        rather than let the administrator paste an old value at the service."""
        try:
            copied = await ui.run_javascript(
                f"navigator.clipboard ? navigator.clipboard.writeText({json.dumps(uri)})"
                ".then(() => true, () => false) : false"
            )
        except TimeoutError:  # a page closed meanwhile, or a browser too busy to answer
            copied = False
        if copied:
            ui.notify(_("Copied"))
        else:
            ui.notify(
                _("The browser did not allow copying: select the address and copy it."),
                type="warning",
            )

    def _mark_for_removal(self, key: str) -> None:
        self.to_remove.add(key)
        self.saved_badges[key].set_visibility(False)
        self.clear_buttons[key].set_visibility(False)
        self.secret_inputs[key].props["placeholder"] = _("removed when you save")

    def _switched(self, event: ValueChangeEventArguments) -> None:
        if self._reverting:
            return
        wanted = bool(event.value)
        try:
            version = set_enabled(
                self.editor.scope,
                self.service_id,
                wanted,
                version=self.editor.versions.get(self.service_id),
            )
        except ServiceFormError as error:
            self._revert_switch(not wanted)
            self.show_problems(error.problems)
            ui.notify(
                _("Complete the settings of {service} before switching it on.").format(
                    service=self.title
                ),
                type="warning",
                multi_line=True,
            )
            return
        except (NotAnAdministratorError, StaleEditError) as error:
            self._revert_switch(not wanted)
            report_action_error(error)
            return
        self.editor.versions[self.service_id] = version
        self._show_state(wanted)
        self.show_problems({})
        message = _("{service} is switched on.") if wanted else _("{service} is switched off.")
        ui.notify(message.format(service=self.title), type="positive")

    def _revert_switch(self, value: bool) -> None:
        self._reverting = True
        try:
            self.switch.set_value(value)
        finally:
            self._reverting = False

    def _move(self, offset: int) -> None:
        self.editor.move(self, offset)

    def _save(self) -> None:
        changes = ServiceChanges(
            settings={key: self._setting_value(key) for key in self.inputs},
            secrets={key: element.value or "" for key, element in self.secret_inputs.items()},
            endpoints={key: element.value or "" for key, element in self.endpoint_inputs.items()},
            name=(self.name_input.value or "") if self.view.removable else None,
            cleared_secrets=frozenset(self.to_remove),
        )
        try:
            changes = with_key_when_chosen(self.editor.scope, self.service_id, changes)
            view = save_service(
                self.editor.scope,
                self.service_id,
                changes,
                version=self.editor.versions.get(self.service_id),
            )
        except ServiceFormError as error:
            self.show_problems(error.problems)
            ui.notify(_("Not saved: see the messages next to the fields."), type="warning")
            return
        except (NotAnAdministratorError, StaleEditError) as error:
            report_action_error(error)
            return
        first_save = self.editor.versions.get(self.service_id) is None
        was_saved = {f.key for f in self.view.fields if f.secret and f.saved}
        dropped = [
            _(f.label)
            for f in view.fields
            if f.key in was_saved and not f.saved and f.key not in self.to_remove
        ]
        self.to_remove.clear()
        self.view = view
        self.editor.versions[self.service_id] = view.version
        if first_save:
            self.editor.stored_now(self)
        self._show_saved_secrets(view)
        if self.key_section is not None:
            self.key_section.show()
        if view.removable:
            self.title = _(view.title)
            self.heading.set_text(self.title)
            self.panel_heading.set_text(self.title)
            self._show_state(view.enabled)
        self._show_configured(view.configured)
        self.try_button.set_enabled(view.configured)
        self.try_hint.set_visibility(not view.configured)
        self.show_problems({})
        ui.notify(_("{service}: saved.").format(service=self.title), type="positive")
        for label in dropped:
            ui.notify(
                _(
                    "{field}: the saved value was removed, because the settings it is sent "
                    "with changed. Enter it again if it is still needed."
                ).format(field=label),
                type="warning",
                multi_line=True,
            )
        own_issuer = any(e.key == "issuer" and e.value for e in view.endpoints)
        if view.discovers and view.configured and own_issuer:  # its document as it is now
            with self.editor.panels:
                ui.timer(0, self._read_discovery, once=True)

    def _show_saved_secrets(self, view: ServiceView) -> None:
        saved_text = _("saved: type a new value to replace it")
        for setting in view.fields:
            if not setting.secret:
                continue
            element = self.secret_inputs[setting.key]
            element.set_value("")  # first: later updates of the element carry no secret
            if setting.saved:
                element.props["placeholder"] = saved_text
            else:
                element.props(remove="placeholder")
            self.saved_badges[setting.key].set_visibility(setting.saved)
            if setting.key in self.clear_buttons:
                self.clear_buttons[setting.key].set_visibility(setting.saved)

    def _key_created(self, view: ServiceView) -> None:
        """A key stored with the saved settings (``ClientKeySection``): the form now
        claims the new version and shows the key as saved."""
        self.view = view
        self.editor.versions[self.service_id] = view.version
        self._show_saved_secrets(view)

    def _confirm_removal(self) -> None:
        with ui.dialog() as dialog, ui.card():
            ui.label(_("Remove {service} and its settings?").format(service=self.title))
            with ui.row().classes("gap-2 justify-end w-full"):
                ui.button(_("Cancel"), on_click=dialog.close).props("flat")

                def confirmed() -> None:
                    dialog.close()
                    self._remove()

                ui.button(_("Remove"), on_click=confirmed).props("color=negative").mark(
                    f"confirm-remove-{self.service_id}"
                )
        dialog.on("hide", dialog.delete)
        dialog.open()

    def _remove(self) -> None:
        try:
            remove_service(
                self.editor.scope,
                self.service_id,
                version=self.editor.versions.get(self.service_id),
            )
        except (NotAnAdministratorError, StaleEditError) as error:
            report_action_error(error)
            return
        self.editor.forget(self)
        ui.notify(_("{service} is removed.").format(service=self.title), type="positive")


class ServicesEditor:
    """The list of one scope's services, in the order of the sign-in buttons."""

    def __init__(self, scope: str) -> None:
        self.scope = scope
        self.csrf = csrf_token()  # read while drawing: events see no cookie
        self.versions: dict[str, int | None] = {}
        self.cards: list[_ServiceCard] = []
        self.dragging: _ServiceCard | None = None  # the row being dragged
        self.region_notes: dict[str, str] = {}  # provider id: where its region hides it

    def draw(self) -> None:
        with (
            ui.element("div").classes("w-full overflow-x-auto"),
            ui.element("table").classes("w-full text-left border-collapse"),
        ):
            TextElement(
                tag="caption", text=_("Services, in the order of the sign-in buttons")
            ).classes("sr-only")
            with ui.element("thead"), ui.element("tr").classes("text-sm text-gray-700"):
                for heading in (
                    _("Order"),
                    _("Service"),
                    _("Sign-in button"),
                    _("State"),
                    _("Settings"),
                ):
                    attributes(TextElement(tag="th", text=heading), {"scope": "col"}).classes(
                        "font-medium py-1 pr-2"
                    )
            self.container = ui.element("tbody").mark("services-list")
        self.panels = ui.element("div")  # the rows' settings panels (dialogs)
        self.region_notes = hidden_notes(self.scope)
        for view in scope_services(self.scope):
            self._add_card(view)
        self._refresh_arrows()
        self._draw_add_form()

    def _refresh_arrows(self) -> None:
        """The first row cannot go up, nor the last one down."""
        for index, card in enumerate(self.cards):
            card.up.set_enabled(index > 0)
            card.down.set_enabled(index < len(self.cards) - 1)

    def _add_card(self, view: ServiceView) -> _ServiceCard:
        self.versions[view.service_id] = view.version
        with self.container:
            card = _ServiceCard(self, view)
        self.cards.append(card)
        return card

    @property
    def order(self) -> list[str]:
        return [card.service_id for card in self.cards]

    def move(self, card: _ServiceCard, offset: int) -> None:
        here = self.cards.index(card)
        there = here + offset
        if not 0 <= there < len(self.cards):
            return
        try:
            changed = move_service(
                self.scope,
                card.service_id,
                offset,
                shown_order=self.order,
                versions=dict(self.versions),
            )
        except (NotAnAdministratorError, StaleEditError) as error:
            report_action_error(error)
            return
        self.versions.update(changed)
        self.cards.insert(there, self.cards.pop(here))
        card.card.move(target_index=there)
        self._refresh_arrows()
        ui.notify(
            _("{service} moved to place {place}.").format(service=card.title, place=there + 1)
        )

    def dragged(self, card: _ServiceCard) -> None:
        self.dragging = card

    def dropped_on(self, target: _ServiceCard) -> None:
        """A row dropped on another takes its place (the arrows do the same by keyboard)."""
        card, self.dragging = self.dragging, None
        if card is None or card is target or card not in self.cards:
            return
        self.move(card, self.cards.index(target) - self.cards.index(card))

    def stored_now(self, card: _ServiceCard) -> None:
        """A service saved for the first time is stored after the others: show it there."""
        self.cards.remove(card)
        place = sum(1 for other in self.cards if self.versions.get(other.service_id) is not None)
        self.cards.insert(place, card)
        card.card.move(target_index=place)
        self._refresh_arrows()

    def forget(self, card: _ServiceCard) -> None:
        self.cards.remove(card)
        self.versions.pop(card.service_id, None)
        self.container.remove(card.card)
        if card.panel is not None:
            self.panels.remove(card.panel)
        self._refresh_arrows()

    def _draw_add_form(self) -> None:
        """The "Add" section, closed; its form is drawn when it first opens, as a
        service's settings form is (``_ServiceCard.draw_form``)."""
        disclosure(
            _("Add an OpenID Connect service"),
            PLUS,
            "add-service",
            self._draw_add_fields,
            body="flex flex-col items-start gap-4 p-4",
        )

    def _draw_add_fields(self) -> None:
        """The add form's id and name, and its button."""
        ui.label(
            _(
                "Any provider that speaks OpenID Connect, under an id and a name of your "
                "choice. The id becomes part of its redirect URI."
            )
        ).classes("text-sm text-gray-600")
        service_id = (
            attributes(ui.input(_("Service ID")), {"hint": _("For example: staff-sso")})
            .props("outlined dense maxlength=50")
            .classes("w-full")
            .mark("add-service-id")
        )
        id_problem = ProblemLabel("problem-add-service_id", service_id)
        name = (
            ui.input(_("Display name"))
            .props("outlined dense maxlength=100")
            .classes("w-full")
            .mark("add-service-name")
        )
        name_problem = ProblemLabel("problem-add-name", name)

        def add() -> None:
            try:
                view = add_service(self.scope, service_id.value or "", name.value or "")
            except ServiceFormError as error:
                id_problem.show(error.problems.get("service_id"))
                name_problem.show(error.problems.get("name"))
                return
            except (NotAnAdministratorError, StaleEditError) as error:
                report_action_error(error)
                return
            id_problem.show(None)
            name_problem.show(None)
            service_id.set_value("")
            name.set_value("")
            card = self._add_card(view)
            self.stored_now(card)
            card.open_panel()
            ui.notify(
                _("{service} is added, switched off until its settings are complete.").format(
                    service=view.name
                ),
                type="positive",
                multi_line=True,
            )

        ui.button(_("Add"), on_click=add).props("color=primary").mark("add-service-submit")


def draw_services_editor(scope: str) -> ServicesEditor:
    """Draw a scope's services editor here: "common", or a site's id for its own."""
    editor = ServicesEditor(scope)
    editor.draw()
    return editor
