"""The ШЭП sync-channel envelope (SendMessage), as public integrators' schemas describe it.

JSON field names are the schema's own (`requestInfo`, `messageId`…); Python attributes are
snake_case. Unknown fields are rejected: a tester whose envelope would fail at the real gateway
must see it fail here too.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints
from pydantic.alias_generators import to_camel

SUCCESS = "SCSS001"
"""The status code of a successful sync call."""


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
