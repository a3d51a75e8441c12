"""The bus contract, run against the in-memory bus and a real RabbitMQ alike."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from servicekit.bus import (
    BusError,
    Delivery,
    Handler,
    InMemoryBroker,
    InMemoryBus,
    Message,
    MessageBus,
    PublishError,
    QueueSpec,
    RabbitMQBus,
    Reject,
    RetryPolicy,
    Unavailable,
    UnknownQueueError,
    create_bus,
    exponential_backoff,
)
from servicekit.bus.base import (
    DEAD_ATTEMPTS_HEADER,
    DEAD_ERROR_HEADER,
    DEAD_FAILING_SINCE_HEADER,
    DEAD_QUEUE_HEADER,
    DEAD_REASON_HEADER,
    ERROR_TEXT_LIMIT,
    REDRIVEN_HEADER,
)
from servicekit.clock import bus_clock
from tests.backends import AMQP_URL
from tests.kit.conftest import BusEnv

TIMEOUT = 5.0


class Recorder:
    """Handlers that record what they receive, so a test can wait for the n-th delivery."""

    def __init__(self, behaviour: Handler | None = None) -> None:
        self.received: list[tuple[str, Delivery, float]] = []
        self._behaviour = behaviour
        self._arrived = asyncio.Condition()

    def handler(self, label: str = "") -> Handler:
        async def handle(delivery: Delivery) -> None:
            async with self._arrived:
                self.received.append((label, delivery, asyncio.get_running_loop().time()))
                self._arrived.notify_all()
            if self._behaviour is not None:
                await self._behaviour(delivery)

        return handle

    @property
    def deliveries(self) -> list[Delivery]:
        return [delivery for _, delivery, _ in self.received]

    async def wait_for(self, count: int) -> list[Delivery]:
        async with asyncio.timeout(TIMEOUT), self._arrived:
            await self._arrived.wait_for(lambda: len(self.received) >= count)
        return self.deliveries


async def drain(bus: MessageBus, queue: str) -> list[bytes]:
    deliveries = await bus.get(queue, max_count=100)
    for delivery in deliveries:
        await delivery.ack()
    return [delivery.message.body for delivery in deliveries]


async def test_round_trip_preserves_every_field(bus_env: BusEnv, bus: MessageBus) -> None:
    spec = bus_env.queue("round-trip")
    await bus.declare_queue(spec)
    recorder = Recorder()
    await bus.consume(spec.name, recorder.handler())
    sent = Message(
        body=b"<request/>",
        content_type="application/xml",
        correlation_id="corr-1",
        type="REQUEST",
        headers={"x-sender": "gbd_fl", "x-priority": 7},
        timestamp=datetime(2025, 3, 1, 9, 30, 15, tzinfo=UTC),
    )

    await bus.publish(spec.name, sent)

    [delivery] = await recorder.wait_for(1)
    assert delivery.message == sent
    assert (delivery.queue, delivery.attempt, delivery.redelivered) == (spec.name, 1, False)


async def test_json_helpers_round_trip(bus_env: BusEnv, bus: MessageBus) -> None:
    spec = bus_env.queue("json", bindings=["application.*"])
    await bus.declare_queue(spec)
    payload = {"iin": "900515300018", "services": ["registration"], "amount": 12.5}

    await bus.publish(
        "application.submitted", Message.from_json(payload, type="application.submitted")
    )

    [delivery] = await bus.get(spec.name)
    assert delivery.message.json() == payload
    assert delivery.message.type == "application.submitted"
    assert delivery.message.content_type == "application/json"
    await delivery.ack()


async def test_topic_routing_reaches_every_matching_queue(bus_env: BusEnv, bus: MessageBus) -> None:
    applications = bus_env.queue("applications", bindings=["application.*"])
    urgent = bus_env.queue("urgent", bindings=["application.submitted", "#.urgent"])
    payments = bus_env.queue("payments", bindings=["payment.#"])
    for spec in (applications, urgent, payments):
        await bus.declare_queue(spec)

    await bus.publish("application.submitted", Message(b"submitted"))
    await bus.publish("application.approved.urgent", Message(b"urgent"))
    await bus.publish("payment.card.settled", Message(b"settled"))
    await bus.publish("payment", Message(b"bare"))  # `#` also matches zero words

    assert await drain(bus, applications.name) == [b"submitted"]
    assert await drain(bus, urgent.name) == [b"submitted", b"urgent"]
    assert await drain(bus, payments.name) == [b"settled", b"bare"]


async def test_queue_is_reachable_by_its_own_name_and_declaring_twice_is_harmless(
    bus_env: BusEnv, bus: MessageBus
) -> None:
    spec = bus_env.queue("by-name")
    await bus.declare_queue(spec)
    await bus.declare_queue(spec)

    await bus.publish(spec.name, Message(b"direct"))

    assert await bus.queue_depth(spec.name) == 1
    assert await drain(bus, spec.name) == [b"direct"]


async def test_unroutable_publish_raises(bus_env: BusEnv, bus: MessageBus) -> None:
    await bus.declare_queue(bus_env.queue("unrelated", bindings=["application.*"]))

    with pytest.raises(PublishError, match=r"nobody\.listens"):
        await bus.publish("nobody.listens", Message(b"lost"))


async def test_queue_operations_need_a_declared_queue(bus_env: BusEnv, bus: MessageBus) -> None:
    name = bus_env.queue("never-declared").name

    with pytest.raises(UnknownQueueError):
        await bus.consume(name, Recorder().handler())
    with pytest.raises(UnknownQueueError):
        await bus.queue_depth(name)


async def test_handled_message_is_acked(bus_env: BusEnv, bus: MessageBus) -> None:
    spec = bus_env.queue("acked")
    await bus.declare_queue(spec)
    recorder = Recorder()
    subscription = await bus.consume(spec.name, recorder.handler())

    await bus.publish(spec.name, Message(b"work"))
    await recorder.wait_for(1)
    # Cancelling closes the consumer's channel, which would return an unacked message.
    await subscription.cancel()

    assert await bus.queue_depth(spec.name) == 0
    assert await bus.dead_letters(spec.name) == []


async def test_transient_failure_is_retried_with_backoff(bus_env: BusEnv, bus: MessageBus) -> None:
    spec = bus_env.queue("flaky", retry=RetryPolicy(max_attempts=5, backoff=(0.05, 0.1)))
    await bus.declare_queue(spec)

    async def fail_twice(delivery: Delivery) -> None:
        if delivery.attempt < 3:
            raise ConnectionError("registry is down")

    recorder = Recorder(fail_twice)
    subscription = await bus.consume(spec.name, recorder.handler())
    sent = Message(b"flaky", headers={"x-sender": "gateway"})

    await bus.publish(spec.name, sent)
    deliveries = await recorder.wait_for(3)
    await subscription.cancel()

    assert [delivery.attempt for delivery in deliveries] == [1, 2, 3]
    assert all(delivery.message == sent for delivery in deliveries)
    assert not any(delivery.redelivered for delivery in deliveries)
    times = [moment for _, _, moment in recorder.received]
    assert times[1] - times[0] >= 0.045
    assert times[2] - times[1] >= 0.09
    assert await bus.queue_depth(spec.name) == 0
    assert await bus.dead_letters(spec.name) == []


async def test_exhausted_attempts_land_in_dead_letters(bus_env: BusEnv, bus: MessageBus) -> None:
    spec = bus_env.queue("doomed", retry=RetryPolicy(max_attempts=3, backoff=(0.05,)))
    await bus.declare_queue(spec)

    async def always_fail(delivery: Delivery) -> None:
        raise ValueError("boom " + "x" * 2000)

    recorder = Recorder(always_fail)
    subscription = await bus.consume(spec.name, recorder.handler())
    sent = Message(b"doomed", headers={"x-sender": "gateway"})

    await bus.publish(spec.name, sent)
    deliveries = await recorder.wait_for(3)
    await subscription.cancel()  # waits for the last handler, and so for the dead-lettering

    assert [delivery.attempt for delivery in deliveries] == [1, 2, 3]
    first_read = await bus.dead_letters(spec.name)
    assert await bus.dead_letters(spec.name) == first_read
    [dead] = first_read
    assert (dead.body, dead.message_id) == (sent.body, sent.message_id)
    assert dead.headers["x-sender"] == "gateway"
    assert dead.headers[DEAD_REASON_HEADER] == "max-attempts"
    assert dead.headers[DEAD_ATTEMPTS_HEADER] == 3
    assert dead.headers[DEAD_QUEUE_HEADER] == spec.name
    error = dead.headers[DEAD_ERROR_HEADER]
    assert isinstance(error, str)
    assert error.startswith("ValueError: boom")
    assert len(error) == ERROR_TEXT_LIMIT
    assert await bus.queue_depth(spec.name) == 0


async def parked(bus: MessageBus, queue: str, count: int) -> list[Message]:
    async with asyncio.timeout(TIMEOUT):
        while True:
            found = await bus.dead_letters(queue)
            if len(found) >= count:
                return found
            await asyncio.sleep(0.02)


OLD_ATTEMPTS = 5
"""Issue 15: the old policy parked a message after 5 failed attempts, whatever their cause."""


async def test_temporary_failure_is_retried_past_the_old_budget_not_parked(
    bus_env: BusEnv, bus: MessageBus
) -> None:
    spec = bus_env.queue("outage", retry=RetryPolicy(backoff=(0.01,)))
    await bus.declare_queue(spec)

    async def down_for_a_while(delivery: Delivery) -> None:
        if delivery.attempt <= 4 * OLD_ATTEMPTS:
            raise ConnectionError("the registry refuses connections")

    recorder = Recorder(down_for_a_while)
    subscription = await bus.consume(spec.name, recorder.handler())
    await bus.publish(spec.name, Message(b"waits out the outage"))
    deliveries = await recorder.wait_for(4 * OLD_ATTEMPTS + 1)
    await subscription.cancel()

    assert [d.attempt for d in deliveries] == list(range(1, 4 * OLD_ATTEMPTS + 2))
    assert await bus.dead_letters(spec.name) == []
    assert bus.stats.retried[spec.name, "unavailable"] == 4 * OLD_ATTEMPTS


async def test_outage_past_the_budget_parks_and_redrive_starts_afresh(
    bus_env: BusEnv, bus: MessageBus
) -> None:
    spec = bus_env.queue(
        "long-outage", retry=RetryPolicy(backoff=(0.02,), outage_budget=0.3, jitter=0.5)
    )
    await bus.declare_queue(spec)
    registry = {"up": False}

    async def needs_the_registry(delivery: Delivery) -> None:
        if not registry["up"]:
            raise Unavailable("ГБД ФЛ does not answer")

    recorder = Recorder(needs_the_registry)
    await bus.consume(spec.name, recorder.handler())
    first, second = Message(b"first"), Message(b"second")
    await bus.publish(spec.name, first)
    await bus.publish(spec.name, second)
    dead = await parked(bus, spec.name, 2)

    for letter in dead:
        assert letter.headers[DEAD_REASON_HEADER] == "outage-budget"
        assert letter.headers[DEAD_ERROR_HEADER] == "Unavailable: ГБД ФЛ does not answer"
        attempts = letter.headers[DEAD_ATTEMPTS_HEADER]
        assert isinstance(attempts, int)
        assert attempts > OLD_ATTEMPTS
        assert DEAD_FAILING_SINCE_HEADER in letter.headers
    assert bus.stats.dead_lettered[spec.name, "outage-budget"] == 2
    assert bus.stats.parked[spec.name] == 2

    registry["up"] = True
    handled = len(recorder.received)
    assert await bus.redrive(spec.name, first.message_id) == 1
    [again] = (await recorder.wait_for(handled + 1))[handled:]
    assert (again.message.body, again.attempt, again.failing_since) == (b"first", 1, None)
    assert again.message.headers == {REDRIVEN_HEADER: 1}
    assert [m.message_id for m in await bus.dead_letters(spec.name)] == [second.message_id]
    assert await bus.redrive(spec.name) == 1
    await recorder.wait_for(handled + 2)
    assert await bus.redrive(spec.name, "no-such-message") == 0
    assert await bus.dead_letters(spec.name) == []
    assert (bus.stats.parked[spec.name], bus.stats.redriven[spec.name]) == (0, 2)


async def test_in_process_retries_come_back_when_the_bus_clock_passes_their_due() -> None:
    """Tests advance the clock through an outage instead of waiting it out."""
    bus_clock.freeze(datetime(2026, 3, 2, 5, 0, tzinfo=UTC))  # tests/conftest.py resets it
    spec = QueueSpec(f"test.{uuid4().hex[:12]}.clock", retry=RetryPolicy(backoff=(30.0, 600.0)))
    async with InMemoryBus(InMemoryBroker()) as bus:
        await bus.declare_queue(spec)

        async def down_twice(delivery: Delivery) -> None:
            if delivery.attempt <= 2:
                raise ConnectionError("the registry refuses connections")

        recorder = Recorder(down_twice)
        await bus.consume(spec.name, recorder.handler())
        await bus.publish(spec.name, Message(b"driven by the clock"))
        await recorder.wait_for(1)
        bus_clock.advance(timedelta(seconds=29))
        await asyncio.sleep(0.2)
        assert len(recorder.received) == 1  # not due yet
        bus_clock.advance(timedelta(seconds=1))
        await recorder.wait_for(2)
        bus_clock.advance(timedelta(minutes=10))
        deliveries = await recorder.wait_for(3)

    assert [d.attempt for d in deliveries] == [1, 2, 3]
    times = [moment for _, _, moment in recorder.received]
    assert times[-1] - times[0] < 5


def test_exponential_backoff_doubles_up_to_its_cap() -> None:
    assert exponential_backoff(1.0, 60.0) == (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0)
    assert exponential_backoff(0.5, 2.0) == (0.5, 1.0, 2.0)
    with pytest.raises(ValueError, match="first <= cap"):
        exponential_backoff(2.0, 1.0)


def test_jitter_shortens_a_delay_by_at_most_its_share() -> None:
    policy = RetryPolicy(backoff=(10.0,), jitter=0.5)
    waits = {policy.jittered(10.0) for _ in range(200)}
    assert all(5.0 <= wait <= 10.0 for wait in waits)
    assert len(waits) > 100  # spread, not one instant for every message


def test_the_budget_counts_for_outages_and_the_attempts_for_other_failures() -> None:
    policy = RetryPolicy(max_attempts=5, outage_budget=3600.0)
    assert not policy.gives_up(attempt=500, failing_for=3599.0, cause="unavailable")
    assert policy.gives_up(attempt=500, failing_for=3600.0, cause="unavailable")
    assert not policy.gives_up(attempt=4, failing_for=0.0, cause="error")
    assert policy.gives_up(attempt=5, failing_for=0.0, cause="error")


async def test_reject_goes_straight_to_dead_letters(bus_env: BusEnv, bus: MessageBus) -> None:
    spec = bus_env.queue("rejected")
    await bus.declare_queue(spec)

    async def reject(delivery: Delivery) -> None:
        raise Reject("ИИН has a wrong check digit")

    recorder = Recorder(reject)
    subscription = await bus.consume(spec.name, recorder.handler())

    await bus.publish(spec.name, Message(b"malformed"))
    await recorder.wait_for(1)
    await subscription.cancel()

    [dead] = await bus.dead_letters(spec.name)
    assert dead.body == b"malformed"
    assert dead.headers[DEAD_REASON_HEADER] == "rejected"
    assert dead.headers[DEAD_ATTEMPTS_HEADER] == 1
    assert dead.headers[DEAD_ERROR_HEADER] == "ИИН has a wrong check digit"
    assert [delivery.attempt for delivery in recorder.deliveries] == [1]


async def test_get_pulls_and_settles_explicitly(bus_env: BusEnv, bus: MessageBus) -> None:
    spec = bus_env.queue("polled")
    await bus.declare_queue(spec)
    for body in (b"a", b"b", b"c"):
        await bus.publish(spec.name, Message(body))

    first, second = await bus.get(spec.name, max_count=2)
    await first.ack()
    await second.nack(requeue=True)
    with pytest.raises(BusError, match="already settled"):
        await first.ack()
    again, third = await bus.get(spec.name, max_count=10)

    assert (first.message.body, second.message.body) == (b"a", b"b")
    assert (again.message.body, again.redelivered, again.attempt) == (b"b", True, 1)
    assert (third.message.body, third.redelivered) == (b"c", False)
    await again.ack()
    await third.ack()
    assert await bus.get(spec.name, max_count=10) == []
    assert await bus.queue_depth(spec.name) == 0


async def test_pulled_message_that_failed_is_retried_later(
    bus_env: BusEnv, bus: MessageBus
) -> None:
    spec = bus_env.queue("polled-retry")
    await bus.declare_queue(spec)
    await bus.publish(spec.name, Message(b"retry me"))

    [taken] = await bus.get(spec.name)
    await taken.nack(requeue=False, error="the poller's client went away")

    assert await bus.queue_depth(spec.name) == 0  # waiting out the backoff, not ready
    recorder = Recorder()
    await bus.consume(spec.name, recorder.handler())
    [retried] = await recorder.wait_for(1)
    assert (retried.message, retried.attempt) == (taken.message, 2)


async def test_purge_drops_ready_messages(bus_env: BusEnv, bus: MessageBus) -> None:
    spec = bus_env.queue("purged")
    await bus.declare_queue(spec)
    for body in (b"a", b"b"):
        await bus.publish(spec.name, Message(body))

    assert await bus.purge(spec.name) == 2
    assert await bus.queue_depth(spec.name) == 0


async def test_unsettled_pulled_messages_return_when_the_bus_closes(bus_env: BusEnv) -> None:
    spec = bus_env.queue("abandoned")
    first_bus = await bus_env.open_bus()
    await first_bus.declare_queue(spec)
    await first_bus.publish(spec.name, Message(b"abandoned"))
    [taken] = await first_bus.get(spec.name)

    await first_bus.close()

    second_bus = await bus_env.open_bus()
    await second_bus.declare_queue(spec)
    recorder = Recorder()
    # A consumer rather than get(): RabbitMQ requeues after the connection is gone, not before.
    await second_bus.consume(spec.name, recorder.handler())
    [returned] = await recorder.wait_for(1)
    assert returned.message == taken.message
    assert returned.redelivered


async def test_messages_survive_reopening_the_bus(bus_env: BusEnv) -> None:
    spec = bus_env.queue("durable")
    publisher = await bus_env.open_bus()
    await publisher.declare_queue(spec)
    await publisher.publish(spec.name, Message(b"one"))
    await publisher.publish(spec.name, Message(b"two"))
    await publisher.close()

    consumer = await bus_env.open_bus()
    await consumer.declare_queue(spec)
    recorder = Recorder()
    await consumer.consume(spec.name, recorder.handler())

    deliveries = await recorder.wait_for(2)
    assert [delivery.message.body for delivery in deliveries] == [b"one", b"two"]


async def test_cancelled_consumer_gets_no_more_messages(bus_env: BusEnv, bus: MessageBus) -> None:
    spec = bus_env.queue("cancelled")
    await bus.declare_queue(spec)
    recorder = Recorder()
    subscription = await bus.consume(spec.name, recorder.handler())
    await bus.publish(spec.name, Message(b"before"))
    await recorder.wait_for(1)

    await subscription.cancel()
    await bus.publish(spec.name, Message(b"after"))

    assert await bus.queue_depth(spec.name) == 1
    assert [delivery.message.body for delivery in recorder.deliveries] == [b"before"]
    assert await drain(bus, spec.name) == [b"after"]


async def test_two_consumers_share_the_work(bus_env: BusEnv, bus: MessageBus) -> None:
    spec = bus_env.queue("shared", prefetch=1)
    other_bus = await bus_env.open_bus()
    for instance in (bus, other_bus):
        await instance.declare_queue(spec)

    async def work(delivery: Delivery) -> None:
        await asyncio.sleep(0.005)  # gives the other consumer its turn, as real work would

    recorder = Recorder(work)
    await bus.consume(spec.name, recorder.handler("first"))
    await other_bus.consume(spec.name, recorder.handler("second"))
    sent = [Message(f"job {number}".encode()) for number in range(20)]

    for message in sent:
        await bus.publish(spec.name, message)
    deliveries = await recorder.wait_for(len(sent))

    received_ids = [delivery.message.message_id for delivery in deliveries]
    assert sorted(received_ids) == sorted(message.message_id for message in sent)
    assert {label for label, _, _ in recorder.received} == {"first", "second"}


async def test_create_bus_picks_the_backend() -> None:
    assert isinstance(create_bus(AMQP_URL), RabbitMQBus)
    # Without a URL, the buses given one broker talk to each other (the services of one
    # embedded bus), and a bus given none has a broker of its own: nothing reaches it.
    exchange, broker = "test.create-bus", InMemoryBroker()
    publisher = create_bus(None, broker, exchange=exchange)
    consumer = create_bus(None, broker, exchange=exchange)
    loner = create_bus(None, exchange=exchange)
    async with publisher, consumer, loner:
        spec = QueueSpec(f"test.{uuid4().hex[:12]}.shared-broker")
        await consumer.declare_queue(spec)
        await loner.declare_queue(spec)
        await publisher.publish(spec.name, Message(b"across services"))
        assert await loner.queue_depth(spec.name) == 0
        assert await drain(consumer, spec.name) == [b"across services"]
