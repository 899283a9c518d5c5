"""Declaring every route on NiceGUI's app and running it.

Routes are declared by ``register_routes`` rather than at import, because NiceGUI's test
fixture resets the app and re-runs ``main.py`` for every test.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from nicegui import app, background_tasks, helpers, ui
from nicegui.storage import Storage

from admin_app.activity import hashtag_import
from admin_app.activity import outbox as activity_outbox
from admin_app.admin import encryption, housekeeping
from admin_app.auth import first_administrator as first_run
from admin_app.core import asking, encryption_keys, log_lines
from admin_app.core.i18n import terminal_language, translate
from admin_app.core.settings import Settings
from admin_app.mail import delivery as mail_delivery
from admin_app.pages import (
    client_jwks_routes,
    complete_profile,
    error_pages,
    feed,
    forward_auth_routes,
    health,
    link_existing,
    login,
    metrics_routes,
    oauth_routes,
    password_reset,
    profile,
    provider_routes,
    session_routes,
    setup,
    signin_problem,
)
from admin_app.pages import register as registration_form
from admin_app.pages.admin import activity as admin_activity
from admin_app.pages.admin import audit as admin_audit
from admin_app.pages.admin import encryption as admin_encryption
from admin_app.pages.admin import mail as admin_mail
from admin_app.pages.admin import overview as admin
from admin_app.pages.admin import registration as admin_registration
from admin_app.pages.admin import services as admin_services
from admin_app.pages.admin import sites as admin_sites
from admin_app.pages.admin import users as admin_users
from admin_app.provider import backchannel
from admin_app.web import (
    browser_cookie,
    element_cost,
    script_nonces,
    signin_lane,
    socket_origins,
    theme,
)
from admin_app.web.security_headers import SecurityHeaders

log = logging.getLogger(__name__)


def register_routes(session_options: dict[str, Any]) -> None:
    """Every route; ``session_options`` are NiceGUI's session cookie's (secret included),
    which the sign-in lane writes too."""
    asking.install(browser_cookie.read_asker)
    theme.install()  # every field and button alike, on every page
    element_cost.install()
    error_pages.install()  # first: the headers' middleware, added next, wraps its pages
    app.add_middleware(SecurityHeaders, https=bool(session_options.get("https_only")))
    script_nonces.install()
    signin_lane.install(
        oauth_routes.LANE_ROUTES + provider_routes.LANE_ROUTES + forward_auth_routes.LANE_ROUTES,
        session_options,
        cookieless=provider_routes.COOKIELESS_ROUTES + forward_auth_routes.PROXY_ROUTES,
    )
    for area in (
        health,
        metrics_routes,
        client_jwks_routes,
        session_routes,
        oauth_routes,
        provider_routes,
        login,
        registration_form,
        password_reset,
        link_existing,
        complete_profile,
        signin_problem,
        setup,
        profile,
        feed,
        admin,
        admin_services,
        admin_sites,
        admin_registration,
        admin_users,
        admin_activity,
        admin_encryption,
        admin_mail,
        admin_audit,
    ):
        area.register()


def _announce(settings: Settings) -> None:
    """Tell the operator where to go; while no administrator exists, with a setup link."""
    language = terminal_language()

    def _(message: str) -> str:
        return translate(message, language)

    lines = [_("socialservices is running: open {url}").format(url=settings.absolute_url("/"))]
    link = first_run.setup_link()
    if link:
        lines += [
            _("No administrator exists yet. Create the first one with this one-time link:"),
            f"  {link}",
            _(
                "(or from a shell: socialservices user create --admin --login L --email E"
                " --password-stdin)"
            ),
        ]
        if not settings.encryption_keys:
            key_file = settings.data_dir / encryption_keys.KEY_FILE
            lines.append(
                _(
                    "Tokens are stored encrypted with the key in {path}: back it up, apart "
                    "from the database."
                ).format(path=key_file)
            )
    else:
        lines.append(
            _("Administrators sign in at {url}").format(url=settings.absolute_url("/login"))
        )
    if settings.cookie_domain:
        lines.append(
            _(
                "Warning: the session cookie is sent to every host under {domain}. Any "
                "application there receives it and can act as the signed-in person, here and "
                "in every other application. Name a parent domain only when you trust every "
                "host under it."
            ).format(domain=settings.cookie_domain)
        )
    print("\n".join(lines), flush=True)


#: the jobs this process runs, to be stopped before it ends
_jobs: list[asyncio.Task[None]] = []
#: how long the jobs get to end an attempt under way when the process is stopped
JOBS_STOP_SECONDS = 10


def start_jobs() -> None:
    """The jobs every app process runs: the activity outbox, the back-channel logouts,
    the mail outbox and the hashtag import (they take turns across processes through the
    database), and the daily housekeeping. Not under NiceGUI's test simulation: its tests
    run a delivery, an import or a housekeeping round when they mean to."""
    if helpers.is_user_simulation():
        return
    _jobs[:] = [
        background_tasks.create(activity_outbox.run_outbox(), name="activity-outbox"),
        background_tasks.create(backchannel.run_backchannel(), name="backchannel-logout"),
        background_tasks.create(mail_delivery.run_delivery(), name="mail-delivery"),
        background_tasks.create(hashtag_import.run_imports(), name="hashtag-import"),
        background_tasks.create(housekeeping.run_housekeeping(), name="housekeeping"),
    ]


def _release_claims() -> tuple[int, int, int]:
    return (
        activity_outbox.release_claims(),
        mail_delivery.release_claims(),
        backchannel.release_claims(),
    )


async def stop_jobs() -> None:
    """The process was told to stop (SIGTERM: a rolling restart). uvicorn has stopped
    taking requests and let those under way finish; now the jobs stop, and what their
    queues' rows this process held goes back to the queues, for the other processes to
    take at once rather than when the claims would have run out. An attempt broken off
    may have reached its recipient: it is made again (at least once, never lost)."""
    jobs, _jobs[:] = list(_jobs), []
    for job in jobs:
        job.cancel()
    if jobs:
        await asyncio.wait(jobs, timeout=JOBS_STOP_SECONDS)
    try:
        activity, mail, logouts = await asyncio.to_thread(_release_claims)
    except Exception as error:  # the database is away: the claims run out by themselves
        log.warning("jobs.release_failed reason=%s", type(error).__name__)
        return
    # a warning when something was given back: the log's default level shows it
    (log.warning if activity or mail or logouts else log.info)(
        "jobs.stopped released_activity=%d released_mail=%d released_logouts=%d",
        activity,
        mail,
        logouts,
    )


#: how long NiceGUI keeps a browser tab's storage, without Redis, after it last changed.
#: Its default, 30 days, kept one for every page ever shown: memory that grew with every
#: visit. Nothing of ours is kept in a tab's storage, so a minute is plenty.
TAB_STORAGE_SECONDS = 60.0


def serve(settings: Settings) -> None:
    """Run the web server until stopped (returns at once under NiceGUI's test fixture)."""
    Storage.path = settings.data_dir / "sessions"
    Storage.redis_url = settings.redis_url or None
    if not settings.redis_url:  # with Redis, a tab's storage goes when its page closes
        Storage.max_tab_storage_age = TAB_STORAGE_SECONDS
    cookie = {
        "session_cookie": browser_cookie.SESSION_COOKIE,
        "same_site": "lax",
        "https_only": settings.is_https,
        **({"domain": "." + settings.cookie_domain} if settings.cookie_domain else {}),
    }
    secret = settings.resolved_secret_key()
    register_routes({"secret_key": secret, **cookie})
    socket_origins.install(settings.base_url)
    app.on_startup(lambda: _announce(settings))
    app.on_startup(encryption.run_pass_in_background)  # one left unfinished, or now due
    app.on_startup(start_jobs)
    app.on_shutdown(stop_jobs)  # before NiceGUI's own, which cancels every task at once
    ui.run(
        host=settings.host,
        port=settings.port,
        title="Social services",
        storage_secret=secret,
        session_middleware_kwargs=cookie,
        reload=False,
        tailwind=False,  # built beforehand: admin_app.web.theme
        # no per-message compression on the pages' sockets: its zlib state costs about 250 KB
        # per open page for messages of a few hundred bytes (and compressing secrets beside
        # what a visitor typed is what CRIME-style attacks measure)
        ws_per_message_deflate=False,
        show=False,
        show_welcome_message=False,
        forwarded_allow_ips="127.0.0.1",
        proxy_headers=True,
        log_config=log_lines.logging_config(),  # every line escaped (admin_app.core.log_lines)
    )
