"""Domain events that cross from one state service to another over the message bus.

The two state services never call each other; what one needs from the other travels as one
of these messages (published from the sender's transactional outbox, consumed idempotently by
`event_id`). The models are the contract, and `contracts/` documents them.

- `registration.documents_ready` (registration_service → frontoffice_service), V19: the
  СРТС is printed and the plate issued; the chosen ЦОН may hand them out.
- `frontoffice.pickup.handed_over` (frontoffice_service → registration_service), V22: the
  owner took the СРТС and the plate.
- `sms.send` (any state service → the SMS centre in frontoffice_service), V19 and M11: a text
  to a phone.
- `frontoffice.machinery.sent.<region>` (the ЦОН's front office → the provider's desk АРМ ГО
  of that region), M9: the application the worker signed, with its digest (M3).

`contracts/asyncapi.json` is generated from these models and the queues the services declare.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from typing import ClassVar, TypeVar
from uuid import UUID, uuid4

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel
from sqlalchemy import exc as sql

from servicekit.app import StartHook
from servicekit.bus import (
    BusError,
    Delivery,
    Handler,
    QueueSpec,
    Reject,
    RetryPolicy,
    Subscription,
    Unavailable,
    exponential_backoff,
)
from servicekit.correlation import conversation
from servicekit.errors import Problem
from servicekit.gateway_client import GatewayFault, GatewayUnreachable
from servicekit.registries import RegistryUnavailable
from servicekit.settings import ServiceSettings

DOCUMENTS_READY = "registration.documents_ready"
PICKUP_HANDED_OVER = "frontoffice.pickup.handed_over"
SMS_SEND = "sms.send"
MACHINERY_SENT = "frontoffice.machinery.sent"


class Event(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")
    routing_key: ClassVar[str]
    routing_parameter: ClassVar[str | None] = None
    """When set, the event is published under `<routing_key>.<that field's value>`, so that
    each consumer binds to the part it serves (a region's desk to its region)."""

    event_id: UUID = Field(default_factory=uuid4, description="consumers drop a repeated id")
    occurred_at: datetime

    def published_key(self) -> str:
        """The routing key this event is published under."""
        if self.routing_parameter is None:
            return self.routing_key
        value = self.model_dump(by_alias=True)[self.routing_parameter]
        return f"{self.routing_key}.{value}"


class DocumentsReady(Event):
    """V19 → V20: what the ЦОН hands out, to whom, and against which application number."""

    routing_key: ClassVar[str] = DOCUMENTS_READY

    application_number: str
    application_id: UUID | None = Field(
        default=None,
        description="the application's id: the correlationId of its registry calls, so the "
        "pick-up's (V20–V21) join its conversation. Absent from events published before it "
        "was added; their pick-up's calls then go uncorrelated",
    )
    centre_id: str
    owner_iin: str
    owner_name: str
    vin: str
    plate: str
    certificate_number: str = Field(description="the СРТС number")


class PickupHandedOver(Event):
    """V22: the issuance worker handed the СРТС and the plate to the owner."""

    routing_key: ClassVar[str] = PICKUP_HANDED_OVER

    application_number: str
    centre_id: str
    owner_iin: str
    certificate_number: str
    plate: str
    worker_iin: str = Field(description="the issuance worker who handed them over")


class SmsRequested(Event):
    routing_key: ClassVar[str] = SMS_SEND

    phone: str = Field(pattern=r"^\+7\d{10}$")
    text: str = Field(min_length=1, max_length=1000)
    sender: str = Field(description="the service asking for the SMS, e.g. registration_service")
    reference: str | None = Field(default=None, description="an application number or the like")


class MachineryApplicationSent(Event):
    """M9: a machinery application on its way from the front office to the provider. The
    document travels as the exact text that was signed, so the receiver checks the digest and
    the worker's signature over the very bytes it got (M3)."""

    routing_key: ClassVar[str] = MACHINERY_SENT
    routing_parameter: ClassVar[str | None] = "region"

    application_number: str
    region: str = Field(description="the region of the office: its provider decides")
    office: str
    document: str = Field(description="the canonical JSON of the application, as signed")
    digest: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of `document`'s UTF-8")
    cms: str = Field(description="the worker's detached CMS over `document` (base64 DER)")
    worker_iin: str


E = TypeVar("E", bound=Event)
Wiring = Callable[[FastAPI], Sequence[tuple[QueueSpec, Handler]]]
"""A service's consumers: each queue it declares, with the handler of its messages."""


def parse_event(model: type[E], delivery: Delivery) -> E:
    """The event in `delivery`; one that is not the model's shape can never succeed, so it goes
    to the dead letters at once."""
    try:
        return model.model_validate_json(delivery.message.body)
    except ValidationError as exc:
        raise Reject(f"not a {model.routing_key} event: {exc}") from None


def retry_policy(settings: ServiceSettings) -> RetryPolicy:
    """How the service's queues retry a failing message (settings `bus_retry_*`): waits that
    double from the first delay up to the longest, jittered, for the whole outage budget."""
    first = settings.bus_retry_first_delay
    return RetryPolicy(
        backoff=exponential_backoff(first, max(first, settings.bus_retry_max_delay)),
        outage_budget=settings.bus_retry_budget,
        jitter=0.5,
    )


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        yield link
        link = link.__cause__ or link.__context__


def temporary(exc: BaseException) -> bool:
    """Whether a handler failed because something it needs is away for now — the gateway or a
    registry behind it (no answer, a timeout, a 5xx), the database, the broker — rather than
    because of the message: then it will go through once that is back."""
    for cause in _causes(exc):
        if isinstance(
            cause,
            Unavailable
            | GatewayUnreachable
            | RegistryUnavailable
            | BusError
            | OSError
            | TimeoutError
            | sql.OperationalError
            | sql.InterfaceError
            | sql.DisconnectionError
            | sql.TimeoutError,
        ):
            return True
        if isinstance(cause, GatewayFault) and (cause.retryable or cause.status >= 500):
            return True
        # REGISTRY_UNAVAILABLE, SIGNATURE_CHECK_UNAVAILABLE…: a service's own "try again".
        if isinstance(cause, Problem) and cause.status >= 500:
            return True
        if isinstance(cause, sql.DBAPIError) and cause.connection_invalidated:
            return True
    return False


def _classified(handler: Handler) -> Handler:
    async def handle(delivery: Delivery) -> None:
        try:
            with conversation():
                await handler(delivery)
        except (Reject, Unavailable):
            raise
        except Exception as exc:
            if temporary(exc):
                raise Unavailable(f"{type(exc).__name__}: {exc}") from exc
            raise

    return handle


def consumer_hooks(wiring: Wiring) -> tuple[StartHook, StartHook]:
    """The start and stop hooks that declare a service's queues and consume them while the
    service is up. Every queue retries by the service's `retry_policy`, and a failure whose
    cause is `temporary` is retried as `Unavailable`: for the outage budget, not a few times."""

    async def start_consumers(app: FastAPI) -> None:
        bus = app.state.bus
        policy = retry_policy(app.state.settings)
        queues = [(replace(spec, retry=policy), _classified(h)) for spec, h in wiring(app)]
        for spec, _ in queues:
            await bus.declare_queue(spec)
        app.state.subscriptions = [await bus.consume(s.name, h) for s, h in queues]

    async def stop_consumers(app: FastAPI) -> None:
        subscriptions: list[Subscription] = app.state.subscriptions
        for subscription in subscriptions:
            await subscription.cancel()

    return start_consumers, stop_consumers
