"""The "Sessions" section of ``/profile``: where the person is signed in, and ending it.

The list is bounded (``profile.sessions.LISTED``): the sessions beyond it are counted,
and "Sign out everywhere else" ends them with the rest.

Each session shows its browser and system (``profile.devices``), the address it signed in
from, when, when it was last seen, and the applications it signed in to. Every ending is
asked for first. When this browser's own session ends, the browser is sent to
``/logout`` (an event cannot clear a cookie), with the CSRF token read while the page was
drawn: the session is gone from the database already; the route clears the cookie.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress

from nicegui import ui

from admin_app.core.i18n import _
from admin_app.pages.chips import state_chip
from admin_app.pages.widgets import attributes
from admin_app.profile.devices import Device
from admin_app.profile.own_account import NotSignedInError
from admin_app.profile.sessions import (
    NoSuchSessionError,
    SessionView,
    end_all_sessions,
    end_other_sessions,
    end_own_session,
    own_sessions,
)
from admin_app.web import theme
from admin_app.web.browser_cookie import csrf_token
from admin_app.web.viewer_time import moment_text

PATH = "/profile"


def device_text(device: Device) -> str:
    if device.browser and device.system:
        return _("{browser} on {system}").format(browser=device.browser, system=device.system)
    return device.browser or device.system or _("Unknown device")


def _confirm(question: str, action: str, marker: str, on_yes: Callable[[], object]) -> None:
    """Ask before ending anything; ``action`` names the button that does it."""
    dialog = attributes(ui.dialog(), {"aria-label": action})
    with dialog, ui.card().classes("gap-3"):
        ui.label(question)
        with ui.row().classes("gap-2 justify-end w-full"):
            ui.button(_("Cancel"), on_click=dialog.close).props("flat")

            def yes() -> None:
                dialog.close()
                on_yes()

            ui.button(action, on_click=yes).props("color=negative").mark(marker)
    dialog.on("hide", dialog.delete)
    dialog.open()


class SessionsSection:
    """The list, a button per session, and the two that end many."""

    def __init__(self) -> None:
        self.sign_out_url = f"/logout?csrf={csrf_token()}"  # read now: events see no cookie
        self.heading = (
            ui.label(_("Sessions"))
            .classes("text-xl font-semibold")
            .props('role="heading" aria-level="2" tabindex=-1')
        )
        ui.label(_("Where you are signed in, and the applications each signed in to.")).classes(
            theme.MUTED
        )
        self.draw()

    @ui.refreshable_method
    def draw(self) -> None:
        try:
            sessions = own_sessions()
        except NotSignedInError:
            ui.navigate.to(f"/login?next={PATH}")
            return
        views = sessions.listed
        with (
            ui.element("ul")
            .classes("w-full max-w-xl divide-y divide-gray-200")
            .mark("session-list")
        ):
            for index, view in enumerate(views):
                self._draw_session(index, view)
        if sessions.not_listed:
            ui.label(
                _(
                    "Sessions not listed, seen less recently: {count}."
                    " “Sign out everywhere else” ends them too."
                ).format(count=sessions.not_listed)
            ).classes(theme.MUTED).mark("sessions-not-listed")
        with ui.row().classes("gap-2 flex-wrap"):
            if sessions.not_listed or any(not view.this_browser for view in views):
                ui.button(
                    _("Sign out everywhere else"),
                    on_click=lambda: _confirm(
                        _("Sign out on every other browser and device?"),
                        _("Sign out everywhere else"),
                        "confirm-end-others",
                        self._end_others,
                    ),
                ).props("outline").mark("end-others")
            ui.button(
                _("Sign out everywhere"),
                on_click=lambda: _confirm(
                    _("Sign out on every browser and device, this one too?"),
                    _("Sign out everywhere"),
                    "confirm-end-all",
                    self._end_all,
                ),
            ).props("outline color=negative").mark("end-all")

    def _draw_session(self, index: int, view: SessionView) -> None:
        device = device_text(view.device)
        address = view.address or _("unknown address")
        with (
            ui.element("li")
            .classes("w-full py-3 flex flex-wrap items-center gap-x-4 gap-y-2")
            .mark(f"session-{index}")
        ):
            with ui.column().classes("gap-0 min-w-0 grow"):
                with ui.row().classes("items-center gap-2"):
                    ui.label(device).classes("font-medium")
                    if view.this_browser:
                        state_chip(_("This browser"), "info").mark("this-browser")
                ui.label(_("Address: {address}").format(address=address)).classes("break-all")
                ui.label(
                    _("Signed in {signed_in}; last seen {seen}").format(
                        signed_in=moment_text(view.signed_in_at),
                        seen=moment_text(view.last_seen_at),
                    )
                ).classes(theme.MUTED)
                applications = (
                    _("Applications: {names}").format(names=", ".join(view.applications))
                    if view.applications
                    else _("No applications signed in through it.")
                )
                ui.label(applications).classes("text-sm").mark(f"applications-{index}")
            question = (
                _("End this browser's session? You will be signed out here.")
                if view.this_browser
                else _("End the session of {device} ({address})?").format(
                    device=device, address=address
                )
            )
            attributes(
                ui.button(
                    _("End"),
                    on_click=lambda: _confirm(
                        question, _("End"), "confirm-end-session", lambda: self._end(view.key)
                    ),
                ),
                {
                    "aria-label": _("End the session of {device} ({address})").format(
                        device=device, address=address
                    )
                },
            ).props("flat color=negative").mark(f"end-session-{index}")

    def _end(self, key: str) -> None:
        try:
            this_browser = end_own_session(key)
        except NotSignedInError:
            ui.navigate.to(f"/login?next={PATH}")
            return
        except NoSuchSessionError:
            ui.notify(_("This session has ended already."), type="warning")
            self._redraw()
            return
        if this_browser:
            ui.navigate.to(self.sign_out_url)
            return
        ui.notify(_("The session is ended."), type="positive")
        self._redraw()

    def _end_others(self) -> None:
        try:
            end_other_sessions()
        except NotSignedInError:
            ui.navigate.to(f"/login?next={PATH}")
            return
        ui.notify(_("You are signed out everywhere else."), type="positive")
        self._redraw()

    def _end_all(self) -> None:
        with suppress(NotSignedInError):  # signed out already: /logout clears the cookie
            end_all_sessions()
        ui.navigate.to(self.sign_out_url)

    def _redraw(self) -> None:
        self.draw.refresh()
        # The focused button may be gone with its row: keyboard users go on from the heading.
        ui.run_javascript(f"document.getElementById('c{self.heading.id}').focus()")
