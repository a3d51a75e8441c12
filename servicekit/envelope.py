"""The ШЭП envelopes — sync channel (SendMessage) and async channel (sendMessage, getMessages,
getMessageStatus, sendDeliveryNotification) — as public integrators' schemas describe them.

JSON field names are the schema's own (`requestInfo`, `messageId`…); Python attributes are
snake_case. Unknown fields are rejected: a tester whose envelope would fail at the real gateway
must see it fail here too.
"""

from __future__ import annotations

import json
import math
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

import orjson
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints
from pydantic.alias_generators import to_camel

SUCCESS = "SCSS001"
"""The status code of a successful sync call."""

INT_MIN, INT_MAX = -(2**63), 2**64 - 1
"""The integers every JSON codec of the bus holds exactly (orjson's range)."""


class NumberOutOfRange(ValueError):
    """A number the JSON text writes but the bus cannot carry: NaN, ±Infinity, a float beyond
    the double range (`1e400`) or an integer beyond 64 bits."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path
        """Where it is, as a problem names a field: `requestData.data.amounts[2]`."""


_DIGIT_SHAPE = bytes(0x39 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
_LONGEST_EXACT_INT = b"9" * 19
"""orjson turns an integer beyond 64 bits into a float without a word; such an integer has at
least 19 digits, so only a body with a run that long needs the slow look."""


def parse_json(raw: bytes) -> Any:
    """`raw` as the bus carries JSON: RFC 8259 numbers only, each one held exactly.

    Raises `NumberOutOfRange` naming the first number that does not fit, or
    `orjson.JSONDecodeError` when the text is not JSON at all. Without this, a literal `NaN`
    or `1e400` that one parser takes and the next refuses becomes a 500 halfway through.
    """
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        _refuse_unrepresentable(raw)
        raise
    if raw.translate(_DIGIT_SHAPE).find(_LONGEST_EXACT_INT) >= 0:
        _refuse_unrepresentable(raw)
    return value


def _refuse_unrepresentable(raw: bytes) -> None:
    """Raise `NumberOutOfRange` for the first number, in document order, that does not fit."""
    try:
        # The lenient parser takes NaN, Infinity, 1e400 (as inf) and integers of any size.
        value = json.loads(raw)
    except (ValueError, RecursionError):
        return
    pending: list[tuple[str, Any]] = [("", value)]
    while pending:
        path, item = pending.pop()
        if isinstance(item, dict):
            children = [(f"{path}.{k}" if path else str(k), v) for k, v in item.items()]
            pending.extend(reversed(children))
        elif isinstance(item, list):
            pending.extend((f"{path}[{i}]", v) for i, v in reversed(list(enumerate(item))))
        elif not _fits(item):
            raise NumberOutOfRange(path)


def _fits(scalar: Any) -> bool:
    if isinstance(scalar, float):
        return math.isfinite(scalar)
    return not isinstance(scalar, int) or INT_MIN <= scalar <= INT_MAX


class EnvelopeModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )


class Sender(EnvelopeModel):
    sender_id: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    password: Annotated[str, StringConstraints(max_length=200)] | None = None


class Property(EnvelopeModel):
    key: Annotated[str, StringConstraints(min_length=1, max_length=30)]
    value: Annotated[str, StringConstraints(max_length=500)]


class RequestInfo(EnvelopeModel):
    message_id: uuid.UUID
    correlation_id: uuid.UUID | None = None
    service_id: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    message_date: AwareDatetime
    route_id: Annotated[str, StringConstraints(max_length=100)] | None = None
    sender: Sender
    properties: list[Property] = Field(default_factory=list, max_length=100)
    session_id: uuid.UUID | None = Field(
        default=None, description="stamped by the gateway; whatever a sender puts here is replaced"
    )


class RequestData(EnvelopeModel):
    data: Any = None


class SyncRequest(EnvelopeModel):
    """`SendMessage` request."""

    request_info: RequestInfo
    request_data: RequestData = Field(default_factory=RequestData)


class Status(EnvelopeModel):
    code: Annotated[str, StringConstraints(min_length=1, max_length=50)]
    message: Annotated[str, StringConstraints(max_length=250)] = ""


class ResponseInfo(EnvelopeModel):
    message_id: uuid.UUID
    correlation_id: uuid.UUID | None = None
    response_date: AwareDatetime
    status: Status
    session_id: uuid.UUID | None = None


class ResponseData(EnvelopeModel):
    data: Any = None


class SyncResponse(EnvelopeModel):
    """`SendMessage` response."""

    response_info: ResponseInfo
    response_data: ResponseData = Field(default_factory=ResponseData)


class ErrorInfo(EnvelopeModel):
    """A fault of the gateway or of a provider; `sub_error` nests the cause."""

    error_code: str
    error_message: str
    error_data: Any = None
    error_date: AwareDatetime
    sub_error: ErrorInfo | None = None
    session_id: uuid.UUID | None = None


def new_request(
    service_id: str,
    data: Any,
    *,
    sender_id: str,
    password: str | None,
    now: datetime,
    correlation_id: uuid.UUID | None = None,
    properties: dict[str, str] | None = None,
    route_id: str | None = None,
) -> SyncRequest:
    return SyncRequest(
        request_info=RequestInfo(
            message_id=uuid.uuid4(),
            correlation_id=correlation_id,
            service_id=service_id,
            message_date=now,
            route_id=route_id,
            sender=Sender(sender_id=sender_id, password=password),
            properties=[Property(key=k, value=v) for k, v in (properties or {}).items()],
        ),
        request_data=RequestData(data=data),
    )


def response_to(
    request: SyncRequest, data: Any, *, now: datetime, code: str = SUCCESS, message: str = ""
) -> SyncResponse:
    """The response a provider gives to `request`: same session, correlated to its message."""
    info = request.request_info
    return SyncResponse(
        response_info=ResponseInfo(
            message_id=uuid.uuid4(),
            correlation_id=info.correlation_id or info.message_id,
            response_date=now,
            status=Status(code=code, message=message),
            session_id=info.session_id,
        ),
        response_data=ResponseData(data=data),
    )


# --- the async channel -------------------------------------------------------------------


class MessageType(StrEnum):
    REQUEST = "REQUEST"
    NOTIFICATION = "NOTIFICATION"
    UPDATE = "UPDATE"
    RESPONSE = "RESPONSE"


class DeliveryState(StrEnum):
    ON_DELIVERY = "ON_DELIVERY"
    """Accepted by the gateway, not yet confirmed by the recipient."""
    DELIVERED = "DELIVERED"
    NOT_DELIVERED = "NOT_DELIVERED"
    """The last attempt failed; another one is scheduled."""
    DELIVERY_STOPPED = "DELIVERY_STOPPED"
    """No more attempts: the message is in the mailbox's dead-letter queue."""


ORIGINAL_ID_LENGTH = 200
OriginalId = Annotated[str, StringConstraints(min_length=1, max_length=ORIGINAL_ID_LENGTH)]
"""A SOAP caller's own message id that is no GUID, as the async channel keeps it."""


class AsyncMessageInfo(EnvelopeModel):
    message_id: uuid.UUID
    correlation_id: uuid.UUID | None = None
    service_id: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    message_type: MessageType
    message_date: AwareDatetime
    route_id: Annotated[str, StringConstraints(max_length=100)] | None = None
    sender: Sender
    properties: list[Property] = Field(default_factory=list, max_length=100)
    session_id: uuid.UUID | None = Field(
        default=None, description="stamped by the gateway; whatever a sender puts here is replaced"
    )
    status: Status | None = Field(
        default=None, description="on a RESPONSE: SCSS001, or the code of the provider's refusal"
    )
    original_message_id: OriginalId | None = Field(
        default=None,
        description="stamped by the gateway: the sender's own messageId when it was no GUID "
        "(a SOAP caller's), which the UUID in messageId stands for; whatever a sender puts "
        "here is replaced",
    )
    original_correlation_id: OriginalId | None = Field(
        default=None,
        description="stamped by the gateway: the correlationId as the sender of the message it "
        "answers wrote that message's messageId, when it was no GUID; whatever a sender puts "
        "here is replaced",
    )


class AsyncMessage(EnvelopeModel):
    """`sendMessage` request, and each message `getMessages` hands out."""

    message_info: AsyncMessageInfo
    message_data: RequestData = Field(default_factory=RequestData)


class SendMessageResponse(EnvelopeModel):
    response_info: ResponseInfo
    delivery_state: DeliveryState


class GetMessagesRequest(EnvelopeModel):
    sender: Sender
    service_id: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    amount: int = Field(default=1, ge=1, le=100)


class GetMessagesResponse(EnvelopeModel):
    messages: list[AsyncMessage]


class GetMessageStatusRequest(EnvelopeModel):
    sender: Sender
    message_ids: list[uuid.UUID] = Field(min_length=1, max_length=100)


class MessageStatus(EnvelopeModel):
    message_id: uuid.UUID
    service_id: str
    message_type: MessageType
    state: DeliveryState
    attempts: int
    updated_at: AwareDatetime
    last_error: str | None = None


class GetMessageStatusResponse(EnvelopeModel):
    statuses: list[MessageStatus]


class DeliveryNotification(EnvelopeModel):
    """The recipient confirms a message it took with getMessages (DELIVERED), refuses it to
    have it again later (NOT_DELIVERED) or for good (DELIVERY_STOPPED: never handed out again)."""

    sender: Sender
    message_id: uuid.UUID
    state: Literal[
        DeliveryState.DELIVERED, DeliveryState.NOT_DELIVERED, DeliveryState.DELIVERY_STOPPED
    ]
    error: Annotated[str, StringConstraints(max_length=500)] | None = None
