"""A browser's User-Agent as a person recognises it in their list of sessions: "Chrome",
"Linux", not "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 ...".

Only the browser's and the system's names, found by the tokens browsers have sent for
years; nothing here decides anything (a User-Agent is whatever the browser says), so a
small table beats a dependency. Browsers built on another one name both (Edge sends
"Chrome/" and "Edg/"; Chrome sends "Safari/"): the more particular token is looked for
first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: (token, browser name), the more particular first
_BROWSERS = (
    ("Edg/", "Edge"),
    ("EdgA/", "Edge"),
    ("EdgiOS/", "Edge"),
    ("Edge/", "Edge"),
    ("OPR/", "Opera"),
    ("Opera", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("YaBrowser/", "Yandex Browser"),
    ("Vivaldi/", "Vivaldi"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Trident/", "Internet Explorer"),
    ("MSIE ", "Internet Explorer"),
    ("Safari/", "Safari"),
)
#: (token, system name), the more particular first (Android says "Linux" too; iOS says
#: "like Mac OS X")
_SYSTEMS = (
    ("Windows", "Windows"),
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPod", "iOS"),
    ("iPad", "iPadOS"),
    ("CrOS", "ChromeOS"),
    ("Macintosh", "macOS"),
    ("Mac OS X", "macOS"),
    ("FreeBSD", "FreeBSD"),
    ("OpenBSD", "OpenBSD"),
    ("Linux", "Linux"),
)
#: a program that names itself first ("curl/8.5.0", "python-httpx/0.28")
_PRODUCT = re.compile(r"([A-Za-z][\w.-]{0,39})/\S")


@dataclass(frozen=True)
class Device:
    """The names found; "" for one that was not."""

    browser: str
    system: str


def device_of(user_agent: str) -> Device:
    browser = next((name for token, name in _BROWSERS if token in user_agent), "")
    system = next((name for token, name in _SYSTEMS if token in user_agent), "")
    if not browser and (product := _PRODUCT.match(user_agent)) and product[1] != "Mozilla":
        browser = product[1]
    return Device(browser, system)
