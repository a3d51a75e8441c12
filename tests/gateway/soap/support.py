"""What the SOAP tests share: the project's XSDs as an lxml validator, and a zeep client that
checks every message it sends and receives against them.

zeep is synchronous and the bus runs on the test's event loop, so the client is built and called
in a worker thread (`asyncio.to_thread`), leaving the loop free to answer it.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from typing import Any

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
        sender: tuple[str, str] = (TESTER, TESTER_PASSWORD),
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
