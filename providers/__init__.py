"""The catalogue of external services, by id, in the order an administrator first sees them.

An explicit dict rather than discovery by import: adding a service is one module, one
line here, and one test module.
"""

from __future__ import annotations

from providers.activity import Publisher
from providers.apple import Apple
from providers.base import Provider
from providers.bitrix24 import Bitrix24Net
from providers.box import Box
from providers.dropbox import Dropbox
from providers.facebook import Facebook
from providers.github import GitHub
from providers.google import Google
from providers.mailru import MailRu
from providers.microsoft import Microsoft
from providers.mymailru import MyMailRu
from providers.odnoklassniki import Odnoklassniki
from providers.office365 import Office365
from providers.oidc import OpenIDConnect
from providers.sberid import SberID
from providers.telegram import Telegram
from providers.tid import TID
from providers.twitter import Twitter
from providers.vkontakte import VKontakte
from providers.yandex import Yandex
from providers.zoom import Zoom

PROVIDERS: dict[str, type[Provider]] = {
    provider.id: provider
    for provider in (
        Odnoklassniki,
        Yandex,
        VKontakte,
        MailRu,
        MyMailRu,
        SberID,
        TID,
        Google,
        GitHub,
        Office365,
        Microsoft,
        Bitrix24Net,
        Zoom,
        Dropbox,
        Box,
        Apple,
        Twitter,
        Facebook,
        Telegram,
        OpenIDConnect,
    )
}

#: the providers that can publish a person's activity (X, Facebook)
PUBLISHERS: tuple[str, ...] = tuple(
    provider.id for provider in PROVIDERS.values() if issubclass(provider, Publisher)
)
