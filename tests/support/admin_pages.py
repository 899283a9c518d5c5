"""Reading and filling the admin pages in the simulated browser, signed in as an administrator."""

from __future__ import annotations

from nicegui.testing import User

from tests.support.accounts import RETRIES, add_user, sign_in


async def open_as_admin(
    user: User, path: str = "/admin/services", marker: str = "services-list"
) -> None:
    add_user("root", admin=True)
    await sign_in(user, "root", path=f"/login?next={path}")
    await user.should_see(marker=marker, retries=RETRIES)
    # Opened again from the test itself: the simulated events then see this page's
    # request (with the session cookie), as a real browser's events do.
    await user.open(path)


def text_of(user: User, marker: str) -> str:
    element = next(iter(user.find(marker=marker).elements))
    return str(getattr(element, "text", ""))


def fill(user: User, marker: str, value: str) -> None:
    user.find(marker=marker).clear().type(value)


def choose(user: User, marker: str, value: str) -> None:
    """Pick ``value`` in the drop-down with this marker (it must be one of its options)."""
    element = next(iter(user.find(marker=marker).elements))
    assert value in element.options, (value, element.options)  # type: ignore[attr-defined]
    element.set_value(value)  # type: ignore[attr-defined]


def everything_on_the_page(user: User) -> str:
    """Every element's props and text, as the browser would receive them."""
    assert user.client is not None
    parts = []
    for element in user.client.elements.values():
        parts.append(repr(element._to_dict()))  # what goes to the browser
        parts.append(repr(element._props))
        parts.append(str(getattr(element, "text", "")))
    return "\n".join(parts)
