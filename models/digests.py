"""How a secret value is kept where only its holder may present it again: session tokens,
round-trip states, set-up links and browser ids are stored as their SHA-256, so that the
database alone gives none of them away. They are long random values: a fast hash is enough."""

from __future__ import annotations

import hashlib


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
