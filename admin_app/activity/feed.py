"""The live feed's use cases: signed-in people post short messages to the site's feed and
read it, newest first, a page at a time; an open page asks for what is new.

Posts are plain text: pages show them as text, with links made clickable and nothing else
interpreted. Asking the database for what is new (rather than telling one process's
pages) lets every app process's pages follow, whichever process took the post.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from admin_app.activity import outbox as activity_outbox
from admin_app.auth.accounts import current_viewer
from admin_app.core.form_problems import FormError
from admin_app.core.i18n import N_
from models import feed, outbox
from models.db import session_scope
from models.sites import site_for_host
from models.tables import FeedPost, User
from providers import PROVIDERS

MAX_LENGTH = 500
PAGE_SIZE = 20


class NotSignedInError(Exception):
    """Nobody is signed in in this browser any more."""


class PostError(FormError):
    """A message that cannot be posted; the field is ``text``."""


@dataclass(frozen=True)
class DeliveryNote:
    """Where one of the viewer's own posts is being published, and how that went."""

    post_id: int
    service: str  # the service's title (a message id)
    status: str  # pending, sent, failed or cancelled
    problem: str  # a reason code of admin_app.activity.delivery_problems, or ""
    attempts: int
    url: str | None


@dataclass(frozen=True)
class FeedLine:
    id: int
    author: str
    text: str
    created_at: datetime
    #: where an imported post came from (a link to the original); None for ours
    external_url: str | None
    #: the viewer's own post's deliveries to X and Facebook (others see none)
    deliveries: tuple[DeliveryNote, ...] = field(default=())


@dataclass(frozen=True)
class FeedPage:
    lines: list[FeedLine]
    #: give it back to ``feed_page`` for the next (older) page; None: nothing older
    older: int | None


def _notes(session: Session, post_ids: Sequence[int]) -> dict[int, tuple[DeliveryNote, ...]]:
    notes: dict[int, list[DeliveryNote]] = {}
    for delivery in outbox.deliveries_of_posts(session, post_ids):
        provider = PROVIDERS.get(delivery.service_id)
        notes.setdefault(delivery.post_id, []).append(
            DeliveryNote(
                post_id=delivery.post_id,
                service=provider.title if provider else delivery.service_id,
                status=delivery.status,
                problem=delivery.problem,
                attempts=delivery.attempts,
                url=delivery.external_url,
            )
        )
    return {post_id: tuple(found) for post_id, found in notes.items()}


def _lines(
    session: Session, rows: Sequence[tuple[FeedPost, User]], viewer_id: int | None
) -> list[FeedLine]:
    own = [post.id for post, _ in rows if post.author_id == viewer_id and post.id is not None]
    notes = _notes(session, own)
    lines = []
    for post, author in rows:
        assert post.id is not None
        name = f"{author.first_name} {author.last_name}".strip() or author.login
        lines.append(
            FeedLine(
                post.id,
                name,
                post.text,
                post.created_at,
                post.external_url,
                notes.get(post.id, ()),
            )
        )
    return lines


def site_of(host: str | None) -> str:
    with session_scope() as session:
        return site_for_host(session, host).id


def post_message(site_id: str, text: str) -> FeedLine:
    """Post as the signed-in person; raises NotSignedInError, or PostError for an empty or
    too long message (nothing stored then)."""
    viewer = current_viewer()
    if viewer is None:
        raise NotSignedInError
    text = text.strip()
    if not text:
        raise PostError.single("text", N_("Write something first."))
    if len(text) > MAX_LENGTH:
        raise PostError.single(
            "text", N_("A post has at most {limit} characters."), limit=MAX_LENGTH
        )
    with session_scope() as session:
        post = feed.add_post(session, site_id=site_id, author_id=viewer.id, text=text)
        queued = activity_outbox.queue(session, post)
        author = session.get(User, viewer.id)
        assert author is not None
        (line,) = _lines(session, [(post, author)], viewer.id)
    if queued:
        activity_outbox.wake()
    return line


def feed_page(
    site_id: str, older_than: int | None = None, viewer_id: int | None = None
) -> FeedPage:
    """One page of the feed, newest first; ``older_than`` the ``older`` of the page before."""
    with session_scope() as session:
        rows = feed.posts_before(session, site_id, older_than, PAGE_SIZE + 1)
        lines = _lines(session, rows[:PAGE_SIZE], viewer_id)
    return FeedPage(lines, lines[-1].id if len(rows) > PAGE_SIZE else None)


def newer_posts(site_id: str, newer_than: int, viewer_id: int | None = None) -> list[FeedLine]:
    """What was posted after ``newer_than``, oldest first (some at most: ask again from
    the last one for the rest)."""
    with session_scope() as session:
        return _lines(session, feed.posts_after(session, site_id, newer_than, PAGE_SIZE), viewer_id)


def delivery_notes(viewer_id: int, post_ids: Sequence[int]) -> dict[int, tuple[DeliveryNote, ...]]:
    """The current deliveries of the viewer's own posts among ``post_ids``."""
    with session_scope() as session:
        own = feed.own_post_ids(session, viewer_id, post_ids)
        return _notes(session, own)
