"""Example documents for contracts/examples/, built from the real models and fault builder.

Fixed ids and dates keep the files stable; building them through the code keeps them valid.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from gateway.sync_channel import gateway_fault
from servicekit.envelope import (
    AsyncMessage,
    AsyncMessageInfo,
    DeliveryNotification,
    DeliveryState,
    ErrorInfo,
    GetMessagesRequest,
    GetMessagesResponse,
    GetMessageStatusRequest,
    GetMessageStatusResponse,
    MessageStatus,
    MessageType,
    RequestData,
    ResponseInfo,
    Sender,
    SendMessageResponse,
    Status,
    new_request,
    response_to,
)

NOW = datetime(2026, 11, 22, 5, 0, tzinfo=UTC)
MESSAGE_ID = uuid.UUID("6f1c2d9e-0b7a-4c1e-9d55-2a7c0f3e8b11")
RESPONSE_ID = uuid.UUID("0b6f3a52-8f4e-4d1a-9a3b-5d2f1e7c9a40")
SESSION_ID = uuid.UUID("3c9e5d7a-1b2f-4e6a-8c0d-9f1a2b3c4d5e")
SENDER = Sender(sender_id="my-system", password="secret")
PERSON = {
    # Whole, as ГБД ФЛ answers it: the SOAP examples are checked against its data schema.
    "iin": "900515310005",
    "lastName": "Серикбаев",
    "firstName": "Нурлан",
    "middleName": "Маратович",
    "namesKk": {"lastName": "Серікбаев", "firstName": "Нұрлан", "middleName": "Маратұлы"},
    "birthDate": "1990-05-15",
    "sex": "M",
    "citizenship": "KZ",
    "lifeStatus": "ALIVE",
    "phone": "+77012345601",
    "address": {
        "regionCode": "02",
        "region": "г. Алматы",
        "regionKk": "Алматы қ.",
        "district": "Алмалинский район",
        "locality": "г. Алматы",
        "street": "ул. Толе би",
        "house": "59",
        "flat": "12",
    },
    "documents": [
        {
            "type": "ID_CARD",
            "number": "048213576",
            "issuedBy": "МВД РК",
            "issueDate": "2016-01-10",
            "expiryDate": "2026-01-10",
            "status": "VALID",
        }
    ],
}


def _dump(model: Any) -> Any:
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


def _fault(code: str, status: int, **kwargs: Any) -> dict[str, Any]:
    problem = gateway_fault(code, status, now=NOW, session_id=SESSION_ID, **kwargs)
    document = problem.to_dict("ru")
    document["instance"] = "/bip-sync/SendMessage"
    return document


def examples() -> dict[str, Any]:
    request = new_request(
        "GBDFL_UniversalServiceSync",
        {"iin": "900515310005"},
        sender_id=SENDER.sender_id,
        password=SENDER.password,
        now=NOW,
    ).model_copy(deep=True)
    request = request.model_copy(
        update={"request_info": request.request_info.model_copy(update={"message_id": MESSAGE_ID})}
    )
    stamped = request.model_copy(
        update={"request_info": request.request_info.model_copy(update={"session_id": SESSION_ID})}
    )
    response = response_to(stamped, {"found": True, "person": PERSON}, now=NOW)
    response = response.model_copy(
        update={
            "response_info": response.response_info.model_copy(update={"message_id": RESPONSE_ID})
        }
    )
    async_request = AsyncMessage(
        message_info=AsyncMessageInfo(
            message_id=MESSAGE_ID,
            service_id="GBDFL_UniversalServiceAsync",
            message_type=MessageType.REQUEST,
            message_date=NOW,
            sender=SENDER,
        ),
        message_data=RequestData(data={"iin": "900515310005"}),
    )
    async_response = AsyncMessage(
        message_info=AsyncMessageInfo(
            message_id=RESPONSE_ID,
            correlation_id=MESSAGE_ID,
            service_id="GBDFL_UniversalServiceAsync",
            message_type=MessageType.RESPONSE,
            message_date=NOW,
            sender=Sender(sender_id="gbd_fl"),
            session_id=SESSION_ID,
            status=Status(code="SCSS001"),
        ),
        message_data=RequestData(data={"found": True, "person": PERSON}),
    )
    sub_error = ErrorInfo(
        error_code="IIN_CHECK_DIGIT",
        error_message="Неверная контрольная цифра ИИН: проверьте номер",
        error_date=NOW,
    )
    return {
        "sync/request.json": _dump(request),
        "sync/response.json": _dump(response),
        "sync/fault-invalid-envelope.json": _fault(
            "INVALID_ENVELOPE", 400, field="requestInfo.messageId"
        ),
        "sync/fault-authentication-failed.json": _fault(
            "AUTHENTICATION_FAILED", 401, field="requestInfo.sender", sender_id="my-system"
        ),
        "sync/fault-access-denied.json": _fault(
            "ACCESS_DENIED",
            403,
            field="requestInfo.serviceId",
            sender_id="my-system",
            service_id="GBDFL_UniversalServiceSync",
        ),
        "sync/fault-service-not-found.json": _fault(
            "SERVICE_NOT_FOUND", 404, field="requestInfo.serviceId", service_id="NO_SUCH_SERVICE"
        ),
        "sync/fault-provider-error.json": _fault(
            "PROVIDER_ERROR",
            422,
            field="requestData.data.iin",
            sub_error=sub_error,
            service_id="GBDFL_UniversalServiceSync",
            reason={
                "ru": "Неверная контрольная цифра ИИН: проверьте номер",
                "kk": "ЖСН-нің бақылау цифры қате: нөмірді тексеріңіз",
                "en": "The IIN check digit is wrong: please check the number",
            },
        ),
        "sync/fault-provider-unavailable.json": _fault(
            "PROVIDER_UNAVAILABLE", 503, service_id="GBDFL_UniversalServiceSync"
        ),
        "sync/fault-provider-timeout.json": _fault(
            "PROVIDER_TIMEOUT", 504, service_id="GBDFL_UniversalServiceSync", timeout_ms=5000
        ),
        "async/sendMessage-request.json": _dump(async_request),
        "async/sendMessage-response.json": _dump(
            SendMessageResponse(
                response_info=ResponseInfo(
                    message_id=MESSAGE_ID,
                    response_date=NOW,
                    status=Status(code="SCSS001", message="accepted for delivery"),
                    session_id=SESSION_ID,
                ),
                delivery_state=DeliveryState.ON_DELIVERY,
            )
        ),
        "async/getMessages-request.json": _dump(
            GetMessagesRequest(sender=SENDER, service_id="GBDFL_UniversalServiceAsync", amount=10)
        ),
        "async/getMessages-response.json": _dump(GetMessagesResponse(messages=[async_response])),
        "async/sendDeliveryNotification-request.json": _dump(
            DeliveryNotification(
                sender=SENDER, message_id=RESPONSE_ID, state=DeliveryState.DELIVERED
            )
        ),
        "async/getMessageStatus-request.json": _dump(
            GetMessageStatusRequest(sender=SENDER, message_ids=[MESSAGE_ID])
        ),
        "async/getMessageStatus-response.json": _dump(
            GetMessageStatusResponse(
                statuses=[
                    MessageStatus(
                        message_id=MESSAGE_ID,
                        service_id="GBDFL_UniversalServiceAsync",
                        message_type=MessageType.REQUEST,
                        state=DeliveryState.DELIVERED,
                        attempts=1,
                        updated_at=NOW,
                    )
                ]
            )
        ),
    }
