"""SOAP providers: the sync channel calls a provider with SendMessage, as the real bus would.

A service of the registry with a `soapEndpoint` is answered by that URL (a tester's own SOAP
stub, or a real provider) instead of a JSON provider: the JSON envelope the pipeline carries is
written as a SOAP 1.1 SendMessage (document/literal, this project's WSDL, SOAPAction `""`,
`data` typed by the serviceId's request type, `sessionId` in braces), and the answer is read
back into the JSON envelope, so everything after it — the JSON or SOAP caller's response,
journal, message log, metrics — is what a JSON provider's answer gets.

The provider's SOAP Fault (with HTTP 500, or 200) becomes `ProviderFault`: the channel refuses
with PROVIDER_ERROR whose `subError` is the provider's ErrorInfo as it sent it (`SCE003`…).
Anything else — not XML, another operation, a DTD — is an answer that breaks the contract, as
for a JSON provider. Timeouts and a provider that cannot be reached are the channel's, the same
for both kinds of provider.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiohttp
import orjson
from lxml import etree

from gateway.registry import Route
from gateway.soap.envelope import braces
from gateway.soap.payloads import Catalogue
from gateway.soap.xml import (
    BODY,
    ENVELOPE,
    ENVELOPE_NSMAP,
    SOAP_ENV,
    SOAP_MEDIA_TYPE,
    SYNC_TYPES,
    XmlRefused,
    body_element,
    child_named,
    clean,
    local,
    parse,
)
from gateway.sync_channel import ProviderFault
from servicekit.clock import ALMATY
from servicekit.envelope import ErrorInfo


def write_request(document: dict[str, Any], catalogue: Catalogue) -> bytes:
    """A JSON SendMessage request as SOAP: the envelope a SOAP provider receives (sessionId
    stamped, password removed by the pipeline), or a client sends (the contracts' examples)."""
    info = document.get("requestInfo") or {}
    root = etree.Element(ENVELOPE, nsmap=ENVELOPE_NSMAP)
    body = etree.SubElement(root, BODY)
    operation = etree.SubElement(body, f"{{{SYNC_TYPES}}}SendMessage", nsmap={"t": SYNC_TYPES})
    request = etree.SubElement(operation, "request")
    info_element = etree.SubElement(request, "requestInfo")
    for name in ("messageId", "correlationId", "serviceId", "messageDate", "routeId"):
        _text(info_element, name, info.get(name))
    sender = etree.SubElement(info_element, "sender")
    for name in ("senderId", "password"):  # the pipeline has removed the password by now
        _text(sender, name, (info.get("sender") or {}).get(name))
    for item in info.get("properties") or ():
        holder = etree.SubElement(info_element, "properties")
        _text(holder, "key", item.get("key"))
        etree.SubElement(holder, "value").text = clean(str(item.get("value") or ""))
    _text(info_element, "sessionId", braces(info.get("sessionId")))
    data = (document.get("requestData") or {}).get("data")
    catalogue.write_request(
        etree.SubElement(request, "requestData"), str(info.get("serviceId", "")), data
    )
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def _text(parent: etree._Element, name: str, value: Any) -> None:
    if value is not None and value != "":
        etree.SubElement(parent, name).text = clean(str(value))


def read_answer(body: bytes, service_id: str, catalogue: Catalogue, now: datetime) -> bytes | None:
    """A provider's SendMessageResponse as the JSON response envelope; `ProviderFault` for its
    SOAP Fault; None for anything else."""
    try:
        root = parse(body)
    except XmlRefused:
        return None
    carried = body_element(root)
    if carried is None:
        return None
    if carried.tag == f"{{{SOAP_ENV}}}Fault":
        raise ProviderFault(_fault_info(carried, now))
    response = child_named(carried, "response") if local(carried) == "SendMessageResponse" else None
    info = None if response is None else child_named(response, "responseInfo")
    if response is None or info is None:
        return None
    status = child_named(info, "status")
    response_info: dict[str, Any] = {
        name: _value(info, name)
        for name in ("messageId", "correlationId", "responseDate", "sessionId")
        if _value(info, name) is not None
    }
    if isinstance(response_info.get("sessionId"), str):
        response_info["sessionId"] = response_info["sessionId"].strip("{}")
    response_info["status"] = {
        "code": _value(status, "code") if status is not None else None,
        "message": _value(status, "message") if status is not None else None,
    }
    holder = child_named(response, "responseData")
    data = (
        None if holder is None else catalogue.read_response(service_id, child_named(holder, "data"))
    )
    return orjson.dumps({"responseInfo": response_info, "responseData": {"data": data}})


def _fault_info(fault: etree._Element, now: datetime) -> ErrorInfo:
    """The provider's ErrorInfo from its fault's detail; made of faultcode and faultstring
    when the detail has none."""
    detail = child_named(fault, "detail")
    holder = None if detail is None else next(iter(detail), None)
    if holder is not None and child_named(holder, "errorCode") is not None:
        return _error_info(holder, now)
    code = (_value(fault, "faultcode") or "").rsplit(":", 1)[-1] or "SOAP_FAULT"
    return ErrorInfo(
        error_code=code, error_message=(_value(fault, "faultstring") or "")[:250], error_date=now
    )


def _error_info(element: etree._Element, now: datetime) -> ErrorInfo:
    """As the provider wrote it; what it left out or wrote unreadably (a date without a time
    zone) is filled in, so the caller still gets the provider's code and message."""
    sub = child_named(element, "subError")
    return ErrorInfo(
        error_code=_value(element, "errorCode") or "",
        error_message=(_value(element, "errorMessage") or "")[:250],
        error_data=_value(element, "errorData"),
        error_date=_moment(_value(element, "errorDate")) or now,
        sub_error=None if sub is None else _error_info(sub, now),
    )


def _moment(text: str | None) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text or "")
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=ALMATY)


def _value(element: etree._Element, name: str) -> str | None:
    child = child_named(element, name)
    text = None if child is None else (child.text or "").strip()
    return text or None


class SoapProviders:
    """What the sync channel calls a SOAP provider with (`SyncChannel.soap_providers`)."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue

    async def exchange(
        self,
        http: aiohttp.ClientSession,
        route: Route,
        payload: bytes,
        relayed: dict[str, str],
        now: datetime,
    ) -> tuple[int, bytes]:
        """POST the request to the provider: its HTTP status and its answer as a JSON envelope
        (empty when it is none)."""
        body = write_request(orjson.loads(payload), self.catalogue)
        async with http.post(
            route.url,
            data=body,
            headers={"content-type": SOAP_MEDIA_TYPE, "soapaction": '""', **relayed},
            timeout=aiohttp.ClientTimeout(total=route.timeout_ms / 1000),
        ) as reply:
            status, answer = reply.status, await reply.read()
        return status, read_answer(answer, route.service_id, self.catalogue, now) or b""
