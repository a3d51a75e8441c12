"""What ИИС ЦОН 2.0 takes from the bus, and the queues it declares for that.

- `frontoffice.documents_ready` ← `registration.documents_ready`: documents ready for pick-up.
- `frontoffice.sms` ← `sms.send`: texts for the SMS centre.
- `frontoffice.provider.machinery` ← `frontoffice.machinery.sent.*`: machinery applications
  arriving at the provider's desk (M9), checked for alteration (M3).

All are durable queues with the bus's retries and dead letters. A message that can never be
stored (not the event's shape, an unknown ЦОН) goes to the dead letters at once; one that fails
because НУЦ, the gateway or the database is away is retried for the whole outage budget
(`servicekit.events.consumer_hooks`): the application arrives once they are back. A repeated
one is dropped by the tables' unique keys.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI

from frontoffice_service.pickup import service as pickups
from frontoffice_service.provider import arrival
from frontoffice_service.sms import service as sms_centre
from servicekit.bus import Delivery, Handler, QueueSpec, Reject
from servicekit.events import (
    DOCUMENTS_READY,
    MACHINERY_SENT,
    SMS_SEND,
    DocumentsReady,
    Event,
    MachineryApplicationSent,
    SmsRequested,
    consumer_hooks,
    parse_event,
)
from servicekit.service_centres import service_centre

DOCUMENTS_READY_QUEUE = QueueSpec("frontoffice.documents_ready", bindings=(DOCUMENTS_READY,))
SMS_QUEUE = QueueSpec("frontoffice.sms", bindings=(SMS_SEND,))
PROVIDER_QUEUE = QueueSpec("frontoffice.provider.machinery", bindings=(f"{MACHINERY_SENT}.*",))

CONSUMED: tuple[tuple[QueueSpec, type[Event]], ...] = (
    (DOCUMENTS_READY_QUEUE, DocumentsReady),
    (SMS_QUEUE, SmsRequested),
    (PROVIDER_QUEUE, MachineryApplicationSent),
)
"""Each queue with the event it takes, for the AsyncAPI document (`egov contracts`)."""


def _on_documents_ready(app: FastAPI) -> Handler:
    async def handle(delivery: Delivery) -> None:
        event = parse_event(DocumentsReady, delivery)
        if service_centre(event.centre_id) is None:
            raise Reject(f"no ЦОН {event.centre_id!r} for application {event.application_number}")
        async with app.state.db.transaction() as session:
            await pickups.receive(session, event, app.state.clock.now())

    return handle


def _on_sms(app: FastAPI) -> Handler:
    async def handle(delivery: Delivery) -> None:
        event = parse_event(SmsRequested, delivery)
        async with app.state.db.transaction() as session:
            await sms_centre.receive(session, event, app.state.clock.now())

    return handle


def _on_machinery_sent(app: FastAPI) -> Handler:
    async def handle(delivery: Delivery) -> None:
        event = parse_event(MachineryApplicationSent, delivery)
        state = app.state
        async with state.db.transaction() as session:
            await arrival.receive(
                session,
                gateway=state.gateway,
                calendar=state.calendar,
                metrics=state.machinery_metrics,
                event=event,
                now=state.clock.now(),
            )

    return handle


def _wiring(app: FastAPI) -> Sequence[tuple[QueueSpec, Handler]]:
    return (
        (DOCUMENTS_READY_QUEUE, _on_documents_ready(app)),
        (SMS_QUEUE, _on_sms(app)),
        (PROVIDER_QUEUE, _on_machinery_sent(app)),
    )


start_consumers, stop_consumers = consumer_hooks(_wiring)
