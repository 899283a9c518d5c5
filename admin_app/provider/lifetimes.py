"""How long what the provider role issues stays valid.

Codes are short (RFC 9700: a code is exchanged at once); access tokens short enough that
blocking a user bites soon even for an application that never refreshes; a refresh token
lives as long as the sign-in session it came from may stay idle."""

from __future__ import annotations

from datetime import timedelta

CODE_LIFETIME = timedelta(seconds=60)
ACCESS_TOKEN_LIFETIME = timedelta(minutes=10)
ID_TOKEN_LIFETIME = timedelta(minutes=10)
REFRESH_TOKEN_LIFETIME = timedelta(days=14)
