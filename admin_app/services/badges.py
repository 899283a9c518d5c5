"""How a service's button looks: a badge in the service's colour with its initials.

(Drawn by us rather than with the services' logos, whose use each brand restricts.)

Every badge shows a white letter or sign at the 4.5:1 that WCAG AA asks of text: a service
colour too light for that (Odnoklassniki's orange, Google's or Telegram's blue) is darkened
just enough, keeping its hue. Apple's badge says "A" (its logo, a glyph in Apple's own
fonts only, showed as nothing elsewhere).
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
    "apple": ("#000000", "A"),
    "twitter": ("#000000", "X"),
    "facebook": ("#1877F2", "f"),
    "telegram": ("#26A5E4", "T"),
    "oidc": ("#5B6770", "ID"),
    "mymailru": ("#FF9E00", "MM"),
    "sberid": ("#21A038", "S"),
    "tid": ("#333333", "T"),
    "microsoft": ("#0078D4", "MS"),
    "bitrix24": ("#2FC6F6", "24"),
    "zoom": ("#0B5CFF", "Z"),
    "dropbox": ("#0061FE", "DB"),
    "box": ("#0061D5", "b"),
}
UNKNOWN = ("#5B6770", "?")
WHITE = "#FFFFFF"
AA = 4.5


def _luminance(colour: str) -> float:
    """WCAG's relative luminance of ``#RRGGBB``."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    """WCAG's contrast ratio of two ``#RRGGBB`` colours (1 to 21)."""
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def readable_ground(colour: str) -> str:
    """``colour``, darkened in small steps (towards black, so the hue stays) until white
    reads on it at ``AA``."""
    channels = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    ground = colour.upper()
    step = 0
    while contrast(WHITE, ground) < AA:
        step += 1
        ground = "#" + "".join(f"{round(c * (1 - step / 50)):02X}" for c in channels)
    return ground


def badge_svg(provider_id: str, size: int = 24) -> str:
    """An inline SVG (decorative: the button carries the service's name as text)."""
    colour, initials = BADGES.get(provider_id, UNKNOWN)
    font = 11 if len(initials) > 1 else 13
    return (
        f'<svg aria-hidden="true" width="{size}" height="{size}" viewBox="0 0 24 24">'
        f'<circle cx="12" cy="12" r="12" fill="{readable_ground(colour)}"/>'
        f'<text x="12" y="16" text-anchor="middle" font-size="{font}" font-family="sans-serif"'
        f' font-weight="700" fill="{WHITE}">{escape(initials)}</text></svg>'
    )
