"""The bus inside one process, for running every service together without a broker.

`InMemoryBroker` plays RabbitMQ's part: it owns the exchanges, queues, pending retries and dead
letters, and outlives the buses attached to it. Buses on one broker see each other's messages
exactly as services connected to one RabbitMQ do, and no others do: an embedded bus gives its
services one broker of its own (`egov.launcher.BusPlan.broker`), as a RabbitMQ virtual host
would. Messages last as long as the broker.

A retry waits for real time or for the bus clock, whichever reaches its due instant first: a
test that advances the clock brings the retries back at once instead of sleeping, and a frozen
clock holds none back.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import islice

from servicekit.bus.base import (
    BusError,
    BusStats,
    Delivery,
    Handler,
    HandlerRunner,
    Message,
    MessageBus,
    PublishError,
    QueueSpec,
    RetryPolicy,
    Subscription,
    UnknownQueueError,
    redriven,
)
from servicekit.clock import Clock, bus_clock

CLOCK_TICK = 0.05
"""Seconds between looks at the bus clock while retries wait: how soon after the clock is
advanced past their due instant they come back."""


def topic_matches(pattern: str, routing_key: str) -> bool:
    """AMQP topic matching: `*` stands for exactly one dot-separated word, `#` for zero or more."""
    return _words_match(tuple(pattern.split(".")), tuple(routing_key.split(".")))


def _words_match(pattern: tuple[str, ...], words: tuple[str, ...]) -> bool:
    if not pattern:
        return not words
    head, rest = pattern[0], pattern[1:]
    if head == "#":
        return any(_words_match(rest, words[skip:]) for skip in range(len(words) + 1))
    return bool(words) and head in ("*", words[0]) and _words_match(rest, words[1:])


def _copy(message: Message) -> Message:
    # Every delivery gets its own headers, as every delivery off the wire does.
    return replace(message, headers=dict(message.headers))


@dataclass(frozen=True, slots=True)
class _Envelope:
    message: Message
    attempt: int
    redelivered: bool = False
    failing_since: datetime | None = None


class _Retry:
    """A failed message waiting out its backoff, due at a real and at a bus-clock instant."""

    def __init__(self, queue: _Queue, envelope: _Envelope, delay: float, due: datetime) -> None:
        self.queue, self.envelope, self.due = queue, envelope, due
        self.handle = asyncio.get_running_loop().call_later(delay, self.fire)

    def fire(self) -> None:
        if self in self.queue.retries:
            self.queue.retries.discard(self)
            self.handle.cancel()
            self.queue.put(self.envelope)


class _Queue:
    def __init__(self, name: str, broker: InMemoryBroker) -> None:
        self.name = name
        self.ready: deque[_Envelope] = deque()
        self.dead: deque[Message] = deque()
        self.consumers: list[_Consumer] = []
        self.deleted = False
        self.retries: set[_Retry] = set()
        self._broker = broker
        self._turn = 0

    def put(self, envelope: _Envelope, *, front: bool = False) -> None:
        if self.deleted:
            return  # as on RabbitMQ: whatever is still on its way to a deleted queue is lost
        if front:
            self.ready.appendleft(envelope)
        else:
            self.ready.append(envelope)
        self.dispatch()

    def put_later(self, envelope: _Envelope, delay: float) -> None:
        due = self._broker.clock.now() + timedelta(seconds=delay)
        self.retries.add(_Retry(self, envelope, delay, due))
        self._broker.watch_clock()

    def dead_letter(self, message: Message) -> None:
        if not self.deleted:
            self.dead.append(message)

    def dispatch(self) -> None:
        # Push to consumers in turn, each up to its prefetch, as RabbitMQ does.
        while self.ready:
            consumer = self._next_consumer()
            if consumer is None:
                return
            consumer.deliver(self, self.ready.popleft())

    def delete(self) -> None:
        self.deleted = True
        for retry in self.retries:
            retry.handle.cancel()
        self.retries.clear()
        self.ready.clear()
        self.dead.clear()
        self.consumers.clear()

    def _next_consumer(self) -> _Consumer | None:
        for offset in range(len(self.consumers)):
            index = (self._turn + offset) % len(self.consumers)
            if self.consumers[index].has_capacity():
                self._turn = index + 1
                return self.consumers[index]
        return None


class _Channel:
    """An AMQP channel's part in delivery: it holds unsettled messages and returns them on close."""

    def __init__(self) -> None:
        self._unsettled: dict[_MemoryDelivery, None] = {}
        self.closed = False

    @property
    def unsettled(self) -> int:
        return len(self._unsettled)

    def open(
        self, queue: _Queue, envelope: _Envelope, retry: RetryPolicy, stats: BusStats
    ) -> _MemoryDelivery:
        delivery = _MemoryDelivery(self, queue, envelope, retry, stats)
        self._unsettled[delivery] = None
        return delivery

    def release(self, delivery: _MemoryDelivery) -> None:
        if self.closed:
            raise BusError(f"the channel of message {delivery.message.message_id} is closed")
        del self._unsettled[delivery]

    def close(self) -> None:
        self.closed = True
        # Newest first, each to the head: they end up in their original order, as on RabbitMQ.
        for delivery in reversed(self._unsettled):
            delivery.return_to_queue()
        self._unsettled.clear()


class _MemoryDelivery(Delivery):
    def __init__(
        self,
        channel: _Channel,
        queue: _Queue,
        envelope: _Envelope,
        retry: RetryPolicy,
        stats: BusStats,
    ) -> None:
        super().__init__(
            _copy(envelope.message),
            queue=queue.name,
            attempt=envelope.attempt,
            redelivered=envelope.redelivered,
            retry=retry,
            stats=stats,
            failing_since=envelope.failing_since,
        )
        self._channel = channel
        self._queue = queue
        self._envelope = envelope

    def return_to_queue(self) -> None:
        self._queue.put(replace(self._envelope, redelivered=True), front=True)

    async def _ack(self) -> None:
        self._release()

    async def _requeue(self) -> None:
        self._release()
        self.return_to_queue()

    async def _retry_later(self, level: float, delay: float, failing_since: datetime) -> None:
        self._release()
        envelope = _Envelope(self._envelope.message, self.attempt + 1, failing_since=failing_since)
        self._queue.put_later(envelope, delay)

    async def _dead_letter(self, message: Message) -> None:
        self._release()
        self._queue.dead_letter(message)

    def _release(self) -> None:
        self._channel.release(self)
        self._queue.dispatch()  # the consumer may have room for another message now


class _Consumer:
    def __init__(self, spec: QueueSpec, handler: Handler, stats: BusStats) -> None:
        self.spec = spec
        self.stats = stats
        self.runner = HandlerRunner(handler)
        self.channel = _Channel()
        self._tasks: set[asyncio.Task[None]] = set()

    def has_capacity(self) -> bool:
        return self.channel.unsettled < self.spec.prefetch

    def deliver(self, queue: _Queue, envelope: _Envelope) -> None:
        delivery = self.channel.open(queue, envelope, self.spec.retry, self.stats)
        task = asyncio.get_running_loop().create_task(self.runner.run(delivery))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


class _MemorySubscription(Subscription):
    def __init__(self, bus: InMemoryBus, queue: _Queue, consumer: _Consumer) -> None:
        self._bus = bus
        self._queue = queue
        self._consumer = consumer

    async def cancel(self) -> None:
        if self._consumer.channel.closed:
            return
        self._bus._subscriptions.discard(self)
        if self._consumer in self._queue.consumers:
            self._queue.consumers.remove(self._consumer)
        await self._consumer.runner.stop()
        self._consumer.channel.close()


class InMemoryBroker:
    """Exchanges and queues shared by every `InMemoryBus` attached to this broker."""

    def __init__(self, clock: Clock = bus_clock) -> None:
        self.clock = clock
        # exchange → queue → binding patterns
        self._bindings: dict[str, dict[str, set[str]]] = {}
        self._queues: dict[str, _Queue] = {}
        self._watcher: asyncio.Task[None] | None = None

    def watch_clock(self) -> None:
        """Make sure something brings retries back when the bus clock passes their due."""
        loop = asyncio.get_running_loop()
        # The broker outlives event loops (tests run one each): a watcher of a closed loop is gone.
        if self._watcher is None or self._watcher.done() or self._watcher.get_loop() is not loop:
            self._watcher = loop.create_task(self._watch())

    async def _watch(self) -> None:
        while waiting := [r for q in self._queues.values() for r in q.retries]:
            await asyncio.sleep(CLOCK_TICK)
            now = self.clock.now()
            for retry in waiting:
                if retry.due <= now:
                    retry.fire()

    def declare_exchange(self, exchange: str) -> None:
        self._bindings.setdefault(exchange, {})

    def declare_queue(self, exchange: str, spec: QueueSpec) -> None:
        if spec.name not in self._queues:
            self._queues[spec.name] = _Queue(spec.name, self)
        self._bindings[exchange].setdefault(spec.name, set()).update([spec.name, *spec.bindings])

    def queue(self, name: str) -> _Queue:
        try:
            return self._queues[name]
        except KeyError:
            raise UnknownQueueError(f"queue {name!r} does not exist") from None

    def route(self, exchange: str, routing_key: str, message: Message) -> None:
        targets = [
            self._queues[name]
            for name, patterns in self._bindings[exchange].items()
            if any(topic_matches(pattern, routing_key) for pattern in patterns)
        ]
        if not targets:
            raise PublishError(f"no queue is bound to {routing_key!r} on exchange {exchange!r}")
        for queue in targets:
            queue.put(_Envelope(_copy(message), attempt=1))

    def delete_queue(self, name: str) -> None:
        queue = self._queues.pop(name, None)
        if queue is not None:
            queue.delete()
        for bindings in self._bindings.values():
            bindings.pop(name, None)


class InMemoryBus(MessageBus):
    def __init__(self, broker: InMemoryBroker, *, exchange: str = "egov") -> None:
        super().__init__(exchange)
        self._broker = broker
        self._pulled: _Channel | None = None  # holds `get()` deliveries; None until started
        self._subscriptions: set[_MemorySubscription] = set()

    async def start(self) -> None:
        if self._pulled is not None:
            raise BusError("the bus is already started")
        self._broker.declare_exchange(self.exchange)
        self._pulled = _Channel()

    async def close(self) -> None:
        pulled, self._pulled = self._pulled, None
        if pulled is None:
            return
        for subscription in list(self._subscriptions):
            await subscription.cancel()
        pulled.close()
        self._specs.clear()

    async def publish(self, routing_key: str, message: Message) -> None:
        self._require()
        self._broker.route(self.exchange, routing_key, message)

    async def declare_queue(self, spec: QueueSpec) -> None:
        self._require()
        self._broker.declare_queue(self.exchange, spec)
        self._specs[spec.name] = spec
        await self.count_parked(spec.name)

    async def consume(self, queue: str, handler: Handler) -> Subscription:
        spec = self._spec(queue)
        self._require()
        memory_queue = self._broker.queue(queue)
        consumer = _Consumer(spec, handler, self.stats)
        subscription = _MemorySubscription(self, memory_queue, consumer)
        self._subscriptions.add(subscription)
        memory_queue.consumers.append(consumer)
        memory_queue.dispatch()
        return subscription

    async def get(self, queue: str, max_count: int = 1) -> list[Delivery]:
        spec = self._spec(queue)
        pulled = self._require()
        memory_queue = self._broker.queue(queue)
        count = min(max_count, len(memory_queue.ready))
        return [
            pulled.open(memory_queue, memory_queue.ready.popleft(), spec.retry, self.stats)
            for _ in range(count)
        ]

    async def dead_letters(self, queue: str, limit: int = 100) -> list[Message]:
        return [_copy(message) for message in islice(self._queue(queue).dead, limit)]

    async def redrive(self, queue: str, message_id: str | None = None) -> int:
        memory_queue = self._queue(queue)
        chosen = [m for m in memory_queue.dead if message_id in (None, m.message_id)]
        taken = {id(m) for m in chosen}
        memory_queue.dead = deque(m for m in memory_queue.dead if id(m) not in taken)
        for message in chosen:
            memory_queue.put(_Envelope(redriven(message), attempt=1))
        self.stats.redriven[queue] += len(chosen)
        await self.count_parked(queue)
        return len(chosen)

    async def _count_dead_letters(self, queue: str) -> int:
        return len(self._queue(queue).dead)

    async def purge(self, queue: str) -> int:
        memory_queue = self._queue(queue)
        count = len(memory_queue.ready)
        memory_queue.ready.clear()
        return count

    async def delete_queue(self, queue: str) -> None:
        self._queue(queue)
        self._broker.delete_queue(queue)
        del self._specs[queue]

    async def queue_depth(self, queue: str) -> int:
        return len(self._queue(queue).ready)

    def _require(self) -> _Channel:
        if self._pulled is None:
            raise BusError("the bus is not started")
        return self._pulled

    def _queue(self, name: str) -> _Queue:
        self._spec(name)
        self._require()
        return self._broker.queue(name)
