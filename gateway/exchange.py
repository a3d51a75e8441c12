"""One call through the gateway, as the message log, the request journal and the metrics see it.

The channels build an `Exchange` for every request they answer, successful or not, and hand it
to each `ExchangeObserver`. Observers must not block the caller: they record in memory or
enqueue, and do their I/O elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

import structlog

log = structlog.get_logger(__name__)

Channel = Literal["sync", "async"]


@dataclass(frozen=True, slots=True)
class Exchange:
    channel: Channel
    operation: str
    """`SendMessage` on the sync channel; `sendMessage`, `getMessages`, `getMessageStatus`,
    `sendDeliveryNotification` or `deliver` (gateway → provider) on the async channel."""
    session_id: str
    message_id: str | None
    correlation_id: str | None
    service_id: str | None
    sender_id: str | None
    route_id: str | None
    provider: str | None
    run_id: str | None
    """The tester's `X-Test-Run-Id`: keeps parallel test runs' journals and faults apart."""
    scenario: str | None
    started_at: datetime
    """Bus-clock time the gateway received the request."""
    duration_ms: float
    """Real (monotonic) time the gateway took to answer."""
    status: int
    code: str
    """`SCSS001`, or the ErrorInfo code of the fault the caller got."""
    request: bytes
    response: bytes
    request_digest: str | None = None
    """HMAC-SHA256 (hex) of the request as it came, set when the bodies were redacted."""
    response_digest: str | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class ExchangeObserver(Protocol):
    def observe(self, exchange: Exchange) -> None:
        """Take note of one exchange; never blocks, never raises into the channel."""


def notify(observers: Iterable[ExchangeObserver], exchange: Exchange) -> None:
    """Hand `exchange` to every observer; an observer's bug never fails the call it saw."""
    for observer in observers:
        try:
            observer.observe(exchange)
        except Exception:
            log.exception("exchange observer failed", observer=type(observer).__name__)
