"""HTTP surface of the async channel (`/bip-async/…`), faults as on the sync channel."""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from gateway.admin import AdminOnly
from gateway.async_store import MessageRepository
from gateway.dependencies import AsyncChannelDep, GatewaySettings
from gateway.exchange import Exchange, notify
from gateway.sync_channel import envelope_json, gateway_fault
from servicekit.db import DbSession
from servicekit.envelope import (
    SUCCESS,
    AsyncMessage,
    DeliveryNotification,
    DeliveryState,
    GetMessagesRequest,
    GetMessagesResponse,
    GetMessageStatusRequest,
    GetMessageStatusResponse,
    MessageStatus,
    SendMessageResponse,
)
from servicekit.errors import NotFound, Problem, problem_response, validation_problem
from servicekit.gateway_client import ASYNC_PREFIX
from servicekit.logging import mask_identifiers
from servicekit.redaction import shown

_FAULTS: dict[int | str, dict[str, Any]] = {
    status: {"description": text, "content": {"application/problem+json": {}}}
    for status, text in {
        400: "INVALID_ENVELOPE (with NUMBER_OUT_OF_RANGE in `errors`), WRONG_CHANNEL",
        401: "AUTHENTICATION_FAILED",
        403: "ACCESS_DENIED",
        404: "SERVICE_NOT_FOUND, ROUTE_NOT_FOUND, CORRELATION_NOT_FOUND, MESSAGE_NOT_FOUND",
        409: "DUPLICATE_MESSAGE: this messageId was sent before",
    }.items()
}


class AsyncEnvelopeRoute(APIRoute):
    """Invalid bodies are INVALID_ENVELOPE faults with ErrorInfo; every call is observed."""

    answers_invalid_input = True  # 400 INVALID_ENVELOPE, in _FAULTS (see servicekit.openapi)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        operation = self.name

        async def handle(request: Request) -> Response:
            started, started_at = time.perf_counter(), request.app.state.clock.now()
            body = await request.body()  # cached: the handler below reads the same bytes
            try:
                if body:  # refused as the sync channel refuses it: FastAPI's parser takes NaN
                    envelope_json(body, now=started_at, session_id=None)
                response = await handler(request)
                code = SUCCESS
            except RequestValidationError as exc:
                detail = validation_problem(exc.errors(), status=400)
                problem = gateway_fault(
                    "INVALID_ENVELOPE",
                    400,
                    now=request.app.state.clock.now(),
                    session_id=None,
                    field=detail.field,
                    errors=detail.extra["errors"],
                )
                response, code = problem_response(request, problem), problem.code
            except Problem as problem:
                response, code = problem_response(request, problem), problem.code
            _observe(request, operation, body, started, started_at, response, code)
            return response

        return handle


def _observe(
    request: Request,
    operation: str,
    body: bytes,
    started: float,
    started_at: datetime,
    response: Response,
    code: str,
) -> None:
    exchange = Exchange(
        channel="async",
        operation=operation,
        session_id=getattr(request.state, "session_id", ""),
        message_id=getattr(request.state, "message_id", None),
        correlation_id=getattr(request.state, "correlation_id", None),
        service_id=getattr(request.state, "service_id", None),
        sender_id=getattr(request.state, "sender_id", None),
        route_id=None,
        provider=None,
        run_id=request.headers.get("x-test-run-id"),
        scenario=request.headers.get("x-test-scenario"),
        started_at=started_at,
        duration_ms=(time.perf_counter() - started) * 1000,
        status=response.status_code,
        code=code,
        request=body,
        response=bytes(response.body),
    )
    notify(request.app.state.async_channel.sync.observers, exchange)


ORIGINAL_IDS = "egov.original_ids"
"""The scope key under which the async SOAP endpoint gives the JSON sendMessage it runs the
caller's own ids that are no GUID, by the UUIDs that stand for them (a JSON caller cannot set
it: only what runs inside the gateway writes the scope)."""

router = APIRouter(prefix=ASYNC_PREFIX, tags=["async channel"], route_class=AsyncEnvelopeRoute)


def _observed_as(request: Request, sender_id: str, service_id: str | None = None) -> None:
    """Name the caller and the service for the observation of this call (`_observe`)."""
    request.state.sender_id, request.state.service_id = sender_id, service_id


def _by_alias(model: BaseModel) -> Response:
    return Response(
        model.model_dump_json(by_alias=True, exclude_none=True), media_type="application/json"
    )


@router.post(
    "/sendMessage",
    name="sendMessage",
    summary="Send a REQUEST, NOTIFICATION, UPDATE or RESPONSE",
    response_model=SendMessageResponse,
    responses=_FAULTS,
)
async def send_message(
    message: AsyncMessage, request: Request, channel: AsyncChannelDep
) -> Response:
    info = message.message_info
    _observed_as(request, info.sender.sender_id, info.service_id)
    request.state.message_id = str(info.message_id)
    request.state.correlation_id = str(info.correlation_id) if info.correlation_id else None
    answer = await channel.send(
        message,
        run_id=request.headers.get("x-test-run-id"),
        scenario=request.headers.get("x-test-scenario"),
        original_ids=request.scope.get(ORIGINAL_IDS),
    )
    request.state.session_id = str(answer.response_info.session_id)
    return _by_alias(answer)


@router.post(
    "/getMessages",
    name="getMessages",
    summary="Take up to `amount` messages waiting for the caller in a service's mailbox",
    response_model=GetMessagesResponse,
    responses=_FAULTS,
)
async def get_messages(
    body: GetMessagesRequest, request: Request, channel: AsyncChannelDep
) -> Response:
    _observed_as(request, body.sender.sender_id, body.service_id)
    return _by_alias(await channel.get_messages(body))


@router.post(
    "/getMessageStatus",
    name="getMessageStatus",
    summary="Delivery state of messages the caller sent or received",
    response_model=GetMessageStatusResponse,
    responses=_FAULTS,
)
async def get_message_status(
    body: GetMessageStatusRequest, request: Request, channel: AsyncChannelDep
) -> Response:
    _observed_as(request, body.sender.sender_id)
    return _by_alias(await channel.status(body))


@router.post(
    "/sendDeliveryNotification",
    name="sendDeliveryNotification",
    summary="Confirm (DELIVERED) or refuse a message taken with getMessages: to have it again "
    "(NOT_DELIVERED) or for good (DELIVERY_STOPPED)",
    response_model=MessageStatus,
    responses=_FAULTS,
)
async def send_delivery_notification(
    body: DeliveryNotification, request: Request, channel: AsyncChannelDep
) -> Response:
    _observed_as(request, body.sender.sender_id)
    return _by_alias(await channel.notify(body))


admin_router = APIRouter(prefix="/admin/async", tags=["admin: async channel"])


class StoredMessageView(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    message_id: str
    correlation_id: str | None
    service_id: str
    message_type: str
    sender_id: str
    recipient: str
    mailbox: str
    state: str
    attempts: int
    published: bool
    created_at: datetime
    updated_at: datetime
    delivered_at: datetime | None
    last_error: str | None


class DeadLetterView(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    mailbox: str
    message_id: str
    message_type: str | None
    reason: str | int | None
    attempts: str | int | None
    error: str | int | None
    envelope: Any = Field(
        description="redacted as in the message log: ИИН/БИН, names and phones masked and "
        "documents digested unless the gateway keeps clear text; passwords never shown"
    )


def _masked(value: str | int | None) -> str | int | None:
    return mask_identifiers(value) if isinstance(value, str) else value


@admin_router.get("/messages", summary="Messages of the async channel, newest first")
async def list_messages(
    _: AdminOnly,
    session: DbSession,
    state: DeliveryState | None = None,
    service_id: Annotated[str | None, Query(alias="serviceId")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[StoredMessageView]:
    found = await MessageRepository(session).listing(
        state=state.value if state else None, service_id=service_id, limit=limit
    )
    return [StoredMessageView.model_validate(m, from_attributes=True) for m in found]


@admin_router.get(
    "/dead-letters", summary="What lies in the dead-letter queue of every mailbox (left in place)"
)
async def dead_letters(
    _: AdminOnly,
    channel: AsyncChannelDep,
    settings: GatewaySettings,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[DeadLetterView]:
    clear_text = settings.keep_clear_text
    return [
        DeadLetterView(
            mailbox=name,
            message_id=letter.message_id,
            message_type=letter.type,
            reason=letter.headers.get("x-egov-dead-reason"),
            attempts=letter.headers.get("x-egov-attempts"),
            error=_masked(letter.headers.get("x-egov-error")),
            envelope=shown(letter.body, clear_text=clear_text),
        )
        for name, letters in (await channel.dead_letters(limit)).items()
        for letter in letters
    ]


class RedriveIn(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    mailbox: str | None = Field(default=None, description="unset: every mailbox")
    message_id: str | None = Field(default=None, description="unset: every stopped message")


class RedriveOut(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    redriven: dict[str, int] = Field(description="mailbox → messages put back in it")


@admin_router.post(
    "/dead-letters/redrive",
    summary="Deliver stopped messages anew (one, or all), with a fresh retry budget",
    responses={404: {"description": "DEAD_LETTER_NOT_FOUND"}},
)
async def redrive_dead_letters(
    _: AdminOnly, channel: AsyncChannelDep, body: RedriveIn
) -> RedriveOut:
    counts = await channel.redrive(body.mailbox, body.message_id)
    if body.message_id is not None and not counts:
        raise NotFound("DEAD_LETTER_NOT_FOUND", field="messageId", message_id=body.message_id)
    return RedriveOut(redriven=counts)
