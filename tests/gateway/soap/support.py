"""What the SOAP tests share: the project's XSDs as an lxml validator, and a zeep client that
checks every message it sends and receives against them (of the sync channel, `SoapClient`, and
of the async one, `AsyncSoap`).

zeep is synchronous and the bus runs on the test's event loop, so the client is built and called
in a worker thread (`asyncio.to_thread`), leaving the loop free to answer it.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from typing import Any

import httpx
import requests
import zeep
from lxml import etree
from zeep import xsd
from zeep.plugins import Plugin

from gateway.soap.payloads import default_catalogue
from gateway.soap.wsdl import validator
from gateway.soap.xml import PAYLOADS, SOAP_ENV
from servicekit.clock import ALMATY
from tests.harness import TESTER, TESTER_PASSWORD

SCHEMA = validator(default_catalogue())
XML = {"content-type": "text/xml; charset=utf-8"}
TESTER_SENDER = (TESTER, TESTER_PASSWORD)
ASYNC_PERSON = "GBDFL_UniversalServiceAsync"


def body_child(envelope: etree._Element) -> etree._Element:
    """What the schema describes: the Body's operation element, or a fault's detail element."""
    body = envelope.find(f"{{{SOAP_ENV}}}Body")
    assert body is not None, "no SOAP Body"
    child = body[0]
    if child.tag == f"{{{SOAP_ENV}}}Fault":
        detail = child.find("detail")
        assert detail is not None, "a fault without detail"
        return detail[0]
    return child


def fault_info(reply: httpx.Response, operation: str) -> dict[str, Any]:
    """The SOAP fault of a reply to `operation` (checked against the XSDs): its ErrorInfo, after
    checking that faultcode and faultstring say the same."""
    assert reply.headers["content-type"] == "text/xml; charset=utf-8"
    envelope = etree.fromstring(reply.content)
    detail = assert_valid(envelope)
    assert etree.QName(detail).localname == f"{operation}Fault1_{operation}Fault"
    fault = envelope.find(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault")
    assert fault is not None
    info = {etree.QName(c).localname: c.text for c in detail}
    assert fault.findtext("faultcode") == info["errorCode"]
    assert fault.findtext("faultstring") == info["errorMessage"]
    return info


def assert_valid(message: bytes | etree._Element) -> etree._Element:
    """`message` (a whole SOAP envelope) is valid against the project's XSDs; its Body child."""
    envelope = etree.fromstring(message) if isinstance(message, bytes) else message
    child = body_child(envelope)
    if not SCHEMA.validate(child):
        raise AssertionError(f"{child.tag!r} breaks the XSD: {SCHEMA.error_log}")
    return child


class Validating(Plugin):
    """Checks every envelope zeep sends and receives against the project's XSDs."""

    def __init__(self) -> None:
        self.checked = 0

    def egress(
        self, envelope: etree._Element, http_headers: dict[str, str], operation: Any, options: Any
    ) -> tuple[etree._Element, dict[str, str]]:
        assert_valid(envelope)
        self.checked += 1
        return envelope, http_headers

    def ingress(
        self, envelope: etree._Element, http_headers: dict[str, str], operation: Any
    ) -> tuple[etree._Element, dict[str, str]]:
        assert_valid(envelope)
        self.checked += 1
        return envelope, http_headers


class SoapClient:
    """A zeep client of the gateway's SyncChannel, made from the WSDL the gateway serves."""

    def __init__(self, wsdl_url: str, headers: dict[str, str] | None = None) -> None:
        session = requests.Session()
        session.headers.update(headers or {})
        self.validating = Validating()
        self.zeep = zeep.Client(  # type: ignore[no-untyped-call]
            wsdl_url,
            transport=zeep.Transport(  # type: ignore[no-untyped-call]
                session=session, timeout=30, operation_timeout=30
            ),
            plugins=[self.validating],
        )

    @classmethod
    async def load(cls, gateway_url: str, headers: dict[str, str] | None = None) -> SoapClient:
        return await asyncio.to_thread(cls, f"{gateway_url}/bip-sync/?wsdl", headers)

    def data(self, service_id: str, data: dict[str, Any] | None) -> Any:
        """`data` as the serviceId's request type, named by xsi:type as generated clients do."""
        if data is None:
            return None
        payload = self.zeep.get_type(f"{{{PAYLOADS}}}{service_id}.Request")  # type: ignore[no-untyped-call]
        return xsd.AnyObject(payload, payload(**data))  # type: ignore[no-untyped-call]

    async def send(
        self,
        service_id: str,
        data: Any,
        *,
        sender: tuple[str, str] = TESTER_SENDER,
        **info: Any,
    ) -> Any:
        """SendMessage; `data` is a dict for the serviceId's request type, or a zeep value."""
        if isinstance(data, dict):
            data = self.data(service_id, data)
        request_info = {
            "messageId": str(uuid.uuid4()),
            "serviceId": service_id,
            "messageDate": datetime(2026, 11, 22, 10, 0, tzinfo=ALMATY),
            "sender": {"senderId": sender[0], "password": sender[1]},
            **info,
        }
        request = {"requestInfo": request_info, "requestData": {"data": data}}
        return await asyncio.to_thread(self.zeep.service.SendMessage, request=request)


def _sender(sender: tuple[str, str]) -> dict[str, str]:
    return {"senderId": sender[0], "password": sender[1]}


class AsyncSoap:
    """IAsyncChannel as a zeep client generated from the gateway's WSDL sees it."""

    def __init__(self, client: SoapClient) -> None:
        self.client = client
        self.service = client.zeep.service

    @classmethod
    async def load(cls, gateway_url: str, headers: dict[str, str] | None = None) -> AsyncSoap:
        client = await asyncio.to_thread(SoapClient, f"{gateway_url}/bip-async/?wsdl", headers)
        return cls(client)

    async def send(
        self,
        service_id: str,
        data: Any,
        message_type: str = "REQUEST",
        *,
        sender: tuple[str, str] = TESTER_SENDER,
        **info: Any,
    ) -> Any:
        if isinstance(data, dict):
            # A service of the test's own has no payload type: its data goes as the person's.
            known = service_id if not service_id.startswith("TEST_") else ASYNC_PERSON
            data = self.client.data(known, data)
        message_info = {
            "messageId": str(uuid.uuid4()),
            "serviceId": service_id,
            "messageType": message_type,
            "messageDate": datetime(2026, 11, 22, 10, 0, tzinfo=ALMATY),
            "sender": _sender(sender),
            **info,
        }
        request = {"messageInfo": message_info, "messageData": {"data": data}}
        return await asyncio.to_thread(self.service.sendMessage, request=request)

    async def take(
        self, service_id: str, sender: tuple[str, str] = TESTER_SENDER, amount: int = 10
    ) -> list[Any]:
        request = {
            "serviceId": service_id,
            "sender": _sender(sender),
            "amount": amount,
        }
        response = await asyncio.to_thread(self.service.getMessages, request=request)
        return list(response.messages or [])

    async def status(self, message_id: str, sender: tuple[str, str] = TESTER_SENDER) -> Any:
        request = {"messageId": message_id, "sender": _sender(sender)}
        return await asyncio.to_thread(self.service.getMessageStatus, request=request)

    async def state_of(self, message_id: str, sender: tuple[str, str] = TESTER_SENDER) -> str:
        return str((await self.status(message_id, sender)).messageState)

    async def notify(
        self,
        message_id: str,
        sender: tuple[str, str] = TESTER_SENDER,
        received: str = "MESSAGE_ACCEPTED",
        resend: str | None = None,
    ) -> Any:
        request = {
            "messageId": message_id,
            "sender": _sender(sender),
            "deliveryStatus": {"receiveStatus": received, "resendMessage": resend},
        }
        return await asyncio.to_thread(self.service.sendDeliveryNotification, request=request)
