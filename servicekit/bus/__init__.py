"""The message bus: one topic exchange, durable queues with delayed retries and dead letters.

`create_bus(url)` gives the RabbitMQ implementation; `create_bus(None)` gives the in-memory one
on the process-wide broker, for running every service in one process. Both behave the same.
"""

from __future__ import annotations

from servicekit.bus.base import (
    BusError,
    BusStats,
    Delivery,
    Handler,
    Message,
    MessageBus,
    PublishError,
    QueueSpec,
    Reject,
    RetryPolicy,
    Subscription,
    Unavailable,
    UnknownQueueError,
    exponential_backoff,
)
from servicekit.bus.memory import InMemoryBroker, InMemoryBus, shared_broker
from servicekit.bus.rabbitmq import RabbitMQBus

__all__ = [
    "BusError",
    "BusStats",
    "Delivery",
    "Handler",
    "InMemoryBroker",
    "InMemoryBus",
    "Message",
    "MessageBus",
    "PublishError",
    "QueueSpec",
    "RabbitMQBus",
    "Reject",
    "RetryPolicy",
    "Subscription",
    "Unavailable",
    "UnknownQueueError",
    "create_bus",
    "exponential_backoff",
]


def create_bus(amqp_url: str | None, *, exchange: str = "egov") -> MessageBus:
    """RabbitMQ at `amqp_url`, or without a URL the in-memory broker this whole process shares."""
    if amqp_url is None:
        return InMemoryBus(shared_broker, exchange=exchange)
    return RabbitMQBus(amqp_url, exchange=exchange)
