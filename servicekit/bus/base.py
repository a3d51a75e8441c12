"""The message-bus interface shared by the RabbitMQ and in-memory implementations.

Both implementations give the same guarantees: a durable topic exchange, publisher confirms with
unroutable messages refused, at-least-once delivery with manual acknowledgement, delayed retries
counted in the `x-egov-attempt` header and a dead-letter queue per queue. Everything that does not
depend on the transport — message shape, the retry/dead-letter decision, running handlers — lives
here, so the two cannot drift apart.

A message is parked in the dead letters only when retrying is pointless: at once when its handler
raises `Reject`; when it still fails as `Unavailable` (a registry, the gateway or the database
out of reach: it will go through once that is back) `RetryPolicy.outage_budget` of bus-clock time
after its first failure; when it fails for an unknown cause at attempt `RetryPolicy.max_attempts`.
A parked message is an incident: `BusStats` counts it for the metrics and `redrive` puts it back.
"""

from __future__ import annotations

import asyncio
import random
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Literal, Self
from uuid import uuid4

import orjson
import structlog

from servicekit.clock import bus_clock, instant

log = structlog.get_logger(__name__)

HeaderValue = str | int

ATTEMPT_HEADER = "x-egov-attempt"
"""Delivery attempt of a message, 1 on its first delivery. Owned by the bus, never by publishers."""

FAILING_SINCE_HEADER = "x-egov-failing-since"
"""Bus-clock instant (epoch milliseconds) of a message's first failed attempt; owned by the bus."""

DEAD_REASON_HEADER = "x-egov-dead-reason"
DEAD_ATTEMPTS_HEADER = "x-egov-attempts"
DEAD_ERROR_HEADER = "x-egov-error"
DEAD_QUEUE_HEADER = "x-egov-queue"
DEAD_FAILING_SINCE_HEADER = "x-egov-dead-failing-since"
DEAD_HEADERS = (
    DEAD_REASON_HEADER,
    DEAD_ATTEMPTS_HEADER,
    DEAD_ERROR_HEADER,
    DEAD_QUEUE_HEADER,
    DEAD_FAILING_SINCE_HEADER,
)
"""What parking adds to a message, and redriving takes off again."""

REDRIVEN_HEADER = "x-egov-redriven"
"""How many times an operator has put the message back on its queue after it was parked."""

BUS_HEADERS = (ATTEMPT_HEADER, FAILING_SINCE_HEADER)

DeadReason = Literal["rejected", "max-attempts", "outage-budget"]
FailureCause = Literal["unavailable", "error"]

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


class Unavailable(Exception):
    """Raised by a handler that failed because something it needs is out of reach for now (a
    registry, the gateway, the database): the message is retried for the whole outage budget."""


def _temporary(exc: BaseException) -> bool:
    # OSError covers refused and reset connections; the rest is classified by the handler.
    return isinstance(exc, Unavailable | OSError | TimeoutError)


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
        for header in BUS_HEADERS:
            if header in self.headers:
                raise ValueError(f"{header} is set by the bus, not by publishers")
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


def exponential_backoff(first: float, cap: float, factor: float = 2.0) -> tuple[float, ...]:
    """`first`, then each delay `factor` times the one before, up to `cap` (the last one)."""
    if first <= 0 or cap < first or factor <= 1:
        raise ValueError("the backoff needs 0 < first <= cap and a factor above 1")
    delays = [first]
    while delays[-1] * factor < cap:
        delays.append(delays[-1] * factor)
    if delays[-1] < cap:
        delays.append(cap)
    return tuple(delays)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often a failing message is retried, how long each retry waits, and when it is parked.

    The n-th failed attempt waits `backoff[n - 1]` seconds (attempts past the end of `backoff`
    reuse its last value). A message whose failures are temporary (`Unavailable`) is retried
    until `outage_budget` seconds of bus-clock time have passed since its first failure, each
    wait shortened by a random part of up to `jitter` of it, so that the messages an outage held
    back do not all come back at the same instant when it ends; a failure of any other cause
    waits the exact delay and parks the message once `max_attempts` attempts are used.
    """

    max_attempts: int = 5
    backoff: tuple[float, ...] = exponential_backoff(1.0, 60.0)
    outage_budget: float = 3600.0
    jitter: float = 0.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if not self.backoff:
            raise ValueError("a policy needs at least one backoff delay")
        if any(delay < 0 for delay in self.backoff):
            raise ValueError("backoff delays cannot be negative")
        if self.outage_budget < 0:
            raise ValueError("the outage budget cannot be negative")
        if not 0 <= self.jitter < 1:
            raise ValueError("jitter is a fraction of the delay, from 0 up to (not including) 1")

    def delay_after(self, attempt: int) -> float:
        """The longest wait after failed attempt `attempt`; the actual one may be shorter by the
        jitter."""
        return self.backoff[min(attempt, len(self.backoff)) - 1]

    def jittered(self, delay: float) -> float:
        return delay * (1 - self.jitter * random.random())

    def delays(self) -> list[float]:
        """The distinct delays this policy can use, shortest first."""
        return sorted(set(self.backoff))

    def gives_up(self, attempt: int, failing_for: float, cause: FailureCause) -> bool:
        """Whether failed attempt `attempt`, `failing_for` seconds after the first failure,
        parks the message."""
        if cause == "unavailable":
            return failing_for >= self.outage_budget
        return attempt >= self.max_attempts


@dataclass
class BusStats:
    """What the bus did with failing messages, for a service's metrics (`servicekit.incidents`).
    Counts are of this process; `parked` is the last known number in each dead-letter queue."""

    retried: Counter[tuple[str, FailureCause]] = field(default_factory=Counter)
    dead_lettered: Counter[tuple[str, DeadReason]] = field(default_factory=Counter)
    redriven: Counter[str] = field(default_factory=Counter)
    parked: dict[str, int] = field(default_factory=dict)


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
    - `nack(requeue=False)`: it failed; retry after the queue's backoff, or park it in the
      dead letters once the policy gives up (`cause="unavailable"`: the outage budget is spent;
      otherwise: the attempts are used up).
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
        stats: BusStats,
        failing_since: datetime | None = None,
    ) -> None:
        self.message = message
        self.queue = queue
        self.attempt = attempt
        self.redelivered = redelivered
        self.failing_since = failing_since
        """When the message first failed (bus clock); None until it has."""
        self._retry = retry
        self._stats = stats
        self._settled = False

    @property
    def settled(self) -> bool:
        return self._settled

    def gives_up(self, cause: FailureCause = "error") -> bool:
        """Whether failing now, for `cause`, parks the message instead of retrying it."""
        now = bus_clock.now()
        since = self.failing_since or now
        return self._retry.gives_up(self.attempt, (now - since).total_seconds(), cause)

    async def ack(self) -> None:
        self._settle()
        await self._ack()

    async def nack(
        self,
        *,
        requeue: bool,
        error: str = "negatively acknowledged",
        cause: FailureCause = "error",
    ) -> None:
        if requeue:
            self._settle()
            await self._requeue()
            return
        parks = self.gives_up(cause)
        self._settle()
        if parks:
            reason: DeadReason = "outage-budget" if cause == "unavailable" else "max-attempts"
            await self._dead_letter_with(reason, error)
            return
        level = self._retry.delay_after(self.attempt)
        delay = self._retry.jittered(level) if cause == "unavailable" else level
        await self._retry_later(level, delay, self.failing_since or bus_clock.now())
        self._stats.retried[self.queue, cause] += 1
        log.warning(
            "message retry scheduled",
            queue=self.queue,
            message_id=self.message.message_id,
            attempt=self.attempt,
            delay=round(delay, 3),
            cause=cause,
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
            DEAD_FAILING_SINCE_HEADER: instant(self.failing_since or bus_clock.now()),
        }
        await self._dead_letter(replace(self.message, headers=headers))
        self._stats.dead_lettered[self.queue, reason] += 1
        self._stats.parked[self.queue] = self._stats.parked.get(self.queue, 0) + 1
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
    async def _retry_later(self, level: float, delay: float, failing_since: datetime) -> None:
        """Make the message reappear in its queue after `delay` (at most `level`, the backoff
        step it was drawn from) with the next attempt number and `failing_since` kept."""

    @abstractmethod
    async def _dead_letter(self, message: Message) -> None:
        """Move `message` (the original plus the dead-letter headers) to the queue's DLQ."""


def encode_instant(moment: datetime) -> int:
    """An instant as a header value: epoch milliseconds (AMQP tables have no datetime of
    their own that survives every client)."""
    return round(moment.timestamp() * 1000)


def decode_instant(value: object) -> datetime | None:
    if not isinstance(value, int):
        return None
    return datetime.fromtimestamp(value / 1000, UTC)


def redriven(message: Message) -> Message:
    """A parked message as it goes back on its queue: without the dead-letter headers, and
    counted in `x-egov-redriven`."""
    headers = {k: v for k, v in message.headers.items() if k not in DEAD_HEADERS}
    count = headers.get(REDRIVEN_HEADER, 0)
    headers[REDRIVEN_HEADER] = (count if isinstance(count, int) else 0) + 1
    return replace(message, headers=headers)


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
                cause: FailureCause = "unavailable" if _temporary(exc) else "error"
                log.warning(
                    "message handler failed",
                    queue=delivery.queue,
                    message_id=delivery.message.message_id,
                    attempt=delivery.attempt,
                    cause=cause,
                    # A registry down is expected; only an unknown failure needs its traceback.
                    exc_info=exc if cause == "error" else None,
                    error=f"{type(exc).__name__}: {exc}" if cause == "unavailable" else None,
                )
                if not delivery.settled:
                    await delivery.nack(
                        requeue=False, error=f"{type(exc).__name__}: {exc}", cause=cause
                    )
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
        self.stats = BusStats()
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

    @property
    def queues(self) -> list[str]:
        """The queues this instance has declared."""
        return sorted(self._specs)

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
    async def redrive(self, queue: str, message_id: str | None = None) -> int:
        """Put the parked messages of `queue` (all, or the one with `message_id`) back on it as
        new ones: attempt 1 and a fresh outage budget. How many went back."""

    async def count_parked(self, queue: str) -> int:
        """How many messages lie in the dead letters of `queue` now (also kept in `stats`)."""
        count = await self._count_dead_letters(queue)
        self.stats.parked[queue] = count
        return count

    @abstractmethod
    async def _count_dead_letters(self, queue: str) -> int: ...

    @abstractmethod
    async def purge(self, queue: str) -> int:
        """Drop the ready messages of `queue` (not its retries or dead letters); return how many."""

    @abstractmethod
    async def delete_queue(self, queue: str) -> None:
        """Delete `queue` with its retry queues and DLQ, and everything they hold."""

    @abstractmethod
    async def queue_depth(self, queue: str) -> int:
        """Messages ready for delivery; those being handled or waiting for a retry don't count."""
