"""What ИИС ЦОН 2.0 takes from the bus, and the queues it declares for that.

- `frontoffice.documents_ready` ← `registration.documents_ready`: documents ready for pick-up.
- `frontoffice.sms` ← `sms.send`: texts for the SMS centre.

Both are durable queues with the bus's retries and dead letters. A message that can never be
stored (not the event's shape, an unknown ЦОН) goes to the dead letters at once; a repeated
one is dropped by the tables' unique keys.
"""

from __future__ import annotations

from typing import TypeVar

from fastapi import FastAPI
from pydantic import ValidationError

from frontoffice_service import pickups, sms_centre
from servicekit.bus import Delivery, Handler, QueueSpec, Reject, Subscription
from servicekit.events import DOCUMENTS_READY, SMS_SEND, DocumentsReady, Event, SmsRequested
from servicekit.service_centres import service_centre

DOCUMENTS_READY_QUEUE = QueueSpec("frontoffice.documents_ready", bindings=(DOCUMENTS_READY,))
SMS_QUEUE = QueueSpec("frontoffice.sms", bindings=(SMS_SEND,))

E = TypeVar("E", bound=Event)


def _parse(model: type[E], delivery: Delivery) -> E:
    try:
        return model.model_validate_json(delivery.message.body)
    except ValidationError as exc:
        raise Reject(f"not a {model.routing_key} event: {exc}") from None


def _on_documents_ready(app: FastAPI) -> Handler:
    async def handle(delivery: Delivery) -> None:
        event = _parse(DocumentsReady, delivery)
        if service_centre(event.centre_id) is None:
            raise Reject(f"no ЦОН {event.centre_id!r} for application {event.application_number}")
        async with app.state.db.sessionmaker.begin() as session:
            await pickups.receive(session, event, app.state.clock.now())

    return handle


def _on_sms(app: FastAPI) -> Handler:
    async def handle(delivery: Delivery) -> None:
        event = _parse(SmsRequested, delivery)
        async with app.state.db.sessionmaker.begin() as session:
            await sms_centre.receive(session, event, app.state.clock.now())

    return handle


async def start_consumers(app: FastAPI) -> None:
    bus = app.state.bus
    wiring = (
        (DOCUMENTS_READY_QUEUE, _on_documents_ready(app)),
        (SMS_QUEUE, _on_sms(app)),
    )
    for spec, _ in wiring:
        await bus.declare_queue(spec)
    subscriptions: list[Subscription] = [await bus.consume(s.name, h) for s, h in wiring]
    app.state.subscriptions = subscriptions


async def stop_consumers(app: FastAPI) -> None:
    for subscription in app.state.subscriptions:
        await subscription.cancel()
