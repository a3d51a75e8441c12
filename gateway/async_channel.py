"""The async channel: sendMessage, getMessages, getMessageStatus, sendDeliveryNotification.

Every message lands in a mailbox — a durable RabbitMQ queue per recipient and service
(`shep.async.<recipient>.<serviceId>`). A REQUEST, NOTIFICATION or UPDATE goes to the provider
of the service; a RESPONSE goes back to whoever sent the message it answers (its
`correlationId`).

Mailboxes are emptied two ways:
- push: for an async service with push delivery, the gateway consumes the provider's mailbox
  over AMQP and POSTs each message to the provider (as JSON, or as SOAP `sendMessage` to its
  IAsyncChannelClient when the registry says it speaks SOAP: `gateway.soap.push`); a failed
  attempt is retried with backoff (NOT_DELIVERED). A provider that is away (no answer, a
  timeout, a 5xx, 429) is waited for as long as the outage budget (`bus_retry_budget`) lasts;
  a provider that answers with another 4xx gets `async_max_attempts` tries. Then the message
  is DELIVERY_STOPPED in the mailbox's dead-letter queue, until an operator redrives it
  (`redrive`: it is delivered anew);
- pull: the recipient polls `getMessages` and confirms each message with
  `sendDeliveryNotification`; an unconfirmed message comes back to the mailbox after the
  backoff, and is stopped the same way after the last attempt.

The message store (`async_store`) is written before anything is published, so a broker or
gateway restart loses nothing: unpublished messages are published again by the relay, and
the broker itself keeps what it confirmed.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import orjson
import structlog

from gateway.async_store import FINAL_STATES, MessageRepository, StoredMessage
from gateway.exchange import Exchange, notify
from gateway.faults import Fault, InjectedFault
from gateway.registry import ASYNC_MODES, Registry, Route, ServiceEntry
from gateway.soap import push as soap_push
from gateway.soap.payloads import default_catalogue
from gateway.soap.xml import SOAP_MEDIA_TYPE
from gateway.sync_channel import SyncChannel, check_scenario, gateway_fault
from servicekit.bus import (
    BusError,
    Delivery,
    Message,
    MessageBus,
    QueueSpec,
    Reject,
    RetryPolicy,
    Subscription,
    Unavailable,
)
from servicekit.bus.base import REDRIVEN_HEADER
from servicekit.clock import instant
from servicekit.db import Database
from servicekit.envelope import (
    ORIGINAL_ID_LENGTH,
    SUCCESS,
    AsyncMessage,
    AsyncMessageInfo,
    DeliveryNotification,
    DeliveryState,
    GetMessagesRequest,
    GetMessagesResponse,
    GetMessageStatusRequest,
    GetMessageStatusResponse,
    MessageStatus,
    MessageType,
    ResponseInfo,
    Sender,
    SendMessageResponse,
    Status,
)
from servicekit.errors import Problem
from servicekit.messages import texts_for

log = structlog.get_logger(__name__)


def mailbox(recipient: str, service_id: str) -> str:
    return f"shep.async.{recipient}.{service_id}"


STATUS_NOTIFICATION = "changeMassageStatusNotification"
"""The type of a mailbox message that tells a provider pushed over SOAP the new state of a
message it sent (the operation of its IAsyncChannelClient, spelt as on the real bus)."""


class DeliveryFailed(Exception):
    """One push attempt failed; the bus retries it (or dead-letters it after the last)."""


class ProviderAway(Unavailable):
    """One push attempt found the provider away; the bus retries it for the outage budget."""


def _provider_away(status: int) -> bool:
    """No answer, a timeout, a 5xx, too many requests: the same message may go through later."""
    return status == 0 or status >= 500 or status in (408, 429)


@dataclass(frozen=True)
class AsyncSettings:
    max_attempts: int
    backoff: tuple[float, ...]
    relay_interval: float
    outage_budget: float

    @property
    def retry(self) -> RetryPolicy:
        # Unjittered: the backoff is also the time a puller has to confirm a message.
        return RetryPolicy(
            max_attempts=self.max_attempts,
            backoff=self.backoff,
            outage_budget=self.outage_budget,
        )


def _reopened(stored: StoredMessage, delivery: Delivery) -> bool:
    """Whether a settled message is to be delivered again: one stopped, then redriven."""
    return (
        stored.state == DeliveryState.DELIVERY_STOPPED.value
        and REDRIVEN_HEADER in delivery.message.headers
    )


class AsyncChannel:
    def __init__(
        self, sync: SyncChannel, database: Database, bus: MessageBus, settings: AsyncSettings
    ) -> None:
        # The sync channel owns what both channels share: registry, clock, HTTP client,
        # fault rules and observers.
        self.sync = sync
        self.db = database
        self.bus = bus
        self.settings = settings
        self._declared: set[str] = set()
        self._publishing: set[str] = set()
        self._dispatchers: dict[str, Subscription] = {}
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def registry(self) -> Registry:
        return self.sync.registry

    # --- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        await self.reconcile()
        self._tasks.append(asyncio.create_task(self._housekeeping(), name="async-housekeeping"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for subscription in self._dispatchers.values():
            await subscription.cancel()
        self._dispatchers.clear()

    async def reconcile(self) -> None:
        """Consume the mailbox of every async service with push delivery, and only those."""
        wanted = {
            mailbox(s.provider, s.service_id): s
            for s in self.registry.services.values()
            if s.mode in ASYNC_MODES and s.delivery == "push"
        }
        for name in set(self._dispatchers) - set(wanted):
            await self._dispatchers.pop(name).cancel()
        for name in set(wanted) - set(self._dispatchers):
            await self._ensure_mailbox(name)
            self._dispatchers[name] = await self.bus.consume(name, self._deliver)

    async def _ensure_mailbox(self, name: str) -> None:
        if name not in self._declared:
            await self.bus.declare_queue(QueueSpec(name, retry=self.settings.retry))
            self._declared.add(name)

    # --- sendMessage --------------------------------------------------------------------------

    def _fault(self, code: str, status: int, session_id: uuid.UUID | None, **kw: Any) -> Problem:
        return gateway_fault(code, status, now=self.sync.clock.now(), session_id=session_id, **kw)

    def _authenticate(self, sender: Sender, session_id: uuid.UUID | None, field: str) -> str:
        if not self.registry.authenticate(sender.sender_id, sender.password):
            raise self._fault(
                "AUTHENTICATION_FAILED", 401, session_id, field=field, sender_id=sender.sender_id
            )
        return sender.sender_id

    def _async_service(
        self, service_id: str, session_id: uuid.UUID | None, field: str
    ) -> ServiceEntry:
        service = self.registry.services.get(service_id)
        if service is None:
            raise self._fault(
                "SERVICE_NOT_FOUND", 404, session_id, field=field, service_id=service_id
            )
        if service.mode not in ASYNC_MODES:
            raise self._fault("WRONG_CHANNEL", 400, session_id, field=field, service_id=service_id)
        return service

    async def send(
        self,
        message: AsyncMessage,
        *,
        run_id: str | None,
        scenario: str | None,
        original_ids: Mapping[str, str] | None = None,
    ) -> SendMessageResponse:
        """`original_ids`: the caller's own ids that are no GUID (a SOAP caller's), by the UUIDs
        that stand for them in `message`; its recipient is given them back."""
        info = message.message_info
        session_id = uuid.uuid4()
        original_id = (original_ids or {}).get(str(info.message_id))
        if original_id is not None and len(original_id) > ORIGINAL_ID_LENGTH:
            raise self._too_long("messageInfo.messageId", session_id)
        sender = self._authenticate(info.sender, session_id, "messageInfo.sender")
        self._async_service(info.service_id, session_id, "messageInfo.serviceId")
        check_scenario(self.registry, scenario, now=self.sync.clock.now(), session_id=session_id)
        recipient = await self._recipient(message, sender, session_id)
        fault = self.sync.faults.pick(
            service_id=info.service_id, operation="sendMessage", sender_id=sender, run_id=run_id
        )
        if fault is not None:
            await self._inject_on_send(fault, session_id, info.service_id)
        now = self.sync.clock.now()
        original_correlation_id = await self._original_correlation_id(info, original_ids or {})
        # The password was for the gateway: neither the store nor the recipient gets it.
        unsigned = info.sender.model_copy(update={"password": None})
        stamped = message.model_copy(
            update={
                "message_info": info.model_copy(
                    update={
                        "session_id": session_id,
                        "sender": unsigned,
                        "original_message_id": original_id,
                        "original_correlation_id": original_correlation_id,
                    }
                )
            }
        )
        stored = StoredMessage(
            message_id=str(info.message_id),
            original_message_id=original_id,
            correlation_id=str(info.correlation_id) if info.correlation_id else None,
            session_id=str(session_id),
            service_id=info.service_id,
            message_type=info.message_type.value,
            sender_id=sender,
            recipient=recipient,
            mailbox=mailbox(recipient, info.service_id),
            state=DeliveryState.ON_DELIVERY.value,
            attempts=0,
            published=False,
            created_at=now,
            updated_at=now,
            run_id=run_id,
            scenario=scenario,
            envelope=stamped.model_dump_json(by_alias=True, exclude_none=True),
        )
        async with self.db.sessionmaker.begin() as session:
            repository = MessageRepository(session)
            if await repository.get(stored.message_id) is not None:
                raise self._fault(
                    "DUPLICATE_MESSAGE",
                    409,
                    session_id,
                    field="messageInfo.messageId",
                    message_id=stored.message_id,
                )
            repository.add(stored)
        await self._publish(stored)
        return SendMessageResponse(
            response_info=ResponseInfo(
                message_id=info.message_id,
                correlation_id=info.correlation_id,
                response_date=self.sync.clock.now(),
                status=Status(code=SUCCESS, message="accepted for delivery"),
                session_id=session_id,
            ),
            delivery_state=DeliveryState.ON_DELIVERY,
        )

    def _too_long(self, field: str, session_id: uuid.UUID) -> Problem:
        texts = texts_for("TOO_LONG").render({"field": field, "max_length": ORIGINAL_ID_LENGTH})
        return self._fault(
            "INVALID_ENVELOPE",
            400,
            session_id,
            field=field,
            errors=[{"code": "TOO_LONG", "field": field, "messages": texts}],
        )

    async def _original_correlation_id(
        self, info: AsyncMessageInfo, original_ids: Mapping[str, str]
    ) -> str | None:
        """How the sender of the message `info` answers wrote its messageId, when no GUID: as
        the store keeps it, else as the caller wrote the correlationId."""
        if info.correlation_id is None:
            return None
        async with self.db.sessionmaker() as session:
            answered = await MessageRepository(session).get(str(info.correlation_id))
        if answered is not None:
            return answered.original_message_id
        given = original_ids.get(str(info.correlation_id))
        return given if given is not None and len(given) <= ORIGINAL_ID_LENGTH else None

    async def _recipient(self, message: AsyncMessage, sender: str, session_id: uuid.UUID) -> str:
        info = message.message_info
        if info.message_type is not MessageType.RESPONSE:
            if not self.registry.may_call(sender, info.service_id):
                raise self._fault(
                    "ACCESS_DENIED",
                    403,
                    session_id,
                    field="messageInfo.serviceId",
                    sender_id=sender,
                    service_id=info.service_id,
                )
            route = self.registry.route(info.service_id, info.route_id)
            if route is None:
                raise self._fault(
                    "ROUTE_NOT_FOUND" if info.route_id else "PROVIDER_UNAVAILABLE",
                    404 if info.route_id else 503,
                    session_id,
                    field="messageInfo.routeId" if info.route_id else None,
                    service_id=info.service_id,
                    route_id=info.route_id,
                )
            return route.provider
        # A RESPONSE goes back to the sender of the message it answers, and only its
        # recipient may answer it.
        if info.correlation_id is None:
            raise self._fault("FIELD_REQUIRED", 400, session_id, field="messageInfo.correlationId")
        async with self.db.sessionmaker() as session:
            original = await MessageRepository(session).get(str(info.correlation_id))
        if original is None or original.service_id != info.service_id:
            raise self._fault(
                "CORRELATION_NOT_FOUND",
                404,
                session_id,
                field="messageInfo.correlationId",
                correlation_id=str(info.correlation_id),
            )
        if original.recipient != sender:
            raise self._fault(
                "ACCESS_DENIED",
                403,
                session_id,
                field="messageInfo.correlationId",
                sender_id=sender,
                service_id=info.service_id,
            )
        return original.sender_id

    async def _inject_on_send(self, fault: Fault, session_id: uuid.UUID, service_id: str) -> None:
        kind = fault.kind
        if kind == "latency":
            await asyncio.sleep(fault.latency_ms / 1000)
            return
        if kind == "timeout":
            service = self.registry.services[service_id]
            await asyncio.sleep(service.timeout_ms / 1000)
            raise self._fault(
                "PROVIDER_TIMEOUT",
                504,
                session_id,
                service_id=service_id,
                timeout_ms=service.timeout_ms,
            )
        # A dropped connection cannot be shown on this (FastAPI) route; it answers as one.
        raise self._fault(
            fault.error_code if kind == "error" else "CONNECTION_DROPPED",
            fault.status if kind == "error" else 502,
            session_id,
            problem_type=InjectedFault,
            message=fault.message or None,
            error_data={"faultRule": fault.rule_id},
            service_id=service_id,
            rule_id=fault.rule_id,
            reason=fault.message or fault.error_code,
        )

    async def _publish(self, stored: StoredMessage, *, relayed: bool = False) -> bool:
        """Put a stored message in its mailbox, once: whether this call published it. On
        failure the relay tries again later.

        `send` and the relay may reach one message at once. Whoever claims it first (the
        claim is taken before any await) publishes it; the relay then asks the store again,
        after its claim, since `send` may have published it while the relay's list was read."""
        if stored.message_id in self._publishing:
            return False
        self._publishing.add(stored.message_id)
        try:
            if relayed and await self._is_published(stored):
                return False
            await self._ensure_mailbox(stored.mailbox)
            await self.bus.publish(
                stored.mailbox,
                Message(
                    body=stored.envelope.encode(),
                    message_id=stored.message_id,
                    correlation_id=stored.correlation_id,
                    type=stored.message_type,
                ),
            )
            async with self.db.sessionmaker.begin() as session:
                await MessageRepository(session).mark_published(stored.message_id)
        except BusError as exc:
            log.warning("message kept for the relay", message_id=stored.message_id, error=str(exc))
            return False
        finally:
            self._publishing.discard(stored.message_id)
        return True

    # --- push delivery ------------------------------------------------------------------------

    async def _deliver(self, delivery: Delivery) -> None:
        if delivery.message.type == STATUS_NOTIFICATION:
            await self._deliver_status(delivery)
            return
        message_id = delivery.message.message_id
        async with self.db.sessionmaker() as session:
            stored = await MessageRepository(session).get(message_id)
        if stored is None:
            raise Reject(f"message {message_id} is not in the store")
        if stored.state in FINAL_STATES and not _reopened(stored, delivery):
            return  # a duplicate of something already settled
        started, started_at = time.perf_counter(), self.sync.clock.now()
        status, answer, error = await self._push(stored)
        ok = 200 <= status < 300
        away = _provider_away(status)
        final = delivery.gives_up("unavailable" if away else "error")
        state = (
            DeliveryState.DELIVERED
            if ok
            else DeliveryState.DELIVERY_STOPPED
            if final
            else DeliveryState.NOT_DELIVERED
        )
        await self._settle(stored.message_id, state, delivery.attempt, error, reopen=True)
        self._observe(
            "deliver",
            stored,
            started,
            started_at,
            status,
            SUCCESS if ok else "NOT_DELIVERED",
            stored.envelope.encode(),
            answer,
        )
        if not ok:
            raise (ProviderAway if away else DeliveryFailed)(error or f"HTTP {status}")

    async def _push(self, stored: StoredMessage) -> tuple[int, bytes, str | None]:
        """POST a message to its provider: (status, answer, error); status 0 if no answer."""
        route = self.registry.route(stored.service_id, None)
        if route is None:
            return 0, b"", "the service has no provider address"
        fault = self.sync.faults.pick(
            service_id=stored.service_id,
            operation="deliver",
            sender_id=stored.sender_id,
            run_id=stored.run_id,
        )
        if fault is not None:
            if fault.kind == "latency":
                await asyncio.sleep(fault.latency_ms / 1000)
            else:
                return (
                    fault.status if fault.kind == "error" else 0,
                    b"",
                    f"fault rule {fault.rule_id}",
                )
        body, headers = stored.envelope.encode(), {"content-type": "application/json"}
        if route.async_protocol == "soap":
            body = soap_push.request(stored.envelope, default_catalogue())
            headers = {"content-type": SOAP_MEDIA_TYPE, "soapaction": '""'}
        if stored.run_id:
            headers["x-test-run-id"] = stored.run_id
        if stored.scenario:
            headers["x-test-scenario"] = stored.scenario
        return await self._post(route, body, headers)

    async def _post(
        self, route: Route, body: bytes, headers: dict[str, str]
    ) -> tuple[int, bytes, str | None]:
        try:
            async with self.sync.http.post(
                route.async_url,
                data=body,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=route.timeout_ms / 1000),
            ) as reply:
                answer, status = await reply.read(), reply.status
                if route.async_protocol == "soap":
                    status = soap_push.status(status, answer)
                error = None if status < 300 else answer[:500].decode("utf-8", "replace")
                return status, answer, error
        except TimeoutError:
            return 0, b"", f"no answer within {route.timeout_ms} ms"
        except (aiohttp.ClientError, OSError) as exc:
            return 0, b"", f"provider unreachable: {type(exc).__name__}"

    # --- status notifications to a provider that speaks SOAP ----------------------------------

    async def _tell_sender(self, message_id: str, state: DeliveryState, error: str | None) -> None:
        """Queue IAsyncChannelClient's changeMassageStatusNotification (sic) for the sender of a
        message whose state changed, when the sender is the provider of its service and that
        provider is pushed over SOAP (a JSON provider has no such operation). It goes through
        the provider's mailbox, with the retries of every push."""
        async with self.db.sessionmaker() as session:
            stored = await MessageRepository(session).get(message_id)
        service = None if stored is None else self.registry.services.get(stored.service_id)
        if (
            stored is None
            or service is None
            or service.async_protocol != "soap"
            or service.delivery != "push"
            or service.provider != stored.sender_id
        ):
            return
        notice = {
            "messageId": stored.message_id,
            # The provider is told about its message by the id it gave it.
            "originalMessageId": stored.original_message_id,
            "serviceId": stored.service_id,
            "messageState": state.value,
            "status": {
                # As getMessageStatus over SOAP gives it.
                "statusCode": SUCCESS if state is DeliveryState.DELIVERED else state.value,
                "statusMessage": error,
                "statusDate": instant(self.sync.clock.now()),
            },
        }
        name = mailbox(service.provider, service.service_id)
        try:
            await self._ensure_mailbox(name)
            await self.bus.publish(
                name,
                Message(
                    body=orjson.dumps(notice),
                    message_id=f"{stored.message_id}:{state.value}",
                    correlation_id=stored.message_id,
                    type=STATUS_NOTIFICATION,
                ),
            )
        except BusError as exc:
            log.warning("status notification not queued", message_id=message_id, error=str(exc))

    async def _deliver_status(self, delivery: Delivery) -> None:
        notice = orjson.loads(delivery.message.body)
        started, started_at = time.perf_counter(), self.sync.clock.now()
        route = self.registry.route(notice["serviceId"], None)
        error: str | None = "the service has no provider address"
        status, answer = 0, b""
        if route is not None:
            body = soap_push.status_notification(notice)
            status, answer, error = await self._post(
                route, body, {"content-type": SOAP_MEDIA_TYPE, "soapaction": '""'}
            )
        async with self.db.sessionmaker() as session:
            stored = await MessageRepository(session).get(notice["messageId"])
        ok = 200 <= status < 300
        if stored is not None:
            code = SUCCESS if ok else "NOT_DELIVERED"
            request = orjson.dumps(notice)
            self._observe(
                STATUS_NOTIFICATION, stored, started, started_at, status, code, request, answer
            )
        if not ok:
            raise (ProviderAway if _provider_away(status) else DeliveryFailed)(
                error or f"HTTP {status}"
            )

    async def _settle(
        self,
        message_id: str,
        state: DeliveryState,
        attempts: int,
        error: str | None,
        *,
        reopen: bool = False,
    ) -> None:
        """Record an attempt's outcome; a final state stays unless `reopen` (a redriven message
        leaves DELIVERY_STOPPED)."""
        now = self.sync.clock.now()
        async with self.db.sessionmaker.begin() as session:
            stored = await MessageRepository(session).get(message_id)
            if stored is None or stored.state == DeliveryState.DELIVERED.value:
                return
            if stored.state in FINAL_STATES and not reopen:
                return
            stored.state, stored.attempts, stored.updated_at = state.value, attempts, now
            stored.last_error = error[:500] if error else None
            if state is DeliveryState.DELIVERED:
                stored.delivered_at = now

    # --- pull: getMessages and sendDeliveryNotification ---------------------------------------

    async def get_messages(self, request: GetMessagesRequest) -> GetMessagesResponse:
        recipient = self._authenticate(request.sender, None, "sender")
        self._async_service(request.service_id, None, "serviceId")
        name = mailbox(recipient, request.service_id)
        await self._ensure_mailbox(name)
        handed: list[AsyncMessage] = []
        while len(handed) < request.amount:
            deliveries = await self.bus.get(name, request.amount - len(handed))
            if not deliveries:
                break
            for delivery in deliveries:
                message = await self._hand_out(delivery)
                if message is not None:
                    handed.append(message)
        return GetMessagesResponse(messages=handed)

    async def _hand_out(self, delivery: Delivery) -> AsyncMessage | None:
        async with self.db.sessionmaker.begin() as session:
            stored = await MessageRepository(session).get(delivery.message.message_id)
            if stored is None or (stored.state in FINAL_STATES and not _reopened(stored, delivery)):
                await delivery.ack()
                return None
            if stored.state == DeliveryState.DELIVERY_STOPPED.value:
                stored.state, stored.last_error = DeliveryState.ON_DELIVERY.value, None
            stored.attempts = delivery.attempt
            stored.updated_at = self.sync.clock.now()
        # Not acked: the bus brings it back after the backoff unless the recipient confirms
        # it (then it is skipped as settled) — and dead-letters it after the last attempt.
        await delivery.nack(requeue=False, error="no delivery notification from the recipient")
        return AsyncMessage.model_validate_json(stored.envelope)

    async def notify(self, notification: DeliveryNotification) -> MessageStatus:
        recipient = self._authenticate(notification.sender, None, "sender")
        async with self.db.sessionmaker() as session:
            stored = await MessageRepository(session).get(str(notification.message_id))
        if stored is None or stored.recipient != recipient:
            raise Problem("MESSAGE_NOT_FOUND", status=404, field="messageId")
        if stored.state not in FINAL_STATES:
            state = DeliveryState(notification.state)
            await self._settle(stored.message_id, state, stored.attempts, notification.error)
            await self._tell_sender(stored.message_id, state, notification.error)
        return (await self.statuses([stored.message_id], recipient))[0]

    # --- getMessageStatus ---------------------------------------------------------------------

    async def status(self, request: GetMessageStatusRequest) -> GetMessageStatusResponse:
        caller = self._authenticate(request.sender, None, "sender")
        return GetMessageStatusResponse(
            statuses=await self.statuses([str(m) for m in request.message_ids], caller)
        )

    async def statuses(self, message_ids: Sequence[str], caller: str) -> list[MessageStatus]:
        """States of the messages `caller` sent or received; others are not shown."""
        async with self.db.sessionmaker() as session:
            found = await MessageRepository(session).many(message_ids)
        return [
            MessageStatus(
                message_id=uuid.UUID(m.message_id),
                service_id=m.service_id,
                message_type=MessageType(m.message_type),
                state=DeliveryState(m.state),
                attempts=m.attempts,
                updated_at=m.updated_at,
                last_error=m.last_error,
            )
            for m in found
            if caller in (m.sender_id, m.recipient)
        ]

    # --- housekeeping -------------------------------------------------------------------------

    async def _housekeeping(self) -> None:
        while True:
            await asyncio.sleep(self.settings.relay_interval)
            try:
                await self.relay()
                await self.stop_stalled()
            except Exception:  # the database or broker is away; the next round tries again
                log.exception("async channel housekeeping failed")

    async def relay(self) -> int:
        """Publish what was stored but never confirmed by the broker; how many."""
        async with self.db.sessionmaker() as session:
            pending = await MessageRepository(session).unpublished(limit=500)
        count = 0
        for stored in pending:
            count += await self._publish(stored, relayed=True)
        return count

    async def _is_published(self, stored: StoredMessage) -> bool:
        async with self.db.sessionmaker() as session:
            fresh = await MessageRepository(session).get(stored.message_id)
        return fresh is None or fresh.published

    async def stop_stalled(self) -> int:
        """Pull messages handed out for the last time and never confirmed: DELIVERY_STOPPED.
        Pushed ones are not judged here: a provider that is away is waited for (the outage
        budget), however many attempts that takes."""
        patience = timedelta(seconds=max(self.settings.backoff, default=1.0) * 2)
        async with self.db.sessionmaker.begin() as session:
            stalled = await MessageRepository(session).stalled(
                self.settings.max_attempts, self.sync.clock.now() - patience, set(self._dispatchers)
            )
            stopped = []
            for stored in stalled:
                stored.state = DeliveryState.DELIVERY_STOPPED.value
                stored.last_error = stored.last_error or "no delivery notification"
                stopped.append((stored.message_id, stored.last_error))
        for message_id, error in stopped:
            await self._tell_sender(message_id, DeliveryState.DELIVERY_STOPPED, error)
        return len(stopped)

    async def redrive(self, mailbox: str | None, message_id: str | None) -> dict[str, int]:
        """Put stopped messages (of one mailbox or all, one message or all) back in their
        mailbox, to be delivered anew with a fresh budget; how many per mailbox."""
        counts: dict[str, int] = {}
        for name in sorted(self._declared) if mailbox is None else [mailbox]:
            if name in self._declared and (count := await self.bus.redrive(name, message_id)):
                counts[name] = count
        return counts

    async def dead_letters(self, limit: int) -> dict[str, list[Message]]:
        """What lies in the dead-letter queue of every mailbox this gateway knows."""
        letters: dict[str, list[Message]] = {}
        for name in sorted(self._declared):
            found = await self.bus.dead_letters(name, limit)
            if found:
                letters[name] = found
        return letters

    def _observe(
        self,
        operation: str,
        stored: StoredMessage,
        started: float,
        started_at: datetime,
        status: int,
        code: str,
        request: bytes,
        response: bytes,
    ) -> None:
        exchange = Exchange(
            channel="async",
            operation=operation,
            session_id=stored.session_id,
            message_id=stored.message_id,
            correlation_id=stored.correlation_id,
            service_id=stored.service_id,
            sender_id=stored.sender_id,
            route_id=None,
            provider=stored.recipient,
            run_id=stored.run_id,
            scenario=stored.scenario,
            started_at=started_at,
            duration_ms=(time.perf_counter() - started) * 1000,
            status=status,
            code=code,
            request=request,
            response=response,
        )
        notify(self.sync.observers, exchange)
