"""The AsyncAPI 3.0 document of the bus: the domain events, who publishes and who consumes
them, and the RabbitMQ topology the code declares for them (`servicekit.bus.rabbitmq`).

Payloads are the events' pydantic JSON Schemas; queues, their bindings and retry delays are
the services' own `QueueSpec`s and settings, so a renamed queue or routing key, a new field or
a changed backoff changes the document (and `tests/test_contracts.py` asks for it to be
regenerated).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel

from frontoffice_service import consumers as frontoffice_consumers
from frontoffice_service.settings import Settings as FrontofficeSettings
from gateway.async_channel import AsyncSettings, mailbox
from gateway.settings import Settings as GatewaySettings
from registration_service import consumers as registration_consumers
from registration_service.events import ApplicationSubmitted, PrintOrdered
from registration_service.settings import Settings as RegistrationSettings
from servicekit.bus import QueueSpec, RetryPolicy
from servicekit.bus.rabbitmq import dlq_name, retry_queue_name
from servicekit.clock_sync import CLOCK_KEY, CLOCK_TYPE, ClockChanged, clock_queue
from servicekit.envelope import AsyncMessage
from servicekit.events import (
    DocumentsReady,
    Event,
    MachineryApplicationSent,
    PickupHandedOver,
    SmsRequested,
    retry_policy,
)
from servicekit.settings import ServiceSettings
from servicekit.topology import SERVICES

EXCHANGE = "egov"
DEAD_LETTER_EXCHANGE = f"{EXCHANGE}.dlx"
AMQP = "0.3.0"
"""The version of the AMQP bindings used."""

PARAMETERS = {
    "service": "the name of a service (`servicekit/topology.py`): each follows the clock",
    "recipient": "the service or sender a message is for",
    "serviceId": "the ШЭП service id of the message",
}
"""The parameters of queue names that stand for a family of queues."""

PUBLISHED: dict[str, tuple[type[Event], ...]] = {
    "registration_service": (ApplicationSubmitted, PrintOrdered, DocumentsReady, SmsRequested),
    "frontoffice_service": (PickupHandedOver, SmsRequested, MachineryApplicationSent),
}
"""What each state service stages in its transactional outbox (`servicekit.outbox`)."""

CONSUMERS: dict[str, tuple[Sequence[tuple[QueueSpec, type[Event]]], type[ServiceSettings]]] = {
    "registration_service": (registration_consumers.CONSUMED, RegistrationSettings),
    "frontoffice_service": (frontoffice_consumers.CONSUMED, FrontofficeSettings),
}

_EXCHANGE_BINDING = {
    "name": EXCHANGE,
    "type": "topic",
    "durable": True,
    "autoDelete": False,
    "vhost": "/",
}


def _routing_channel(address: str, parameter: str | None, messages: Iterable[str]) -> Any:
    channel: dict[str, Any] = {
        "address": address + (f".{{{parameter}}}" if parameter else ""),
        "description": f"Messages published to the topic exchange `{EXCHANGE}` with this "
        "routing key.",
        "messages": {name: {"$ref": f"#/components/messages/{name}"} for name in messages},
        "bindings": {
            "amqp": {"is": "routingKey", "exchange": _EXCHANGE_BINDING, "bindingVersion": AMQP}
        },
    }
    if parameter:
        channel["parameters"] = {
            parameter: {"description": f"the event's `{parameter}`: a two-digit region code"}
        }
    return channel


def _queue_binding(name: str) -> dict[str, Any]:
    return {
        "amqp": {
            "is": "queue",
            "queue": {
                "name": name,
                "durable": True,
                "exclusive": False,
                "autoDelete": False,
                "vhost": "/",
            },
            "bindingVersion": AMQP,
        }
    }


def _queue_channels(
    spec: QueueSpec, retry: RetryPolicy, messages: Sequence[str], what: str
) -> dict[str, Any]:
    """The queue, its retry queues and its dead letters, as `RabbitMQBus.declare_queue` makes
    them."""
    refs = {name: {"$ref": f"#/components/messages/{name}"} for name in messages}
    patterns = list(dict.fromkeys([spec.name, *spec.bindings]))
    delays = retry.delays()
    retries = ", ".join(f"`{retry_queue_name(spec.name, d)}`" for d in delays)
    budget = (
        f"a failure for a temporary cause (a registry, the gateway or the database away) is "
        f"retried for {retry.outage_budget:g} s of bus time, any other "
        f"{retry.max_attempts} times in all"
    )
    channels: dict[str, Any] = {
        spec.name: {
            "address": spec.name,
            "title": spec.name,
            "description": f"{what}. Durable; bound to `{EXCHANGE}` with "
            + ", ".join(f"`{p}`" for p in patterns)
            + f"; prefetch {spec.prefetch}. Arguments: "
            f"`x-dead-letter-exchange={DEAD_LETTER_EXCHANGE}`, "
            f"`x-dead-letter-routing-key={spec.name}`. A failed message waits in a retry queue "
            f"({retries}) and comes back with `x-egov-attempt` counted up: {budget}; then, or "
            f"at once when it can never succeed, it is parked in `{dlq_name(spec.name)}`.",
            "messages": refs,
            "bindings": _queue_binding(spec.name),
            "x-egov-bindings": [{"exchange": EXCHANGE, "routingKey": p} for p in patterns],
            "x-egov-arguments": {
                "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
                "x-dead-letter-routing-key": spec.name,
            },
            "x-egov-prefetch": spec.prefetch,
        },
        dlq_name(spec.name): {
            "address": dlq_name(spec.name),
            "title": dlq_name(spec.name),
            "description": f"Dead letters of `{spec.name}`: bound to `{DEAD_LETTER_EXCHANGE}` "
            f"(direct) with `{spec.name}`. A parked message keeps its body and properties and "
            "gains `x-egov-dead-reason` (`rejected`, `max-attempts`, `outage-budget`), "
            "`x-egov-attempts`, `x-egov-error`, `x-egov-queue` and `x-egov-dead-failing-since`; "
            "the service's `POST /admin/bus/dead-letters/redrive` puts it back.",
            "messages": refs,
            "bindings": _queue_binding(dlq_name(spec.name)),
            "x-egov-bindings": [{"exchange": DEAD_LETTER_EXCHANGE, "routingKey": spec.name}],
        },
    }
    for delay in delays:
        name = retry_queue_name(spec.name, delay)
        channels[name] = {
            "address": name,
            "title": name,
            "description": f"Retries of `{spec.name}` that wait {delay:g} s (less by the jitter "
            "of a temporary failure); dead-lettered through the default exchange back to "
            f"`{spec.name}` when their TTL runs out.",
            "messages": refs,
            "bindings": _queue_binding(name),
            "x-egov-arguments": {
                "x-message-ttl": round(delay * 1000),
                "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": spec.name,
            },
        }
    parameters = {
        name: {"description": PARAMETERS[name]} for name in re.findall(r"{(\w+)}", spec.name)
    }
    if parameters:
        for channel in channels.values():
            channel["parameters"] = parameters
    return channels


def _message(name: str, message_type: str, summary: str) -> Any:
    return {
        "name": name,
        "title": name,
        "summary": summary,
        "contentType": "application/json",
        "payload": {"$ref": f"#/components/schemas/{name}"},
        "bindings": {"amqp": {"messageType": message_type, "bindingVersion": AMQP}},
    }


def _schemas(models: dict[str, type[BaseModel]]) -> dict[str, Any]:
    """Each model's JSON Schema, with the models it nests hoisted beside it."""
    schemas: dict[str, Any] = {}
    for name, model in models.items():
        schema = model.model_json_schema(by_alias=True, ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[name] = schema
    return schemas


def _summary(model: type[BaseModel]) -> str:
    return " ".join((model.__doc__ or model.__name__).split())


def document() -> dict[str, Any]:
    events: dict[str, type[Event]] = {}
    for published in PUBLISHED.values():
        for model in published:
            events[model.__name__] = model
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for name, model in events.items():
        messages[name] = _message(name, model.routing_key, _summary(model))
        channels[model.routing_key] = _routing_channel(
            model.routing_key, model.routing_parameter, [name]
        )

    for service, published in PUBLISHED.items():
        for model in published:
            name = model.__name__
            operations[f"{service}.publish.{name}"] = {
                "action": "send",
                "channel": {"$ref": f"#/channels/{_escape(model.routing_key)}"},
                "summary": f"{service} publishes {name} from its transactional outbox, with "
                "publisher confirms; the message id is the event's `eventId`.",
                "messages": [{"$ref": f"#/channels/{_escape(model.routing_key)}/messages/{name}"}],
                "bindings": {
                    "amqp": {"deliveryMode": 2, "mandatory": True, "bindingVersion": AMQP}
                },
            }

    for service, (consumed, settings_class) in CONSUMERS.items():
        retry = retry_policy(settings_class())
        for spec, model in consumed:
            name = model.__name__
            channels.update(
                _queue_channels(spec, retry, [name], f"{service} consumes {name} from here")
            )
            operations[f"{service}.consume.{spec.name}"] = {
                "action": "receive",
                "channel": {"$ref": f"#/channels/{_escape(spec.name)}"},
                "summary": f"{service} takes {name}; a repeated `eventId` changes nothing.",
                "messages": [{"$ref": f"#/channels/{_escape(spec.name)}/messages/{name}"}],
                "bindings": {"amqp": {"ack": True, "bindingVersion": AMQP}},
            }

    # The bus clock: the gateway announces, every service follows.
    messages["ClockChanged"] = _message("ClockChanged", CLOCK_TYPE, _summary(ClockChanged))
    channels[CLOCK_KEY] = _routing_channel(CLOCK_KEY, None, ["ClockChanged"])
    operations["gateway.publish.ClockChanged"] = {
        "action": "send",
        "channel": {"$ref": f"#/channels/{_escape(CLOCK_KEY)}"},
        "summary": "The gateway announces the clock when a tester moves it and when it starts.",
        "messages": [{"$ref": f"#/channels/{_escape(CLOCK_KEY)}/messages/ClockChanged"}],
    }
    example = clock_queue("{service}")
    channels.update(
        _queue_channels(
            example,
            example.retry,
            ["ClockChanged"],
            "Each service follows the bus clock from its own queue `clock.<service>` "
            f"({', '.join(s.name for s in SERVICES)})",
        )
    )
    operations["service.consume.clock"] = {
        "action": "receive",
        "channel": {"$ref": f"#/channels/{_escape(example.name)}"},
        "summary": "A service takes a clock only of a later version than its own.",
        "messages": [{"$ref": f"#/channels/{_escape(example.name)}/messages/ClockChanged"}],
        "bindings": {"amqp": {"ack": True, "bindingVersion": AMQP}},
    }

    # The gateway's async channel: a mailbox per recipient and service id.
    gateway = GatewaySettings()
    box = QueueSpec(mailbox("{recipient}", "{serviceId}"))
    async_retry = AsyncSettings(
        max_attempts=gateway.async_max_attempts,
        backoff=gateway.async_backoff,
        relay_interval=gateway.async_relay_interval,
        outage_budget=gateway.bus_retry_budget,
    ).retry
    messages["AsyncMessage"] = _message(
        "AsyncMessage",
        "REQUEST | RESPONSE | NOTIFICATION | UPDATE",
        "A message of the ШЭП async channel, as accepted by `POST /bip-async/sendMessage`.",
    )
    channels.update(
        _queue_channels(
            box,
            async_retry,
            ["AsyncMessage"],
            "A mailbox of the gateway's async channel: `shep.async.<recipient>.<serviceId>`, "
            "published to by its own name; the gateway pushes from it (push delivery) or hands "
            "it out through `getMessages`",
        )
    )
    operations["gateway.deliver.async"] = {
        "action": "receive",
        "channel": {"$ref": f"#/channels/{_escape(box.name)}"},
        "summary": "The gateway delivers what its mailboxes hold.",
        "messages": [{"$ref": f"#/channels/{_escape(box.name)}/messages/AsyncMessage"}],
        "bindings": {"amqp": {"ack": True, "bindingVersion": AMQP}},
    }

    models: dict[str, type[BaseModel]] = {
        **events,
        "ClockChanged": ClockChanged,
        "AsyncMessage": AsyncMessage,
    }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "egov-bus: events and queues on RabbitMQ",
            "version": "1.0.0",
            "description": "The domain events that the state services exchange over the bus, "
            "the bus clock, and the gateway's async-channel mailboxes, with the RabbitMQ "
            f"topology the code declares: the topic exchange `{EXCHANGE}`, durable queues "
            f"bound to it, a retry queue per backoff delay and a dead-letter queue per queue "
            f"(through the direct exchange `{DEAD_LETTER_EXCHANGE}`). Generated by "
            "`egov contracts`.",
        },
        "defaultContentType": "application/json",
        "servers": {
            "rabbitmq": {
                "host": "127.0.0.1:5672",
                "protocol": "amqp",
                "protocolVersion": "0.9.1",
                "description": "The broker at `AMQP_URL` (docker-compose: `rabbitmq:5672`).",
            }
        },
        "channels": {_escape_key(k): v for k, v in channels.items()},
        "operations": {_escape_key(k): v for k, v in operations.items()},
        "components": {"messages": messages, "schemas": _schemas(models)},
    }


def _escape_key(key: str) -> str:
    # Channel and operation ids are map keys that `$ref` reaches by JSON Pointer: plain ids
    # without the braces of an address's parameters.
    return key.replace("{", "").replace("}", "")


def _escape(key: str) -> str:
    return _escape_key(key).replace("~", "~0").replace("/", "~1")
