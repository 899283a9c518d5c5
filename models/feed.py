"""The live feed's posts: written, and read a page at a time, newest first.

Pages go by keyset (posts older than the last one shown), and a page that is open asks
for the posts newer than its newest: both are short ranges of the (site, id) index, so
a feed reads the same however long it gets.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from models.tables import FeedPost, User


def add_post(session: Session, *, site_id: str, author_id: int, text: str) -> FeedPost:
    post = FeedPost(site_id=site_id, author_id=author_id, text=text)
    session.add(post)
    session.flush()
    return post


def posts_before(
    session: Session, site_id: str, before_id: int | None, limit: int
) -> list[tuple[FeedPost, User]]:
    """Up to ``limit`` posts older than ``before_id`` (the newest ones for None)."""
    query = (
        select(FeedPost, User)
        .join(User, col(User.id) == col(FeedPost.author_id))
        .where(FeedPost.site_id == site_id)
    )
    if before_id is not None:
        query = query.where(col(FeedPost.id) < before_id)
    rows = session.exec(query.order_by(col(FeedPost.id).desc()).limit(limit))
    return [(post, author) for post, author in rows]


def posts_after(
    session: Session, site_id: str, after_id: int, limit: int
) -> list[tuple[FeedPost, User]]:
    """The posts just after ``after_id``, oldest first (at most ``limit``: ask again from
    the last one for more, so that none is skipped)."""
    query = (
        select(FeedPost, User)
        .join(User, col(User.id) == col(FeedPost.author_id))
        .where(FeedPost.site_id == site_id, col(FeedPost.id) > after_id)
        .order_by(col(FeedPost.id))
        .limit(limit)
    )
    return [(post, author) for post, author in session.exec(query)]


def own_post_ids(session: Session, author_id: int, post_ids: Sequence[int]) -> list[int]:
    """Those of ``post_ids`` that ``author_id`` wrote."""
    if not post_ids:
        return []
    query = select(FeedPost.id).where(
        col(FeedPost.id).in_(post_ids), FeedPost.author_id == author_id
    )
    return [post_id for post_id in session.exec(query) if post_id is not None]
