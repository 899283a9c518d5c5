"""The picture an application is told of for a person (the ``picture`` claim): that of
their oldest link that has one. One statement built once with a bound parameter: the
provider role reads it at every token with the ``profile`` scope, where building the query
of all their links anew was a tenth of its work; UserInfo reads the same as a subquery of
its one statement (``models.access_token_holder``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from models.tables import LinkedAccount


def first_picture_of(user_id: Any) -> Any:
    """The query of the picture of the oldest link with one of ``user_id`` (a bound
    parameter, or an outer query's column)."""
    return (
        select(LinkedAccount.picture_url)
        .where(
            col(LinkedAccount.user_id) == user_id,
            col(LinkedAccount.picture_url).is_not(None),
            col(LinkedAccount.picture_url) != "",
        )
        .order_by(col(LinkedAccount.created_at))
        .limit(1)
    )


_FIRST_PICTURE = first_picture_of(bindparam("user_id"))


def first_picture(session: Session, user_id: int) -> str | None:
    """The picture of the person's oldest link with one; None when no link has one."""
    return session.exec(_FIRST_PICTURE, params={"user_id": user_id}).first()
