"""SendMessage over SOAP 1.1 ↔ the JSON envelope the pipeline runs on (`servicekit.envelope`).

On the way in the SOAP face is as lenient as the real bus's schema, and turns what it accepts
into what the JSON channel requires, so the same model checks both:

- `messageId` and `correlationId` may be any string: a GUID (in braces or not) is taken as it
  is, any other string stands in the pipeline as a name-based UUID (uuid5) of itself, and the
  response's `correlationId` gives the caller's own string back;
- `messageDate` without a time zone is Almaty time (the bus's);
- empty optional elements are absent; `sessionId` is dropped (the gateway stamps its own);
- the `data` element is converted by the serviceId's payload schema (`gateway.soap.payloads`).

Element names below the operation are matched by local name, whatever their namespace.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lxml import etree

from gateway.soap.payloads import Catalogue
from gateway.soap.xml import (
    BODY,
    ENVELOPE,
    ENVELOPE_NSMAP,
    SYNC_TYPES,
    child_named,
    clean,
    local,
    read_operation,
)
from servicekit.clock import ALMATY

MESSAGE_IDS = uuid.UUID("4b0f2f8e-5c1d-4e3a-9a7b-6d2e1f0c3b5a")
"""The namespace of the UUIDs that stand for message ids that are not GUIDs."""


@dataclass(frozen=True, slots=True)
class SoapRequest:
    document: dict[str, Any]
    """The JSON envelope of the pipeline (`SyncRequest`'s shape)."""
    service_id: str | None
    ids: dict[str, str]
    """The UUIDs that stand for the caller's own ids, back to those ids."""


def read_request(body: bytes, catalogue: Catalogue) -> SoapRequest:
    """A SOAP SendMessage request as the JSON envelope; `XmlRefused` when it is none."""
    _, request = read_operation(body, ("SendMessage",), "SendMessage")
    ids: dict[str, str] = {}
    document: dict[str, Any] = {}
    info_element = child_named(request, "requestInfo")
    info: dict[str, Any] = {}
    if info_element is not None:
        info = read_request_info(info_element, ids)
        document["requestInfo"] = info
    service_id = info.get("serviceId") if isinstance(info.get("serviceId"), str) else None
    data_holder = child_named(request, "requestData")
    if data_holder is not None:
        document["requestData"] = {
            "data": catalogue.read_request(service_id, child_named(data_holder, "data"))
        }
    return SoapRequest(document, service_id, ids)


def read_request_info(element: etree._Element, ids: dict[str, str]) -> dict[str, Any]:
    """A `requestInfo` (or async `messageInfo`) element as its JSON object."""
    info: dict[str, Any] = {}
    for child in element:
        name = local(child)
        if name == "properties":
            info.setdefault("properties", []).append(_flat(child, keep_empty=True))
        elif name == "sender":
            info[name] = _flat(child, keep_empty=False)
        elif name == "sessionId":
            continue
        elif len(child):
            info[name] = _flat(child, keep_empty=False)
        elif text := (child.text or "").strip():
            info[name] = text
    for name in ("messageId", "correlationId"):
        if isinstance(info.get(name), str):
            info[name] = own_id_guid(info[name], ids)
    if isinstance(info.get("messageDate"), str):
        info["messageDate"] = _moment(info["messageDate"])
    return info


def _flat(element: etree._Element, *, keep_empty: bool) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for child in element:
        text = child.text or ""
        if text.strip() or keep_empty:
            values[local(child)] = text
    return values


def own_id_guid(text: str, ids: dict[str, str]) -> str:
    """`text` as the GUID the pipeline needs: itself if it is one, else a UUID that stands for
    it (and is remembered in `ids`, to give the caller's own id back)."""
    try:
        return str(uuid.UUID(text))
    except ValueError:
        stand_in = str(uuid.uuid5(MESSAGE_IDS, text))
        ids[stand_in] = text
        return stand_in


def _moment(text: str) -> str:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text  # the model refuses it, naming the field
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ALMATY)
    return moment.isoformat()


def braces(session_id: str | None) -> str | None:
    """A GUID as the real bus writes a sessionId: `{xxxxxxxx-…}`."""
    if not session_id:
        return None
    return session_id if session_id.startswith("{") else f"{{{session_id}}}"


def write_response(answer: dict[str, Any], request: SoapRequest, catalogue: Catalogue) -> bytes:
    """A provider's JSON response envelope as the SOAP SendMessageResponse."""
    root = etree.Element(ENVELOPE, nsmap=ENVELOPE_NSMAP)
    body = etree.SubElement(root, BODY)
    operation = etree.SubElement(
        body, f"{{{SYNC_TYPES}}}SendMessageResponse", nsmap={"t": SYNC_TYPES}
    )
    response = etree.SubElement(operation, "response")
    info = answer.get("responseInfo") or {}
    info_element = etree.SubElement(response, "responseInfo")
    correlation = str(info.get("correlationId") or "")
    _text(info_element, "messageId", info.get("messageId"))
    _text(info_element, "correlationId", request.ids.get(correlation, correlation or None))
    _text(info_element, "responseDate", info.get("responseDate"))
    status = info.get("status") or {}
    status_element = etree.SubElement(info_element, "status")
    _text(status_element, "code", status.get("code"))
    _text(status_element, "message", status.get("message"))
    _text(info_element, "sessionId", braces(info.get("sessionId")))
    data_holder = etree.SubElement(response, "responseData")
    data = (answer.get("responseData") or {}).get("data")
    catalogue.write_response(data_holder, request.service_id, data)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def _text(parent: etree._Element, name: str, value: Any) -> None:
    if value is not None:
        etree.SubElement(parent, name).text = clean(str(value))
