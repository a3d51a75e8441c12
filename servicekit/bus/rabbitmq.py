"""The bus on RabbitMQ, through aio-pika's robust connection (it reconnects and restores consumers).

Topology, for exchange `egov` and a queue `q`:

- `egov` — topic, durable. `q` is bound to its own name and to each pattern of its spec.
- `egov.dlx` — direct, durable. `q.dlq` is bound to it with the key `q`.
- `q` — durable, `x-dead-letter-exchange=egov.dlx`, `x-dead-letter-routing-key=q`: whatever the
  broker dead-letters on its own (a native reject, an operator's TTL policy) also reaches `q.dlq`.
- `q.retry.<ms>ms` — durable, one per distinct backoff delay, `x-message-ttl=<ms>`, dead-lettered
  through the default exchange back to `q`. A failed message is republished here with the next
  `x-egov-attempt`; when its TTL expires the broker moves it back to `q`. The jitter shortens a
  message's wait with its own `expiration`: the broker expires messages from the head of a queue
  only, but as every message in a queue waits at most the queue's delay, none is held longer.

Retry queues are named by their delay rather than by level: queue arguments cannot change, so a
new backoff declares new queues instead of failing with PRECONDITION_FAILED, and messages still
waiting in the old ones come back all the same.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from uuid import uuid4

import aio_pika
from aio_pika.abc import (
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustChannel,
    AbstractRobustConnection,
    HeadersType,
)
from aio_pika.exceptions import AMQPError, ChannelInvalidStateError, DeliveryError
from aio_pika.exceptions import PublishError as ReturnedError

from servicekit.bus.base import (
    ATTEMPT_HEADER,
    FAILING_SINCE_HEADER,
    BusError,
    BusStats,
    Delivery,
    Handler,
    HandlerRunner,
    HeaderValue,
    Message,
    MessageBus,
    PublishError,
    QueueSpec,
    RetryPolicy,
    Subscription,
    decode_instant,
    encode_instant,
    redriven,
)
from servicekit.clock import bus_clock

# Headers the broker adds when it dead-letters; they are bookkeeping, not part of the message.
_BROKER_HEADER_PREFIXES = ("x-death", "x-first-death-", "x-last-death-")


def dlq_name(queue: str) -> str:
    return f"{queue}.dlq"


def retry_queue_name(queue: str, delay: float) -> str:
    return f"{queue}.retry.{_milliseconds(delay)}ms"


def _milliseconds(delay: float) -> int:
    return round(delay * 1000)


def to_amqp(
    message: Message,
    *,
    attempt: int | None = None,
    failing_since: datetime | None = None,
    expiration: float | None = None,
) -> aio_pika.Message:
    headers: HeadersType = dict(message.headers)
    if attempt is not None:
        headers[ATTEMPT_HEADER] = attempt
    if failing_since is not None:
        headers[FAILING_SINCE_HEADER] = encode_instant(failing_since)
    return aio_pika.Message(
        expiration=expiration,
        body=message.body,
        headers=headers,
        content_type=message.content_type,
        message_id=message.message_id,
        correlation_id=message.correlation_id,
        type=message.type,
        timestamp=message.timestamp,
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
    )


def from_amqp(incoming: AbstractIncomingMessage) -> tuple[Message, int, datetime | None]:
    """The message as it was published, its delivery attempt and when it first failed."""
    raw = incoming.headers or {}
    attempt = raw.get(ATTEMPT_HEADER, 1)
    headers: dict[str, HeaderValue] = {
        key: value
        for key, value in raw.items()
        if isinstance(value, str | int)
        and key not in (ATTEMPT_HEADER, FAILING_SINCE_HEADER)
        and not key.startswith(_BROKER_HEADER_PREFIXES)
    }
    message = Message(
        body=incoming.body,
        # Other publishers may leave these out; aio-pika itself always sets a message id.
        content_type=incoming.content_type or "application/octet-stream",
        message_id=incoming.message_id or str(uuid4()),
        correlation_id=incoming.correlation_id,
        type=incoming.type,
        headers=headers,
        timestamp=incoming.timestamp or bus_clock.now(),
    )
    failing_since = decode_instant(raw.get(FAILING_SINCE_HEADER))
    return message, attempt if isinstance(attempt, int) else 1, failing_since


@contextmanager
def _broker_errors(action: str) -> Iterator[None]:
    try:
        yield
    except (AMQPError, ChannelInvalidStateError, OSError) as exc:
        raise BusError(f"{action} failed: {exc!r}") from exc


@dataclass(frozen=True, slots=True)
class _Session:
    connection: AbstractRobustConnection
    channel: AbstractRobustChannel
    exchange: AbstractExchange
    dead_letter_exchange: AbstractExchange


@dataclass(frozen=True, slots=True)
class _DeclaredQueue:
    main: AbstractQueue
    dead_letters: AbstractQueue


class RabbitMQBus(MessageBus):
    def __init__(self, url: str, *, exchange: str = "egov", publish_timeout: float = 10.0) -> None:
        super().__init__(exchange)
        self.dead_letter_exchange = f"{exchange}.dlx"
        self._url = url
        self._publish_timeout = publish_timeout
        self._session: _Session | None = None
        self._queues: dict[str, _DeclaredQueue] = {}
        self._subscriptions: set[_RabbitSubscription] = set()

    async def start(self) -> None:
        if self._session is not None:
            raise BusError("the bus is already started")
        with _broker_errors("connecting to RabbitMQ"):
            connection = await aio_pika.connect_robust(self._url)
            channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
            exchange = await channel.declare_exchange(
                self.exchange, aio_pika.ExchangeType.TOPIC, durable=True
            )
            dead_letter_exchange = await channel.declare_exchange(
                self.dead_letter_exchange, aio_pika.ExchangeType.DIRECT, durable=True
            )
        self._session = _Session(connection, channel, exchange, dead_letter_exchange)

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        for subscription in list(self._subscriptions):
            await subscription.cancel()
        # Closing the connection hands unsettled `get()` deliveries back to their queues.
        await session.connection.close()
        self._queues.clear()
        self._specs.clear()

    async def publish(self, routing_key: str, message: Message) -> None:
        session = self._require()
        await self._publish(session.exchange, routing_key, to_amqp(message))

    async def declare_queue(self, spec: QueueSpec) -> None:
        session = self._require()
        name = spec.name
        with _broker_errors(f"declaring queue {name!r}"):
            dead_letters = await session.channel.declare_queue(dlq_name(name), durable=True)
            await dead_letters.bind(session.dead_letter_exchange, routing_key=name)
            main = await session.channel.declare_queue(
                name,
                durable=True,
                arguments={
                    "x-dead-letter-exchange": self.dead_letter_exchange,
                    "x-dead-letter-routing-key": name,
                },
            )
            for pattern in dict.fromkeys([name, *spec.bindings]):
                await main.bind(session.exchange, routing_key=pattern)
            for delay in spec.retry.delays():
                await session.channel.declare_queue(
                    retry_queue_name(name, delay),
                    durable=True,
                    arguments={
                        "x-message-ttl": _milliseconds(delay),
                        # The default exchange routes by queue name alone, so the retry reaches
                        # `q` only, not every queue whose pattern happens to match the name `q`.
                        "x-dead-letter-exchange": "",
                        "x-dead-letter-routing-key": name,
                    },
                )
        self._queues[name] = _DeclaredQueue(main, dead_letters)
        self._specs[name] = spec
        await self.count_parked(name)

    async def consume(self, queue: str, handler: Handler) -> Subscription:
        spec = self._spec(queue)
        session = self._require()
        with _broker_errors(f"consuming from {queue!r}"):
            # A channel per subscription: prefetch is per channel, and closing it on cancel
            # returns whatever the consumer had been sent but not yet handled.
            channel = await session.connection.channel(publisher_confirms=False)
            await channel.set_qos(prefetch_count=spec.prefetch)
            amqp_queue = await channel.get_queue(queue)
            subscription = _RabbitSubscription(self, spec, channel, amqp_queue, handler)
            await subscription.start()
        self._subscriptions.add(subscription)
        return subscription

    async def get(self, queue: str, max_count: int = 1) -> list[Delivery]:
        spec = self._spec(queue)
        self._require()
        deliveries: list[Delivery] = []
        with _broker_errors(f"getting from {queue!r}"):
            for _ in range(max_count):
                incoming = await self._queues[queue].main.get(no_ack=False, fail=False)
                if incoming is None:
                    break
                deliveries.append(self._delivery(incoming, spec))
        return deliveries

    async def dead_letters(self, queue: str, limit: int = 100) -> list[Message]:
        self._spec(queue)
        self._require()
        held: list[AbstractIncomingMessage] = []
        with _broker_errors(f"reading the dead letters of {queue!r}"):
            try:
                for _ in range(limit):
                    incoming = await self._queues[queue].dead_letters.get(no_ack=False, fail=False)
                    if incoming is None:
                        break
                    held.append(incoming)
                return [from_amqp(incoming)[0] for incoming in held]
            finally:
                # Reading must not consume: the broker puts them back in their original places.
                for incoming in held:
                    await incoming.nack(requeue=True)

    async def redrive(self, queue: str, message_id: str | None = None) -> int:
        self._spec(queue)
        session = self._require()
        held: list[AbstractIncomingMessage] = []
        count = 0
        with _broker_errors(f"redriving the dead letters of {queue!r}"):
            try:
                while incoming := await self._queues[queue].dead_letters.get(
                    no_ack=False, fail=False
                ):
                    message = from_amqp(incoming)[0]
                    if message_id not in (None, message.message_id):
                        held.append(incoming)
                        continue
                    # Confirmed back on the queue before it leaves the dead letters: a crash in
                    # between duplicates it, never loses it. The default exchange reaches `queue`
                    # alone, not every queue whose pattern the name matches.
                    await self._publish(
                        session.channel.default_exchange, queue, to_amqp(redriven(message))
                    )
                    await incoming.ack()
                    count += 1
            finally:
                for incoming in held:
                    await incoming.nack(requeue=True)
        self.stats.redriven[queue] += count
        await self.count_parked(queue)
        return count

    async def _count_dead_letters(self, queue: str) -> int:
        with _broker_errors(f"counting the dead letters of {queue!r}"):
            result = await self._queues[queue].dead_letters.declare()
        return result.message_count or 0

    async def purge(self, queue: str) -> int:
        self._spec(queue)
        self._require()
        with _broker_errors(f"purging {queue!r}"):
            result = await self._queues[queue].main.purge()
        return result.message_count or 0

    async def delete_queue(self, queue: str) -> None:
        spec = self._spec(queue)
        session = self._require()
        retry_queues = [retry_queue_name(queue, delay) for delay in spec.retry.delays()]
        with _broker_errors(f"deleting {queue!r}"):
            for name in (queue, *retry_queues, dlq_name(queue)):
                await session.channel.queue_delete(name)
        del self._queues[queue]
        del self._specs[queue]

    async def queue_depth(self, queue: str) -> int:
        self._spec(queue)
        self._require()
        with _broker_errors(f"counting {queue!r}"):
            # Re-declaring (same arguments, so a no-op) is how AMQP reports a queue's length.
            result = await self._queues[queue].main.declare()
        return result.message_count or 0

    def _require(self) -> _Session:
        if self._session is None:
            raise BusError("the bus is not started")
        return self._session

    def _delivery(self, incoming: AbstractIncomingMessage, spec: QueueSpec) -> _RabbitDelivery:
        message, attempt, failing_since = from_amqp(incoming)
        return _RabbitDelivery(
            self,
            incoming,
            message,
            queue=spec.name,
            attempt=attempt,
            redelivered=bool(incoming.redelivered),
            retry=spec.retry,
            stats=self.stats,
            failing_since=failing_since,
        )

    async def _publish(
        self, exchange: AbstractExchange, routing_key: str, message: aio_pika.Message
    ) -> None:
        try:
            async with asyncio.timeout(self._publish_timeout):
                # While the connection is being restored, wait for it instead of failing: nothing
                # has been sent yet, so waiting cannot duplicate the message.
                await self._require().channel.ready()
                # mandatory=True with on_return_raises: unroutable fails instead of vanishing.
                await exchange.publish(message, routing_key, mandatory=True)
        except ReturnedError as exc:
            raise PublishError(
                f"no queue is bound to {routing_key!r} on exchange {exchange.name!r}"
            ) from exc
        except DeliveryError as exc:
            raise PublishError(f"the broker refused the message for {routing_key!r}") from exc
        except TimeoutError as exc:
            raise PublishError(
                f"the broker did not confirm the message for {routing_key!r} "
                f"within {self._publish_timeout} s"
            ) from exc
        except (AMQPError, ChannelInvalidStateError, OSError) as exc:
            raise PublishError(f"publishing to {routing_key!r} failed: {exc!r}") from exc

    async def _publish_retry(
        self,
        queue: str,
        level: float,
        delay: float,
        message: Message,
        attempt: int,
        failing_since: datetime,
    ) -> None:
        session = self._require()
        # Whole milliseconds as the queue's TTL has them: an expiration equal to it is left out.
        shorter = _milliseconds(delay) < _milliseconds(level)
        await self._publish(
            session.channel.default_exchange,
            retry_queue_name(queue, level),
            to_amqp(
                message,
                attempt=attempt,
                failing_since=failing_since,
                expiration=_milliseconds(delay) / 1000 if shorter else None,
            ),
        )

    async def _publish_dead_letter(self, queue: str, message: Message) -> None:
        session = self._require()
        await self._publish(session.dead_letter_exchange, queue, to_amqp(message))


class _RabbitDelivery(Delivery):
    def __init__(
        self,
        bus: RabbitMQBus,
        incoming: AbstractIncomingMessage,
        message: Message,
        *,
        queue: str,
        attempt: int,
        redelivered: bool,
        retry: RetryPolicy,
        stats: BusStats,
        failing_since: datetime | None,
    ) -> None:
        super().__init__(
            message,
            queue=queue,
            attempt=attempt,
            redelivered=redelivered,
            retry=retry,
            stats=stats,
            failing_since=failing_since,
        )
        self._bus = bus
        self._incoming = incoming

    async def _ack(self) -> None:
        with _broker_errors(f"acknowledging {self.message.message_id}"):
            await self._incoming.ack()

    async def _requeue(self) -> None:
        with _broker_errors(f"requeueing {self.message.message_id}"):
            await self._incoming.nack(requeue=True)

    async def _retry_later(self, level: float, delay: float, failing_since: datetime) -> None:
        # The copy must be confirmed before the original is acked: a crash in between
        # duplicates the message, it never loses it.
        await self._bus._publish_retry(
            self.queue, level, delay, self.message, self.attempt + 1, failing_since
        )
        await self._ack()

    async def _dead_letter(self, message: Message) -> None:
        await self._bus._publish_dead_letter(self.queue, message)
        await self._ack()


class _RabbitSubscription(Subscription):
    def __init__(
        self,
        bus: RabbitMQBus,
        spec: QueueSpec,
        channel: AbstractRobustChannel,
        queue: AbstractQueue,
        handler: Handler,
    ) -> None:
        self._bus = bus
        self._spec = spec
        self._channel = channel
        self._queue = queue
        self._runner = HandlerRunner(handler)
        self._consumer_tag: str | None = None

    async def start(self) -> None:
        self._consumer_tag = await self._queue.consume(self._on_message)

    async def cancel(self) -> None:
        if self._consumer_tag is None:
            return
        consumer_tag, self._consumer_tag = self._consumer_tag, None
        self._bus._subscriptions.discard(self)
        with _broker_errors(f"cancelling the consumer of {self._spec.name!r}"):
            await self._queue.cancel(consumer_tag)
            await self._runner.stop()
            await self._channel.close()

    async def _on_message(self, incoming: AbstractIncomingMessage) -> None:
        await self._runner.run(self._bus._delivery(incoming, self._spec))
