"""How a service's button looks: a badge in the service's colour with its initials.

(Drawn by us rather than with the services' logos, whose use each brand restricts.)
"""

from __future__ import annotations

from html import escape

BADGES = {
    "odnoklassniki": ("#EE8208", "OK"),
    "yandex": ("#FC3F1D", "Я"),
    "vkontakte": ("#0077FF", "VK"),
    "mailru": ("#005FF9", "@"),
    "google": ("#4285F4", "G"),
    "github": ("#24292F", "GH"),
    "office365": ("#D83B01", "M"),
    "apple": ("#000000", ""),
    "twitter": ("#000000", "X"),
    "facebook": ("#1877F2", "f"),
    "telegram": ("#26A5E4", "T"),
    "oidc": ("#5B6770", "ID"),
}


def badge_svg(provider_id: str, size: int = 24) -> str:
    """An inline SVG (decorative: the button carries the service's name as text)."""
    colour, initials = BADGES.get(provider_id, ("#5B6770", "?"))
    font = 11 if len(initials) > 1 else 13
    return (
        f'<svg aria-hidden="true" width="{size}" height="{size}" viewBox="0 0 24 24">'
        f'<circle cx="12" cy="12" r="12" fill="{colour}"/>'
        f'<text x="12" y="16" text-anchor="middle" font-size="{font}" font-family="sans-serif"'
        f' font-weight="700" fill="#fff">{escape(initials)}</text></svg>'
    )
