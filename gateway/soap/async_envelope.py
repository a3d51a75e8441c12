"""The async channel's four operations over SOAP 1.1 ↔ the JSON bodies of its JSON operations.

Each SOAP operation is turned into the body of the JSON operation of the same name
(`/bip-async/<operation>`), run there, and its JSON answer turned back:

- `sendMessage` {messageInfo, messageData} is the JSON message as it is; its answer is
  {messageId, correlationId, responseDate, sessionId};
- `getMessages` {serviceId, sender, amount, filters} is the JSON request (an empty `filters` is
  dropped; the JSON channel does not filter, so a filter given is refused by name); the answer
  adds responseDate and a sessionId to the messages;
- `getMessageStatus` asks for one messageId: the JSON request with a list of one; the answer is
  its `messageState` and `status` {statusCode (SCSS001 while on its way or delivered, else the
  state), statusMessage (the last delivery error), statusDate}, and MESSAGE_NOT_FOUND when the
  caller may not see it or it does not exist;
- `sendDeliveryNotification` {messageId, sender, deliveryStatus}: MESSAGE_ACCEPTED is DELIVERED,
  MESSAGE_NOT_ACCTEPTED (sic) is NOT_DELIVERED (handed out again) or, with NOT_RESEND,
  DELIVERY_STOPPED (never handed out again); the answer is a new notificationId.

Ids are as lenient as on the sync face (`gateway.soap.envelope`): a messageId that is not a GUID
stands in the pipeline as a name-based UUID of itself, the same each time, so the caller can ask
for its status by its own string. The store keeps the string beside the UUID, and the recipient
is given it (JSON: `originalMessageId`, and `originalCorrelationId` on what answers it; SOAP: as
the messageId and correlationId themselves).

`data` is converted by the serviceId's payload schema: a REQUEST, NOTIFICATION or UPDATE as the
request type, a RESPONSE as the answer type.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lxml import etree

from gateway.soap.envelope import braces, own_id_guid, read_request_info
from gateway.soap.payloads import Catalogue
from gateway.soap.xml import (
    ASYNC_ITYPES,
    BODY,
    ENVELOPE,
    ENVELOPE_NSMAP,
    child_named,
    clean,
    local,
    read_operation,
)
from servicekit.clock import instant
from servicekit.envelope import SUCCESS

OPERATIONS = ("sendMessage", "getMessages", "getMessageStatus", "sendDeliveryNotification")

_ON_THE_WAY = frozenset({"ON_DELIVERY", "DELIVERED"})


@dataclass
class AsyncSoapRequest:
    operation: str
    document: dict[str, Any]
    """The body of the JSON operation `operation`."""
    ids: dict[str, str] = field(default_factory=dict)
    """The UUIDs that stand for the caller's own ids, back to those ids."""


def read_request(body: bytes, catalogue: Catalogue) -> AsyncSoapRequest:
    """A SOAP request of one of the four operations as its JSON body; `XmlRefused` if none."""
    operation, request = read_operation(body, OPERATIONS, "async channel operation")
    name = local(operation)
    result = AsyncSoapRequest(name, {})
    if name == "sendMessage":
        result.document = read_message(request, catalogue, result.ids)
    elif name == "getMessages":
        result.document = _get_messages(request)
    elif name == "getMessageStatus":
        result.document = _texts(request, sender="sender")
        if message_id := result.document.pop("messageId", None):  # else refused as missing
            result.document["messageIds"] = [own_id_guid(message_id, result.ids)]
    else:
        result.document = _notification(request, result.ids)
    return result


def read_message(element: etree._Element, catalogue: Catalogue, ids: dict[str, str]) -> Any:
    """An AsyncMessage (messageInfo, messageData) as the JSON message."""
    document: dict[str, Any] = {}
    info_element = child_named(element, "messageInfo")
    info: dict[str, Any] = {}
    if info_element is not None:
        info = read_request_info(info_element, ids)
        document["messageInfo"] = info
    holder = child_named(element, "messageData")
    if holder is not None:
        service_id = info.get("serviceId") if isinstance(info.get("serviceId"), str) else None
        data = child_named(holder, "data")
        if info.get("messageType") == "RESPONSE":
            document["messageData"] = {"data": catalogue.read_response(service_id, data)}
        else:
            document["messageData"] = {"data": catalogue.read_request(service_id, data)}
    return document


def _text_of(element: etree._Element, name: str) -> str:
    child = child_named(element, name)
    return (child.text or "").strip() if child is not None else ""


def _texts(element: etree._Element, *, sender: str) -> dict[str, Any]:
    """Children as JSON members: `sender` as {senderId, password}, the others as their text
    (empty ones left out, as the real schema's optional elements may be empty)."""
    values: dict[str, Any] = {}
    for child in element:
        name = local(child)
        if name == sender:
            values[name] = {local(c): c.text or "" for c in child if (c.text or "").strip()}
        elif len(child):
            values[name] = etree.tostring(child, encoding="unicode")
        elif text := (child.text or "").strip():
            values[name] = text
    return values


def _get_messages(element: etree._Element) -> dict[str, Any]:
    document = _texts(element, sender="sender")
    filters = child_named(element, "filters")
    if filters is not None and not len(filters) and not (filters.text or "").strip():
        document.pop("filters", None)
    amount = document.get("amount")
    if isinstance(amount, str) and amount.isdigit():
        document["amount"] = int(amount)
    return document


def _notification(element: etree._Element, ids: dict[str, str]) -> dict[str, Any]:
    document = _texts(element, sender="sender")
    document.pop("deliveryStatus", None)
    if isinstance(document.get("messageId"), str):
        document["messageId"] = own_id_guid(document["messageId"], ids)
    status = child_named(element, "deliveryStatus")
    if status is not None:
        received = _text_of(status, "receiveStatus")
        document["state"] = received  # anything else is refused by the model, naming the field
        if received == "MESSAGE_ACCEPTED":
            document["state"] = "DELIVERED"
        elif received == "MESSAGE_NOT_ACCTEPTED":
            resend = _text_of(status, "resendMessage") != "NOT_RESEND"
            document["state"] = "NOT_DELIVERED" if resend else "DELIVERY_STOPPED"
        if error := _text_of(status, "errorMessage"):
            document["error"] = error
    return document


# --- answers ---------------------------------------------------------------------------------


def _envelope(operation: str) -> tuple[etree._Element, etree._Element]:
    """A SOAP envelope with the `<operation>` element of ITypes; and that element."""
    root = etree.Element(ENVELOPE, nsmap=ENVELOPE_NSMAP)
    body = etree.SubElement(root, BODY)
    return root, etree.SubElement(
        body, f"{{{ASYNC_ITYPES}}}{operation}", nsmap={"it": ASYNC_ITYPES}
    )


def _text(parent: etree._Element, name: str, value: Any) -> None:
    if value is not None:
        etree.SubElement(parent, name).text = clean(str(value))


def _own(ids: dict[str, str], value: Any) -> Any:
    """The caller's own id for a UUID that stood for it."""
    return ids.get(str(value), value) if value is not None else None


def write_response(
    request: AsyncSoapRequest,
    answer: dict[str, Any],
    catalogue: Catalogue,
    *,
    now: datetime,
    session_id: str,
    notification_id: str | None = None,
) -> bytes:
    """The JSON answer of `request`'s operation as its SOAP response. `getMessageStatus` of a
    message the caller may not see has no answer here: the caller raises MESSAGE_NOT_FOUND."""
    root, operation = _envelope(f"{request.operation}Response")
    response = etree.SubElement(operation, "response")
    if request.operation == "sendMessage":
        info = answer.get("responseInfo") or {}
        _text(response, "messageId", _own(request.ids, info.get("messageId")))
        _text(response, "correlationId", _own(request.ids, info.get("correlationId")))
        _text(response, "responseDate", info.get("responseDate"))
        _text(response, "sessionId", braces(info.get("sessionId")))
    elif request.operation == "getMessages":
        _text(response, "responseDate", instant(now))
        _text(response, "sessionId", braces(session_id))
        for message in answer.get("messages") or []:
            write_message(etree.SubElement(response, "messages"), message, catalogue)
    elif request.operation == "getMessageStatus":
        (status,) = answer["statuses"]
        state = str(status.get("state"))
        _text(response, "messageId", _own(request.ids, status.get("messageId")))
        _text(response, "messageState", state)
        detail = etree.SubElement(response, "status")
        _text(detail, "statusCode", SUCCESS if state in _ON_THE_WAY else state)
        _text(detail, "statusMessage", status.get("lastError"))
        _text(detail, "statusDate", status.get("updatedAt"))
        _text(response, "responseDate", instant(now))
        _text(response, "sessionId", braces(session_id))
    else:
        _text(response, "notificationId", notification_id or str(uuid.uuid4()))
        _text(response, "responseDate", instant(now))
        _text(response, "sessionId", braces(session_id))
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def write_message(element: etree._Element, message: dict[str, Any], catalogue: Catalogue) -> None:
    """A JSON message (AsyncMessage) as the XML AsyncMessage in `element`."""
    info = message.get("messageInfo") or {}
    info_element = etree.SubElement(element, "messageInfo")
    # A sender's own id that is no GUID is given as it wrote it, not as the UUID for it.
    _text(info_element, "messageId", info.get("originalMessageId") or info.get("messageId"))
    correlation_id = info.get("originalCorrelationId") or info.get("correlationId")
    _text(info_element, "correlationId", correlation_id)
    for name in ("serviceId", "messageType", "messageDate"):
        _text(info_element, name, info.get(name))
    _text(info_element, "routeId", info.get("routeId"))
    sender = info.get("sender") or {}
    sender_element = etree.SubElement(info_element, "sender")
    _text(sender_element, "senderId", sender.get("senderId"))
    for item in info.get("properties") or []:
        property_element = etree.SubElement(info_element, "properties")
        _text(property_element, "key", item.get("key"))
        _text(property_element, "value", item.get("value", ""))
    _text(info_element, "sessionId", braces(info.get("sessionId")))
    status = info.get("status")
    if isinstance(status, dict):
        status_element = etree.SubElement(info_element, "status")
        _text(status_element, "code", status.get("code"))
        _text(status_element, "message", status.get("message"))
    holder = etree.SubElement(element, "messageData")
    data = (message.get("messageData") or {}).get("data")
    service_id = info.get("serviceId")
    if info.get("messageType") != "RESPONSE":
        catalogue.write_request(holder, service_id, data)
    elif isinstance(status, dict) and status.get("code", SUCCESS) != SUCCESS:
        # A refusal is not the answer type: its problem goes as it is, untyped.
        catalogue.write_response(holder, None, data)
    else:
        catalogue.write_response(holder, service_id, data)
