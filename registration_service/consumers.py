"""What the portal takes from the bus, and the queues it declares for that.

- `registration.police` ← `registration.submitted.*` (V19): the police desks' inbox; with the
  auto-decision rule on, clean applications are approved as they arrive.
- `registration.printing` ← `registration.print` (V19): the printing centre makes the СРТС.
- `registration.pickups` ← `frontoffice.pickup.handed_over` (V22): the application is done.

Durable queues with the bus's retries and dead letters. Each handler is idempotent: a
redelivered message finds its work done (a case already in the inbox, an application already
printed or completed) and changes nothing. A message that is not the event's shape goes to the
dead letters at once; one that fails because БМГ, the gateway or the database is away is
retried for the whole outage budget (`servicekit.events.consumer_hooks`), so the application
goes on by itself once they are back.
"""

from __future__ import annotations

from collections.abc import Sequence

import structlog
from fastapi import FastAPI

from registration_service import police, printing
from registration_service.events import PRINT, SUBMITTED, ApplicationSubmitted, PrintOrdered
from registration_service.portal import portal_for
from registration_service.repository import PoliceCaseRepository
from registration_service.states import State
from servicekit.bus import Delivery, Handler, QueueSpec, Reject
from servicekit.errors import StepRefusal
from servicekit.events import (
    PICKUP_HANDED_OVER,
    Event,
    PickupHandedOver,
    consumer_hooks,
    parse_event,
)
from servicekit.messages import Texts
from servicekit.states import set_state

log = structlog.get_logger(__name__)

POLICE_QUEUE = QueueSpec("registration.police", bindings=(f"{SUBMITTED}.*",))
PRINTING_QUEUE = QueueSpec("registration.printing", bindings=(PRINT,))
PICKUPS_QUEUE = QueueSpec("registration.pickups", bindings=(PICKUP_HANDED_OVER,))

CONSUMED: tuple[tuple[QueueSpec, type[Event]], ...] = (
    (POLICE_QUEUE, ApplicationSubmitted),
    (PRINTING_QUEUE, PrintOrdered),
    (PICKUPS_QUEUE, PickupHandedOver),
)
"""Each queue with the event it takes, for the AsyncAPI document (`egov contracts`)."""


def _on_submitted(app: FastAPI) -> Handler:
    async def handle(delivery: Delivery) -> None:
        event = parse_event(ApplicationSubmitted, delivery)
        db = app.state.db
        async with db.transaction() as session:
            await police.receive(session, event, app.state.clock.now())
        if not app.state.settings.auto_decision:
            return
        # The case is in the inbox whatever happens next: if БМГ is away the message is
        # retried, and if the rule cannot approve, an officer decides.
        try:
            async with db.transaction() as session:
                portal = portal_for(app, session)
                case = await PoliceCaseRepository(session).get(event.application_id)
                application = await portal.applications.get(event.application_id)
                if case is None or application is None:
                    raise Reject(f"no application {event.application_id}")
                await police.auto_decide(portal, case, application)
        except StepRefusal as problem:
            if problem.status >= 500:
                raise
            log.warning(
                "auto-decision left the case to an officer",
                application=event.number,
                code=problem.code,
            )

    return handle


def _on_print(app: FastAPI) -> Handler:
    async def handle(delivery: Delivery) -> None:
        event = parse_event(PrintOrdered, delivery)
        async with app.state.db.transaction() as session:
            portal = portal_for(app, session)
            application = await portal.applications.get(event.application_id)
            if application is None:
                raise Reject(f"no application {event.application_id}")
            await printing.print_certificate(portal, application)

    return handle


def _on_handed_over(app: FastAPI) -> Handler:
    async def handle(delivery: Delivery) -> None:
        event = parse_event(PickupHandedOver, delivery)
        async with app.state.db.transaction() as session:
            portal = portal_for(app, session)
            application = await portal.applications.by_number(event.application_number)
            if application is None:
                raise Reject(f"no application {event.application_number}")
            if application.state != State.V20_READY_FOR_PICKUP:
                return
            set_state(application, State.COMPLETED)
            application.handed_over_at = event.occurred_at
            params = {"number": application.number, "plate": event.plate}
            portal.notify(application, "HANDED_OVER", "V22", _HANDED_OVER.render(params))
            await portal.save(application)

    return handle


def _wiring(app: FastAPI) -> Sequence[tuple[QueueSpec, Handler]]:
    return (
        (POLICE_QUEUE, _on_submitted(app)),
        (PRINTING_QUEUE, _on_print(app)),
        (PICKUPS_QUEUE, _on_handed_over(app)),
    )


start_consumers, stop_consumers = consumer_hooks(_wiring)


_HANDED_OVER = Texts(
    "Заявка {number} исполнена: СРТС и номер {plate} выданы",
    "{number} өтінім орындалды: КҚТК және {plate} нөмірі берілді",
    "Application {number} is done: the СРТС and plate {plate} are handed over",
)
