"""``/profile``: the signed-in person's account (the e-mail's state in ``profile_email``,
the link mailed to a new address in ``email_confirm``), their linked external accounts and
their sessions (``profile_sessions``).

Linking starts with a real HTML form (a POST carrying our CSRF token) and comes back here
with ``?linked=<service>`` or, when it did not work, ``?problem=<reason>&service=<id>``:
reason codes only, so nothing from the URL is shown as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from fastapi import Request
from nicegui import ui

from admin_app.auth.accounts import Viewer
from admin_app.auth.refusals import problem_message
from admin_app.core.form_problems import FieldProblem
from admin_app.core.i18n import N_, _
from admin_app.core.input_checks import INVISIBLE, has_invisible_characters
from admin_app.pages import email_confirm
from admin_app.pages.guards import signed_in_page
from admin_app.pages.profile_email import EmailStatus
from admin_app.pages.profile_sessions import SessionsSection
from admin_app.pages.widgets import ProblemLabel, attributes, service_email
from admin_app.profile.links import LinkedAccountView, ProfileLinks, profile_links
from admin_app.profile.own_account import (
    AccountFormError,
    LastSignInMethodError,
    NoSuchLinkError,
    NotSignedInError,
    PublishingOffError,
    change_own_password,
    own_account,
    set_publish_activity,
    unlink_own,
    update_own_details,
)
from admin_app.services.badges import badge_svg
from admin_app.web import theme
from admin_app.web.browser_cookie import csrf_token
from admin_app.web.layout import NavEntry, add_navigation, frame
from admin_app.web.viewer_time import moment_text
from models.users import MAX_EMAIL_LENGTH, MAX_NAME_LENGTH
from models.versions import StaleEditError

PATH = "/profile"
LAST_METHOD = N_(
    "This is the only way you can sign in now. Set a password first (below), then unlink it."
)


def _section() -> ui.element:
    return ui.element("section").classes(theme.SECTION)


def _heading(text: str) -> ui.label:
    return ui.label(text).classes("text-xl font-semibold").props('role="heading" aria-level="2"')


def _report(error: Exception) -> None:
    """What the person sees when an action is refused (call in an ``except``)."""
    if isinstance(error, NotSignedInError):  # signed out in another tab, or blocked
        ui.navigate.to(f"/login?next={PATH}")
    elif isinstance(error, PublishingOffError):
        ui.notify(_("Sending activities is switched off by the administrator."), type="warning")
    elif isinstance(error, StaleEditError):
        ui.notify(_("Your account changed meanwhile. Reload the page."), type="warning")
    elif isinstance(error, NoSuchLinkError):
        ui.notify(_("This account is not linked any more. Reload the page."), type="warning")
    else:
        raise error


def _link_form(service_id: str, title: str, csrf: str) -> None:
    with attributes(
        ui.element("form"), {"method": "post", "action": f"/oauth/{quote(service_id)}/link"}
    ).mark(f"link-{service_id}"):
        attributes(ui.element("input"), {"type": "hidden", "name": "csrf", "value": csrf})
        ui.button(_("Link {service}").format(service=title)).props("type=submit outline")


class _DetailsForm:
    """First and last name, e-mail."""

    def __init__(self) -> None:
        account = own_account()
        self.version = account.version
        _heading(_("Your details"))
        self.inputs: dict[str, ui.input] = {}
        self.problems: dict[str, ProblemLabel] = {}
        values = {  # label, value, the browser's autocomplete hint, longest value
            "first_name": (_("First name"), account.first_name, "given-name", MAX_NAME_LENGTH),
            "last_name": (_("Last name"), account.last_name, "family-name", MAX_NAME_LENGTH),
            "email": (_("E-mail"), account.email, "email", MAX_EMAIL_LENGTH),
        }
        with ui.column().classes(f"{theme.FORM_WIDTH} gap-3").mark("details-form"):
            for key, (label, value, autocomplete, limit) in values.items():
                self.inputs[key] = (
                    attributes(
                        ui.input(label, value=value),
                        {"autocomplete": autocomplete, "maxlength": str(limit)},
                    )
                    .props("type=email" if key == "email" else "")
                    .classes("w-full")
                    .mark(f"details-{key}")
                )
                self.problems[key] = ProblemLabel(f"problem-{key}", self.inputs[key])
            self.email_status = EmailStatus(_report)
            self.email_status.draw(account)
            ui.button(_("Save"), on_click=self.save).props("color=primary").mark("details-save")

    def save(self) -> None:
        # a NUL (PostgreSQL refuses it) or another invisible character: said at its field
        invisible = {
            key
            for key, element in self.inputs.items()
            if has_invisible_characters(element.value or "")
        }
        if invisible:
            for key, label in self.problems.items():
                label.show([FieldProblem(INVISIBLE)] if key in invisible else None)
            return
        typed = (self.inputs["email"].value or "").strip()
        try:
            account = update_own_details(
                first_name=self.inputs["first_name"].value or "",
                last_name=self.inputs["last_name"].value or "",
                email=typed,
                version=self.version,
            )
        except AccountFormError as error:
            for key, label in self.problems.items():
                label.show(error.problems.get(key))
            return
        except (NotSignedInError, StaleEditError) as error:
            _report(error)
            return
        self.version = account.version
        for label in self.problems.values():
            label.show(None)
        self.inputs["email"].value = account.email  # a new one shows as waiting, below
        self.email_status.draw.refresh(account)
        if account.pending is not None and typed.lower() == account.pending.email.lower():
            ui.notify(
                _(
                    "A link was sent to {email}. The address changes once it is followed; "
                    "your other details are saved."
                ).format(email=typed),
                type="positive",
                multi_line=True,
            )
        else:
            ui.notify(_("Your details are saved."), type="positive")


class _PasswordForm:
    """Change the password (the current one is asked for), or set a first one."""

    def __init__(self, on_first_set: Callable[[], object]) -> None:
        self.on_first_set = on_first_set
        self.inputs: dict[str, ui.input] = {}
        self.problems: dict[str, ProblemLabel] = {}
        _heading(_("Password"))

    @ui.refreshable_method
    def draw(self) -> None:
        has_password = own_account().has_password
        self.inputs.clear()
        self.problems.clear()
        with ui.column().classes(f"{theme.FORM_WIDTH} gap-3").mark("password-form"):
            if not has_password:
                ui.label(
                    _("You sign in with external accounts only. A password adds another way.")
                ).classes(theme.MUTED)
            fields = [("new_password", _("New password")), ("repeat_password", _("Repeat it"))]
            if has_password:
                fields.insert(0, ("current_password", _("Current password")))
            for key, label in fields:
                autocomplete = "current-password" if key == "current_password" else "new-password"
                self.inputs[key] = (
                    attributes(ui.input(label, password=True), {"autocomplete": autocomplete})
                    .classes("w-full")
                    .mark(key)
                )
                self.problems[key] = ProblemLabel(f"problem-{key}", self.inputs[key])
            label = _("Change password") if has_password else _("Set a password")

            async def save() -> None:
                await self.save(first=not has_password)

            ui.button(label, on_click=save).props("color=primary").mark("password-save")

    def focus(self) -> None:
        next(iter(self.inputs.values())).run_method("focus")

    async def save(self, *, first: bool) -> None:
        values = {key: element.value or "" for key, element in self.inputs.items()}
        refused: Exception | None = None
        try:
            await change_own_password(
                current=values.get("current_password", ""),
                new=values["new_password"],
                repeat=values["repeat_password"],
            )
        except AccountFormError as error:
            if not set(error.problems) <= set(self.problems):  # a field this form lacks
                refused = StaleEditError()
            else:
                for key, label in self.problems.items():
                    label.show(error.problems.get(key))
                return
        except (NotSignedInError, StaleEditError) as error:
            refused = error
        if refused is not None:
            _report(refused)
            self.draw.refresh()  # a password set in another tab meanwhile: ask for it now
            return
        ui.notify(_("Your password is saved."), type="positive")
        self.draw.refresh()  # typed passwords leave the page; the form now asks for it
        if first:
            self.on_first_set()


class _LinkedAccounts:
    """The linked accounts, the buttons that link more, and what happened to the last try."""

    def __init__(
        self,
        viewer: Viewer,
        host: str | None,
        heading: ui.label,
        password_form: Callable[[], object],
    ):
        self.viewer = viewer
        self.host = host
        self.heading = heading
        self.focus_password = password_form
        self.csrf = csrf_token()  # read while drawing: events see no cookie

    @ui.refreshable_method
    def draw(self, links: ProfileLinks | None = None) -> None:
        """The list; ``links`` as the page read them, None to read them again."""
        links = links or profile_links(self.viewer.id, self.host)
        with ui.element("ul").classes("w-full divide-y divide-gray-200").mark("linked-list"):
            for view in links.linked:
                self._draw_link(view, links)
        if not links.linked:
            ui.label(_("No external accounts are linked yet.")).mark("no-links")
        if not links.may_link:
            ui.label(
                _(
                    "Your account may not link external services. Ask an administrator if you "
                    "need to."
                )
            ).mark("link-denied")
        elif links.linkable:
            with ui.row().classes("gap-2 flex-wrap").mark("linkable"):
                for service in links.linkable:
                    _link_form(service.service_id, _(service.title), self.csrf)

    def _draw_link(self, view: LinkedAccountView, links: ProfileLinks) -> None:
        title = _(view.service_title)
        with (
            ui.element("li")
            .classes("w-full py-3 flex flex-wrap items-center gap-x-4 gap-y-2")
            .mark(f"linked-{view.service_id}")
        ):
            ui.html(badge_svg(view.provider_id), sanitize=False)
            if view.picture_url:
                attributes(
                    ui.element("img"),
                    {"src": view.picture_url, "alt": "", "referrerpolicy": "no-referrer"},
                ).classes("w-10 h-10 rounded-full object-cover")
            with ui.column().classes("gap-0 min-w-0 grow"):
                ui.label(title).classes("font-medium")
                ui.label(view.external_name).classes("break-all")  # text, never HTML
                service_email(view.email, view.email_verified)
                ui.label(
                    _("Linked {linked}; last used to sign in: {used}").format(
                        linked=moment_text(view.linked_at), used=moment_text(view.last_used_at)
                    )
                ).classes(theme.MUTED)
            if view.can_publish and links.activity_allowed:
                attributes(
                    ui.switch(
                        _("Publish my activity"),
                        value=view.publishes,
                        on_change=lambda event, view=view: self._publish(view, bool(event.value)),
                    ),
                    {
                        "aria-label": _("Publish my activity through {service}").format(
                            service=title
                        )
                    },
                ).mark(f"publish-{view.service_id}")
            last = not links.has_password and links.sign_in_ways == [view.link_id]
            unlink_label = _("Unlink {service} ({name})").format(
                service=title, name=view.external_name
            )
            attributes(
                ui.button(_("Unlink"), on_click=lambda view=view: self._ask(view, last)),
                {"aria-label": unlink_label},
            ).props("flat color=negative").mark(f"unlink-{view.service_id}")

    def _publish(self, view: LinkedAccountView, on: bool) -> None:
        try:
            set_publish_activity(view.link_id, on)
        except NotSignedInError as error:
            _report(error)
        except (NoSuchLinkError, PublishingOffError) as error:
            _report(error)
            self.draw.refresh(None)

    def _ask(self, view: LinkedAccountView, last: bool) -> None:
        title = _(view.service_title)
        dialog = attributes(
            ui.dialog(), {"aria-label": _("Unlink {service}").format(service=title)}
        )
        with dialog, ui.card().classes("gap-3"):
            if last:
                ui.label(_(LAST_METHOD)).props('role="alert"').mark("last-method")
            else:
                ui.label(
                    _("Unlink {service} ({name})? You can link it again later.").format(
                        service=title, name=view.external_name
                    )
                )
            with ui.row().classes("gap-2 justify-end w-full"):
                ui.button(_("Cancel"), on_click=dialog.close).props("flat")
                if last:

                    def to_password() -> None:
                        dialog.close()
                        self.focus_password()

                    ui.button(_("Set a password"), on_click=to_password).props(
                        "color=primary"
                    ).mark("go-to-password")
                else:

                    async def confirmed() -> None:
                        dialog.close()
                        await self._unlink(view)

                    ui.button(_("Unlink"), on_click=confirmed).props("color=negative").mark(
                        "confirm-unlink"
                    )
        dialog.on("hide", dialog.delete)
        dialog.open()

    async def _unlink(self, view: LinkedAccountView) -> None:
        try:
            revocation = await unlink_own(view.link_id)
        except LastSignInMethodError:
            ui.notify(_(LAST_METHOD), type="warning", multi_line=True)
            return
        except NotSignedInError as error:
            _report(error)
            return
        except NoSuchLinkError as error:
            _report(error)
            self.draw.refresh(None)
            return
        service = _(view.service_title)
        ui.notify(_("{service} is unlinked.").format(service=service), type="positive")
        if revocation.failed:  # the link is gone all the same: say what is left to do
            ui.notify(
                _(revocation.problem).format(service=service),
                type="warning",
                multi_line=True,
            )
        self.draw.refresh(None)
        # The focused button is gone with its row: keyboard users go on from the heading.
        ui.run_javascript(f"document.getElementById('c{self.heading.id}').focus()")


def _outcome_message(links: ProfileLinks, linked: str, problem: str, service: str) -> bool:
    """The result of the round trip that brought the browser back here, if any."""
    if problem:
        titles = {s.service_id: _(s.title) for s in links.linkable}
        titles.update({v.service_id: _(v.service_title) for v in links.linked})
        name = titles.get(service, _("the service"))
        ui.label(_(problem_message(problem)).format(service=name)).classes("text-negative").props(
            'role="alert"'
        ).mark("link-problem")
        return True
    just_linked = next((v for v in links.linked if v.service_id == linked), None)
    if just_linked is not None:
        ui.label(
            _("{service} is now linked to your account.").format(
                service=_(just_linked.service_title)
            )
        ).classes("text-positive").props('role="status"').mark("linked-confirmation")
        return True
    return False


def register() -> None:
    add_navigation(NavEntry(PATH, N_("Profile")))
    email_confirm.register()

    @signed_in_page(PATH)
    def profile(
        viewer: Viewer, request: Request, linked: str = "", problem: str = "", service: str = ""
    ) -> None:
        host = request.headers.get("host")
        with frame(_("Profile"), viewer):
            ui.label(_("Login: {login}").format(login=viewer.login)).mark("profile-login")
            password: list[_PasswordForm] = []  # drawn below the links it is needed by
            with _section():
                heading = _heading(_("Linked accounts")).props("tabindex=-1")
                links = profile_links(viewer.id, host)
                if _outcome_message(links, linked, problem, service):
                    ui.navigate.history.replace(PATH)  # said once: not again on reload
                accounts = _LinkedAccounts(viewer, host, heading, lambda: password[0].focus())
                accounts.draw(links)
            with _section():
                _DetailsForm()
            with _section():
                password.append(_PasswordForm(on_first_set=lambda: accounts.draw.refresh(None)))
                password[0].draw()
            with _section():
                SessionsSection()
