"""The message-bus interface shared by the RabbitMQ and in-memory implementations.

Both implementations give the same guarantees: a durable topic exchange, publisher confirms with
unroutable messages refused, at-least-once delivery with manual acknowledgement, delayed retries
counted in the `x-egov-attempt` header and a dead-letter queue per queue. Everything that does not
depend on the transport — message shape, the retry/dead-letter decision, running handlers — lives
here, so the two cannot drift apart.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Literal, Self
from uuid import uuid4

import orjson
import structlog

from servicekit.clock import bus_clock

log = structlog.get_logger(__name__)

HeaderValue = str | int

ATTEMPT_HEADER = "x-egov-attempt"
"""Delivery attempt of a message, 1 on its first delivery. Owned by the bus, never by publishers."""

DEAD_REASON_HEADER = "x-egov-dead-reason"
DEAD_ATTEMPTS_HEADER = "x-egov-attempts"
DEAD_ERROR_HEADER = "x-egov-error"
DEAD_QUEUE_HEADER = "x-egov-queue"

DeadReason = Literal["rejected", "max-attempts"]

ERROR_TEXT_LIMIT = 500
"""Dead-letter headers keep this much of the error: enough to diagnose, small enough for AMQP."""


class BusError(Exception):
    """The bus could not do what was asked (broker unreachable, queue unknown, …)."""


class PublishError(BusError):
    """The broker did not take responsibility for a message: unroutable, refused or unconfirmed."""


class UnknownQueueError(BusError):
    """A queue operation on a queue this bus instance has not declared."""


class Reject(Exception):
    """Raised by a handler for a message that can never succeed: it goes to the DLQ unretried."""


def _now() -> datetime:
    # AMQP carries timestamps in whole seconds; truncating up front keeps both backends equal.
    return bus_clock.now().replace(microsecond=0)


@dataclass(frozen=True, slots=True)
class Message:
    body: bytes
    content_type: str = "application/json"
    message_id: str = field(default_factory=lambda: str(uuid4()))
    correlation_id: str | None = None
    type: str | None = None
    headers: dict[str, HeaderValue] = field(default_factory=dict)
    timestamp: datetime = field(default_factory=_now)

    def __post_init__(self) -> None:
        if self.timestamp.tzinfo is None:
            raise ValueError("message timestamps must be timezone-aware")
        if ATTEMPT_HEADER in self.headers:
            raise ValueError(f"{ATTEMPT_HEADER} is set by the bus, not by publishers")
        # The wire keeps whole seconds in UTC; a message must compare equal after a round trip.
        normalized = self.timestamp.astimezone(UTC).replace(microsecond=0)
        object.__setattr__(self, "timestamp", normalized)

    @classmethod
    def from_json(
        cls,
        payload: object,
        *,
        type: str | None = None,
        correlation_id: str | None = None,
        headers: dict[str, HeaderValue] | None = None,
    ) -> Message:
        return cls(
            body=orjson.dumps(payload),
            type=type,
            correlation_id=correlation_id,
            headers=dict(headers or {}),
        )

    def json(self) -> Any:
        return orjson.loads(self.body)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often a failing message is retried, and how long each retry waits.

    The n-th failed attempt waits `backoff[n - 1]` seconds; attempts past the end of `backoff`
    reuse its last value. After `max_attempts` failed attempts the message is dead-lettered.
    """

    max_attempts: int = 5
    backoff: tuple[float, ...] = (0.5, 2.0, 10.0)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.max_attempts > 1 and not self.backoff:
            raise ValueError("a policy that retries needs at least one backoff delay")
        if any(delay < 0 for delay in self.backoff):
            raise ValueError("backoff delays cannot be negative")

    def delay_after(self, attempt: int) -> float:
        return self.backoff[min(attempt, len(self.backoff)) - 1]

    def delays(self) -> list[float]:
        """The distinct delays this policy can actually use, shortest first."""
        return sorted({self.delay_after(attempt) for attempt in range(1, self.max_attempts)})


@dataclass(frozen=True, slots=True)
class QueueSpec:
    """A durable queue, the routing-key patterns that feed it, and how its failures are retried.

    Every queue is also reachable by its own name, so `bindings` may be empty. Bindings only ever
    accumulate: declaring a queue again with fewer patterns does not remove the old ones.
    """

    name: str
    bindings: Sequence[str] = ()
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    prefetch: int = 10

    def __post_init__(self) -> None:
        if not self.name or any(char in self.name for char in "*#"):
            raise ValueError(f"invalid queue name {self.name!r}: it must be a plain routing key")
        if self.name.endswith(".dlq") or ".retry." in self.name:
            raise ValueError(f"queue name {self.name!r} collides with the bus's own queues")
        if self.prefetch < 1:
            raise ValueError("prefetch must be at least 1")


class Delivery(ABC):
    """A message handed to a consumer or a poller, which must settle it exactly once.

    - `ack()`: done, forget it.
    - `nack(requeue=True)`: put it back at the head of the queue now, attempt unchanged.
    - `nack(requeue=False)`: it failed; retry after the queue's backoff, or dead-letter it once
      the attempts are used up.
    - `reject()`: it can never succeed; dead-letter it at once.
    """

    def __init__(
        self,
        message: Message,
        *,
        queue: str,
        attempt: int,
        redelivered: bool,
        retry: RetryPolicy,
    ) -> None:
        self.message = message
        self.queue = queue
        self.attempt = attempt
        self.redelivered = redelivered
        self._retry = retry
        self._settled = False

    @property
    def settled(self) -> bool:
        return self._settled

    async def ack(self) -> None:
        self._settle()
        await self._ack()

    async def nack(self, *, requeue: bool, error: str = "negatively acknowledged") -> None:
        self._settle()
        if requeue:
            await self._requeue()
        elif self.attempt >= self._retry.max_attempts:
            await self._dead_letter_with("max-attempts", error)
        else:
            delay = self._retry.delay_after(self.attempt)
            await self._retry_later(delay)
            log.warning(
                "message retry scheduled",
                queue=self.queue,
                message_id=self.message.message_id,
                attempt=self.attempt,
                delay=delay,
                error=error,
            )

    async def reject(self, error: str = "rejected") -> None:
        self._settle()
        await self._dead_letter_with("rejected", error)

    def _settle(self) -> None:
        if self._settled:
            raise BusError(f"message {self.message.message_id} is already settled")
        self._settled = True

    async def _dead_letter_with(self, reason: DeadReason, error: str) -> None:
        headers: dict[str, HeaderValue] = {
            **self.message.headers,
            DEAD_REASON_HEADER: reason,
            DEAD_ATTEMPTS_HEADER: self.attempt,
            DEAD_ERROR_HEADER: error[:ERROR_TEXT_LIMIT],
            DEAD_QUEUE_HEADER: self.queue,
        }
        await self._dead_letter(replace(self.message, headers=headers))
        log.warning(
            "message dead-lettered",
            queue=self.queue,
            message_id=self.message.message_id,
            attempt=self.attempt,
            reason=reason,
            error=error,
        )

    @abstractmethod
    async def _ack(self) -> None: ...

    @abstractmethod
    async def _requeue(self) -> None: ...

    @abstractmethod
    async def _retry_later(self, delay: float) -> None:
        """Make the message reappear in its queue after `delay` with the next attempt number."""

    @abstractmethod
    async def _dead_letter(self, message: Message) -> None:
        """Move `message` (the original plus the dead-letter headers) to the queue's DLQ."""


Handler = Callable[[Delivery], Awaitable[None]]


class HandlerRunner:
    """Runs a consumer's handler on each delivery and settles what the handler left unsettled.

    Also lets a subscription stop cleanly: once `stop()` begins, new deliveries are left untouched
    (the transport puts them back in the queue), and `stop()` returns when running handlers end.
    """

    def __init__(self, handler: Handler) -> None:
        self._handler = handler
        self._running = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._stopping = False

    async def run(self, delivery: Delivery) -> None:
        if self._stopping:
            return
        self._running += 1
        self._idle.clear()
        try:
            await self._handle(delivery)
        finally:
            self._running -= 1
            if not self._running:
                self._idle.set()

    async def stop(self) -> None:
        self._stopping = True
        await self._idle.wait()

    async def _handle(self, delivery: Delivery) -> None:
        try:
            try:
                await self._handler(delivery)
            except Reject as exc:
                if not delivery.settled:
                    await delivery.reject(str(exc) or "rejected")
            except Exception as exc:
                log.warning(
                    "message handler failed",
                    queue=delivery.queue,
                    message_id=delivery.message.message_id,
                    attempt=delivery.attempt,
                    exc_info=exc,
                )
                if not delivery.settled:
                    await delivery.nack(requeue=False, error=f"{type(exc).__name__}: {exc}")
            else:
                if not delivery.settled:
                    await delivery.ack()
        except BusError:
            # Unsettled, the message stays with the broker and is delivered again once the
            # channel closes: at-least-once holds, so logging is all that is left to do.
            log.exception(
                "message could not be settled",
                queue=delivery.queue,
                message_id=delivery.message.message_id,
            )


class Subscription(ABC):
    """A running consumer. `cancel()` stops new deliveries and waits for running handlers."""

    @abstractmethod
    async def cancel(self) -> None: ...


class MessageBus(ABC):
    """Publish to the topic exchange; declare, consume, poll and inspect durable queues.

    Queue operations other than `declare_queue` apply to queues this instance has declared:
    the declaration carries the retry policy and prefetch the operation needs. Declaring is
    idempotent, so every service declares the queues it uses.
    """

    def __init__(self, exchange: str) -> None:
        self.exchange = exchange
        self._specs: dict[str, QueueSpec] = {}

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    def _spec(self, queue: str) -> QueueSpec:
        try:
            return self._specs[queue]
        except KeyError:
            raise UnknownQueueError(f"queue {queue!r} is not declared on this bus") from None

    @abstractmethod
    async def start(self) -> None:
        """Connect and declare the exchange."""

    @abstractmethod
    async def close(self) -> None:
        """Cancel subscriptions; unsettled deliveries go back to their queues."""

    @abstractmethod
    async def publish(self, routing_key: str, message: Message) -> None:
        """Return once the broker holds the message; raise `PublishError` if no queue takes it."""

    @abstractmethod
    async def declare_queue(self, spec: QueueSpec) -> None: ...

    @abstractmethod
    async def consume(self, queue: str, handler: Handler) -> Subscription:
        """Run `handler` on each message: return to ack, raise `Reject` to dead-letter at once,
        raise anything else to retry with backoff."""

    @abstractmethod
    async def get(self, queue: str, max_count: int = 1) -> list[Delivery]:
        """Take up to `max_count` ready messages; the caller settles each of them."""

    @abstractmethod
    async def dead_letters(self, queue: str, limit: int = 100) -> list[Message]:
        """The oldest dead letters of `queue`, left in place."""

    @abstractmethod
    async def purge(self, queue: str) -> int:
        """Drop the ready messages of `queue` (not its retries or dead letters); return how many."""

    @abstractmethod
    async def delete_queue(self, queue: str) -> None:
        """Delete `queue` with its retry queues and DLQ, and everything they hold."""

    @abstractmethod
    async def queue_depth(self, queue: str) -> int:
        """Messages ready for delivery; those being handled or waiting for a retry don't count."""
