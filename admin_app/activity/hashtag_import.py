"""Posts on X that carry one of the administrator's hashtags, imported into the live feed.

One app process at a time runs a round (a lease in the database; the others skip it). A
round reads each linked X account's posts since the last one it read, with that person's
token, and stores the matching ones in the feed of every site that offers X, under the
person's name with a link to the original. Each post is stored once per site (unique by
X's post id), and an account's cursor moves in the same transaction as its posts, so a
round that stops half-way neither loses nor repeats anything. When X says an account's
rate limit is spent, that account is not asked again before the reset time X gave.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from admin_app.activity.link_tokens import LATER, TokenProblem, usable_token, with_token
from admin_app.activity.outbox import OWNER
from admin_app.core import runtime
from admin_app.core.failure_log import log_job_failure
from admin_app.core.i18n import N_
from admin_app.services.catalogue import link_service, site_ids, site_services
from models import hashtag_import
from models.db import session_scope
from models.options import activity_options
from models.tables import utcnow
from providers.activity import RETRY, TOKEN, ExternalPost, PublishError
from providers.base import ProviderError
from providers.twitter import URL, Twitter

log = logging.getLogger("socialservices.hashtags")

SOURCE = Twitter.id
#: the lease outlasts a round; a process that stops mid-round holds it no longer than this
LEASE = timedelta(minutes=10)
#: pages of up to 100 posts read per account and round (the rest waits for the next)
PAGES = 5
#: when X refuses with 429 without saying until when
RATE_LIMIT_WINDOW = timedelta(minutes=15)

#: notes of a round, shown translated on the overview
RATE_LIMITED = "rate_limited"
REAUTHORIZE = "reauthorize"
UNAVAILABLE = "unavailable"
NOT_CONFIGURED = "not_configured"
FAILED = "failed"
NOTES = {
    RATE_LIMITED: N_("{who}: X's rate limit is spent; the next look is after {detail}."),
    REAUTHORIZE: N_(
        "{who}: X no longer accepts the saved sign-in; they must sign in with X again."
    ),
    UNAVAILABLE: N_("{who}: X did not answer as expected ({detail})."),
    NOT_CONFIGURED: N_("{who}: X is not set up for the site this account was linked on."),
    FAILED: N_("{who}: the import failed ({detail})."),
}
#: why a round did not run
SKIPPED = {
    "no_hashtags": N_("No hashtags are listed: there is nothing to import."),
    "no_site_offers_x": N_("No site offers X: there is nothing to import."),
    "running_elsewhere": N_("Another app process is importing right now."),
}


def hashtag_pattern(tags: Sequence[str]) -> re.Pattern[str] | None:
    """A pattern finding any of the hashtags as a whole word, whatever the letter case:
    "#Python" finds "#python" and "#PYTHON!", not "#pythonista" nor "a#python"."""
    words = sorted({tag.lstrip("#") for tag in tags if tag.lstrip("#")}, key=len, reverse=True)
    if not words:
        return None
    alternatives = "|".join(re.escape(word) for word in words)
    signs = "#\uff03"  # X also takes the full-width number sign
    return re.compile(rf"(?<![\w&{signs}])[{signs}](?:{alternatives})(?!\w)", re.IGNORECASE)


def carries_hashtag(pattern: re.Pattern[str], text: str) -> bool:
    """Whether a post carries one of the hashtags (a link's "#fragment" does not count)."""
    return pattern.search(URL.sub(" ", text)) is not None


@dataclass
class RoundReport:
    #: False when the round did not run: ``reason`` says why
    ran: bool
    reason: str = ""
    imported: int = 0
    notes: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class _Account:
    link_id: int
    user_id: int
    external_id: str
    username: str
    who: str
    site_id: str
    service_id: str
    since_id: str | None
    not_before: datetime | None


def _accounts() -> list[_Account]:
    with session_scope() as session:
        accounts = []
        for link, cursor in hashtag_import.x_links(session, SOURCE):
            assert link.id is not None
            accounts.append(
                _Account(
                    link_id=link.id,
                    user_id=link.user_id,
                    external_id=link.external_id,
                    username=link.login_hint,
                    who=f"@{link.login_hint}" if link.login_hint else link.external_id,
                    site_id=link.site_id,
                    service_id=link.service_id,
                    since_id=cursor.since_id if cursor else None,
                    not_before=cursor.not_before if cursor else None,
                )
            )
        return accounts


def _sites_offering_x() -> list[str]:
    return [
        site_id
        for site_id in site_ids()
        if any(s.provider.id == SOURCE for s in site_services(site_id, offered_only=True))
    ]


async def import_round(now: datetime | None = None) -> RoundReport:
    """One round, if no other process is running one; the report says what it did.
    ``now`` stands for the clock throughout the round (tests); None: the real one."""
    fixed = now
    now = now or utcnow()
    with session_scope() as session:
        tags = list(activity_options(session).hashtags)
    pattern = hashtag_pattern(tags)
    if pattern is None:
        return RoundReport(False, "no_hashtags")
    sites = _sites_offering_x()
    if not sites:
        return RoundReport(False, "no_site_offers_x")
    with session_scope() as session:
        if not hashtag_import.take_lease(session, OWNER, now, LEASE):
            return RoundReport(False, "running_elsewhere")
    report = RoundReport(True)
    try:
        for account in _accounts():
            now = fixed or utcnow()
            if account.not_before is not None and account.not_before > now:
                continue  # X said this account's limit is spent until then
            with session_scope() as session:
                if not hashtag_import.extend_lease(session, OWNER, now, LEASE):
                    log.warning("hashtags.lease_lost: another process goes on")
                    break
            try:
                report.imported += await _import_account(account, pattern, sites, now, report)
            except TokenProblem as problem:
                kind = UNAVAILABLE if problem.kind == LATER else REAUTHORIZE
                report.notes.append({"who": account.who, "problem": kind, "detail": problem.detail})
            except (ProviderError, PublishError) as error:
                report.notes.append(
                    {"who": account.who, "problem": UNAVAILABLE, "detail": str(error)[:300]}
                )
            except Exception as error:  # one account's trouble must not stop the others
                log.exception("hashtags.account_failed link_id=%d", account.link_id)
                report.notes.append(
                    {"who": account.who, "problem": FAILED, "detail": type(error).__name__}
                )
    finally:
        with session_scope() as session:
            hashtag_import.finish_run(session, OWNER, imported=report.imported, errors=report.notes)
    log.info("hashtags.round imported=%d notes=%d", report.imported, len(report.notes))
    return report


async def _import_account(
    account: _Account,
    pattern: re.Pattern[str],
    sites: Sequence[str],
    now: datetime,
    report: RoundReport,
) -> int:
    service = link_service(account.site_id, account.service_id)
    if service is None or not service.configured:
        report.notes.append({"who": account.who, "problem": NOT_CONFIGURED, "detail": ""})
        return 0
    provider = service.make_provider()
    assert isinstance(provider, Twitter)
    token = await usable_token(provider, account.link_id, now)
    posts: list[ExternalPost] = []
    newest: str | None = None
    next_token: str | None = None
    not_before: datetime | None = None
    complete = False
    read_page = partial(
        provider.timeline,
        user_id=account.external_id,
        username=account.username,
        since_id=account.since_id,
    )
    for _ in range(PAGES):
        try:
            page, token = await with_token(
                provider, token, partial(read_page, next_token=next_token)
            )
        except PublishError as error:
            if error.kind == TOKEN:
                raise TokenProblem(REAUTHORIZE, error.detail) from None
            if error.kind != RETRY:
                raise
            not_before = error.retry_at or now + RATE_LIMIT_WINDOW
            break
        newest = newest or page.newest_id
        posts.extend(page.posts)
        next_token = page.next_token
        if page.rate_limit.exhausted and page.rate_limit.reset_at is not None:
            not_before = page.rate_limit.reset_at
        if next_token is None or account.since_id is None:  # the first look: recent only
            complete = True
            break
        if not_before is not None:
            break
    else:
        complete = True  # PAGES read: older ones are left unread for good
    if not_before is not None:
        report.notes.append(
            {
                "who": account.who,
                "problem": RATE_LIMITED,
                "detail": not_before.strftime("%Y-%m-%d %H:%M:%S UTC"),
            }
        )
    matching = sorted(
        (post for post in posts if carries_hashtag(pattern, post.text)),
        key=lambda post: int(post.id) if post.id.isdigit() else 0,
    )
    imported = 0
    with session_scope() as session:
        for post in matching:
            stored = [
                hashtag_import.add_imported_post(
                    session,
                    site_id=site_id,
                    author_id=account.user_id,
                    text=post.text,
                    source=SOURCE,
                    external_id=post.id,
                    external_url=post.url,
                    created_at=post.created_at or now,
                )
                for site_id in sites
            ]
            imported += any(stored)
        hashtag_import.move_cursor(
            session,
            account.link_id,
            since_id=newest if complete else None,
            not_before=not_before,
        )
    return imported


async def run_imports() -> None:
    """A round every HASHTAG_POLL_SECONDS (one process at a time does it); until cancelled."""
    interval = runtime.settings().hashtag_poll_seconds
    while True:
        try:
            await import_round()
        except Exception as error:
            log_job_failure(log, error, "hashtags.round_failed")
        await asyncio.sleep(interval)
