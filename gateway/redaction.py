"""The gateway's records see bodies redacted (`servicekit.redaction`), and the raw bodies only
as keyed digests.

A plain SHA-256 of a raw body would undo the masking: a masked ИИН leaves 10^5 candidates, a
password a dictionary, and a reader of the log could try each against the digest. An
HMAC-SHA256 under the gateway's `digest_key` still lets whoever holds the key prove which body
went by, and no one else.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
from collections.abc import Sequence

from gateway.exchange import Exchange, ExchangeObserver, notify
from servicekit.redaction import redact


def body_digest(key: bytes, body: bytes) -> str:
    """HMAC-SHA256 (hex) of `body` under `key`."""
    return hmac.new(key, body, hashlib.sha256).hexdigest()


class Redacting:
    """An `ExchangeObserver` that hands the observers behind it each exchange redacted, once
    for all of them, with the keyed digests of the raw bodies."""

    def __init__(
        self, observers: Sequence[ExchangeObserver], *, clear_text: bool, digest_key: bytes
    ) -> None:
        self.observers = list(observers)
        self.clear_text = clear_text
        self.digest_key = digest_key

    def observe(self, exchange: Exchange) -> None:
        redacted = dataclasses.replace(
            exchange,
            request=redact(exchange.request, clear_text=self.clear_text),
            response=redact(exchange.response, clear_text=self.clear_text),
            request_digest=body_digest(self.digest_key, exchange.request),
            response_digest=body_digest(self.digest_key, exchange.response),
        )
        notify(self.observers, redacted)
