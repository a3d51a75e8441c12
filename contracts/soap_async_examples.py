"""SOAP examples of the async channel for contracts/soap/examples/async/: a request and a
response of each IAsyncChannel operation, and the fault of each refusal it can give.

They are the JSON examples (`contracts.examples`) passed through the gateway's own SOAP writers
(`gateway.soap.async_envelope`, `gateway.soap.faults`), so each is what the gateway reads or
writes; `tests/test_contracts.py` checks every one against the XSDs.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from contracts.examples import MESSAGE_ID, NOW, RESPONSE_ID, SENDER, SESSION_ID, examples
from gateway.soap.async_envelope import (
    AsyncSoapRequest,
    _envelope,
    write_message,
    write_response,
)
from gateway.soap.faults import write_fault
from gateway.soap.payloads import Catalogue
from gateway.soap.xml import ASYNC_ITYPES
from gateway.sync_channel import gateway_fault

NOTIFICATION_ID = "5e2d8c1a-7f3b-4a9e-b6d0-1c4f9a2e8b73"
SERVICE = "GBDFL_UniversalServiceAsync"

# operation → (errorCode, HTTP status of the JSON channel, the problem's parameters)
FAULTS: dict[str, list[tuple[str, int, dict[str, Any]]]] = {
    "sendMessage": [
        ("INVALID_ENVELOPE", 400, {"field": "messageInfo.messageType"}),
        ("AUTHENTICATION_FAILED", 401, {"sender_id": SENDER.sender_id}),
        ("ACCESS_DENIED", 403, {"sender_id": SENDER.sender_id, "service_id": SERVICE}),
        ("WRONG_CHANNEL", 400, {"service_id": "GBDFL_UniversalServiceSync"}),
        ("SERVICE_NOT_FOUND", 404, {"service_id": "NO_SUCH_SERVICE"}),
        ("ROUTE_NOT_FOUND", 404, {"service_id": SERVICE, "route_id": "nowhere"}),
        ("FIELD_REQUIRED", 400, {"field": "messageInfo.correlationId"}),
        ("CORRELATION_NOT_FOUND", 404, {"correlation_id": str(MESSAGE_ID)}),
        ("DUPLICATE_MESSAGE", 409, {"message_id": str(MESSAGE_ID)}),
        ("PROVIDER_UNAVAILABLE", 503, {"service_id": SERVICE}),
        ("PROVIDER_TIMEOUT", 504, {"service_id": SERVICE, "timeout_ms": 5000}),
    ],
    "getMessages": [
        ("INVALID_ENVELOPE", 400, {"field": "amount"}),
        ("AUTHENTICATION_FAILED", 401, {"sender_id": SENDER.sender_id}),
        ("SERVICE_NOT_FOUND", 404, {"service_id": "NO_SUCH_SERVICE"}),
        ("WRONG_CHANNEL", 400, {"service_id": "GBDFL_UniversalServiceSync"}),
    ],
    "getMessageStatus": [
        ("INVALID_ENVELOPE", 400, {"field": "messageIds"}),
        ("AUTHENTICATION_FAILED", 401, {"sender_id": SENDER.sender_id}),
        ("MESSAGE_NOT_FOUND", 404, {"field": "messageId"}),
    ],
    "sendDeliveryNotification": [
        ("INVALID_ENVELOPE", 400, {"field": "state"}),
        ("AUTHENTICATION_FAILED", 401, {"sender_id": SENDER.sender_id}),
        ("MESSAGE_NOT_FOUND", 404, {"field": "messageId"}),
    ],
}


def soap_async_examples(catalogue: Catalogue) -> dict[str, str]:
    """Every SOAP example by its name under soap/examples/async/."""
    json = examples()
    files = {
        "sendMessage-request.xml": _send_message(json["async/sendMessage-request.json"], catalogue),
        "getMessages-request.xml": _request(
            "getMessages",
            serviceId=SERVICE,
            sender=None,
            amount=json["async/getMessages-request.json"]["amount"],
        ),
        "getMessageStatus-request.xml": _request(
            "getMessageStatus", messageId=str(MESSAGE_ID), sender=None
        ),
        "sendDeliveryNotification-request.xml": _request(
            "sendDeliveryNotification",
            messageId=str(RESPONSE_ID),
            sender=None,
            deliveryStatus={"receiveStatus": "MESSAGE_ACCEPTED"},
        ),
    }
    answers = {
        "sendMessage": json["async/sendMessage-response.json"],
        "getMessages": json["async/getMessages-response.json"],
        "getMessageStatus": json["async/getMessageStatus-response.json"],
        "sendDeliveryNotification": {},
    }
    for operation, answer in answers.items():
        written = write_response(
            AsyncSoapRequest(operation, {}),
            answer,
            catalogue,
            now=NOW,
            session_id=str(SESSION_ID),
            notification_id=NOTIFICATION_ID,
        )
        files[f"{operation}-response.xml"] = _pretty(written)
    for operation, faults in FAULTS.items():
        for code, status, params in faults:
            problem = gateway_fault(code, status, now=NOW, session_id=SESSION_ID, **params)
            fault = write_fault(
                problem.extra["errorInfo"],
                detail=f"{operation}Fault1_{operation}Fault",
                namespace=ASYNC_ITYPES,
            )
            files[f"{operation}-fault-{code.lower().replace('_', '-')}.xml"] = _pretty(fault)
    return files


def _send_message(message: dict[str, Any], catalogue: Catalogue) -> str:
    root, operation = _envelope("sendMessage")
    request = etree.SubElement(operation, "request")
    write_message(request, message, catalogue)
    # The gateway never writes a password; the caller sends one.
    sender = request.find("messageInfo/sender")
    assert sender is not None
    etree.SubElement(sender, "password").text = SENDER.password
    return _pretty(etree.tostring(root))


def _request(name: str, **children: Any) -> str:
    root, operation = _envelope(name)
    _fill(etree.SubElement(operation, "request"), children)
    return _pretty(etree.tostring(root))


def _fill(element: etree._Element, children: dict[str, Any]) -> None:
    for name, value in children.items():
        child = etree.SubElement(element, name)
        if name == "sender":
            _fill(child, {"senderId": SENDER.sender_id, "password": SENDER.password})
        elif isinstance(value, dict):
            _fill(child, value)
        else:
            child.text = str(value)


def _pretty(document: bytes) -> str:
    root = etree.fromstring(document)
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="utf-8").decode() + "\n"
