"""Encryption of stored tokens and secrets: AES-256-GCM under a ring of keys.

A stored value is either plain text or ``§v1:<key id>:<base64url(nonce, ciphertext, tag)>``.
"§" is outside the characters an OAuth token may hold (RFC 6749, A.12), so no token can
be mistaken for a ciphertext. The key id (the first 8 hex digits of the key's SHA-256)
says which key made a ciphertext, so keys can be rotated value by value. The associated
data names where the value belongs (table, column and the row's natural key): a
ciphertext copied into another row or column fails to decrypt.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "\u00a7v1:"
_URL_SAFE = bytes.maketrans(b"+/", b"-_")  # base64url, as urlsafe_b64encode writes it
KEY_BYTES = 32
NONCE_BYTES = 12


class KeyringError(ValueError):
    """A key that is not a base64url-encoded 256-bit key."""


class UndecryptableError(ValueError):
    """A ciphertext whose key is missing, or that does not belong where it was found."""


def new_key() -> bytes:
    return os.urandom(KEY_BYTES)


def encode_key(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode().rstrip("=")


def decode_key(text: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except ValueError:
        raise KeyringError("not base64url") from None
    if len(key) != KEY_BYTES:
        raise KeyringError(f"{len(key) * 8} bits, not 256")
    return key


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


def is_encrypted(value: str | None) -> bool:
    return bool(value) and value.startswith(PREFIX)  # type: ignore[union-attr]


def key_id_of(value: str) -> str | None:
    """The id of the key that made a ciphertext; None for plain text."""
    if not is_encrypted(value):
        return None
    return value[len(PREFIX) :].split(":", 1)[0]


class Keyring:
    """The keys, newest first: the newest encrypts, any of them decrypts what it made."""

    def __init__(self, keys: Sequence[bytes]) -> None:
        if not keys:
            raise KeyringError("no key")
        self._ciphers = {key_id(key): AESGCM(key) for key in keys}
        self.ids = [key_id(key) for key in keys]
        self.active_id = self.ids[0]
        self._head = f"{PREFIX}{self.active_id}:"

    def encrypt(self, plain: str, where: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[self.active_id].encrypt(nonce, plain.encode(), where.encode())
        body = binascii.b2a_base64(nonce + sealed, newline=False).translate(_URL_SAFE)
        return self._head + body.decode().rstrip("=")

    def encrypt_many(self, plains: Sequence[str], places: Sequence[str]) -> list[str]:
        """``encrypt`` of each plain text for its place, as a pass seals a batch: one read
        of the system's randomness for all the nonces (a fresh 96-bit nonce each, as
        ``encrypt`` draws), and the per-value work bound once."""
        count = len(plains)
        nonces = os.urandom(NONCE_BYTES * count)
        seal = self._ciphers[self.active_id].encrypt
        to_text = binascii.b2a_base64
        head = self._head
        sealed = []
        for index, plain, place in zip(
            range(0, NONCE_BYTES * count, NONCE_BYTES), plains, places, strict=True
        ):
            nonce = nonces[index : index + NONCE_BYTES]
            body = to_text(nonce + seal(nonce, plain.encode(), place.encode()), newline=False)
            sealed.append(head + body.translate(_URL_SAFE).decode().rstrip("="))
        return sealed

    def decrypt(self, value: str, where: str) -> str:
        """The plain text of a ciphertext made for ``where``; plain text as it is."""
        if not is_encrypted(value):
            return value
        found, _, body = value[len(PREFIX) :].partition(":")
        cipher = self._ciphers.get(found)
        if cipher is None:
            raise UndecryptableError(f"key {found} is not among the configured keys")
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            return cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], where.encode()).decode()
        except (InvalidTag, ValueError):
            raise UndecryptableError(f"not a ciphertext of key {found} for {where}") from None

    def seal(self, value: str, where: str) -> str:
        """``value`` encrypted with the newest key: plain text is encrypted, a ciphertext of
        an older key re-encrypted, one of the newest key left as it is (never twice)."""
        if not value.startswith(PREFIX):  # plain text, the common case of a pass
            return self.encrypt(value, where)
        if value.startswith(self._head):
            return value
        return self.encrypt(self.decrypt(value, where), where)
