"""Sender passwords: stored as scrypt hashes, checked once and then remembered.

scrypt is deliberately slow (milliseconds); the gateway checks a sender's password on every
request, so a successful check is remembered (`VERIFIED`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

_N, _R, _P = 2**14, 8, 1


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P)
    return "$".join(["scrypt", str(_N), str(_R), str(_P), _b64(salt), _b64(digest)])


def verify_password(password: str, encoded: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = encoded.split("$")
        if scheme != "scrypt":
            return False
        computed = hashlib.scrypt(
            password.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(computed, _unb64(digest))


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class VerifiedCache:
    """Remembers successful checks, by sender and a digest of the password with the stored
    hash. The stored hash carries its own random salt, so a changed password (or the same one
    set again) is a new key, and a remembered check can never pass a password the registry no
    longer holds: the memory may outlive the registry's snapshots. (It did not: every change a
    tester made to the registry made each sender pay for scrypt again.)"""

    def __init__(self, limit: int = 10_000) -> None:
        self._ok: set[tuple[str, bytes]] = set()
        self._limit = limit

    def check(self, sender_id: str, password: str, encoded: str) -> bool:
        key = (sender_id, hashlib.sha256(f"{password}\0{encoded}".encode()).digest())
        if key in self._ok:
            return True
        if not verify_password(password, encoded):
            return False
        if len(self._ok) >= self._limit:
            self._ok.clear()
        self._ok.add(key)
        return True


VERIFIED = VerifiedCache()
"""The gateway process's memory of successful checks."""
