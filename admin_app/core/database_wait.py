"""Where a request waits for the database: in the event loop on SQLite, in a worker thread
on PostgreSQL. One rule for every hot path that reads or writes during a request (a
sign-in's callback, the provider role's authorize, token and UserInfo)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from models.db import is_embedded

P = ParamSpec("P")
T = TypeVar("T")


async def on_database(work: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """``work(*args, **kwargs)``. SQLite answers from within this process in about a
    millisecond: a worker thread would only add its hand-over, and the two threads' turns
    at the interpreter lock (a sixth of a sign-in's time with 8 at once, bench/signin.py).
    PostgreSQL's answers come over the network, while the loop serves others."""
    if is_embedded():
        return work(*args, **kwargs)
    return await asyncio.to_thread(work, *args, **kwargs)
