"""A refusal of the pipeline as the SOAP Fault the real bus gives.

`faultcode` is the ErrorInfo code (`AUTHENTICATION_FAILED`, `PROVIDER_ERROR`, an injected
`SCE003`…), `faultstring` its message, and `detail` holds `SendMessageFault1_SendMessageFault`:
the ErrorInfo {errorCode, errorMessage, errorData (a string: JSON when the JSON channel gives
an object), errorDate, subError (the same, recursive), sessionId (a GUID in braces)}.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from lxml import etree

from gateway.soap.envelope import braces
from gateway.soap.xml import SOAP_ENV, SYNC_TYPES, clean
from servicekit.clock import instant
from servicekit.errors import Problem

FAULT_DETAIL = "SendMessageFault1_SendMessageFault"


def error_info(problem: Problem, *, now: datetime, session_id: str) -> dict[str, Any]:
    """The problem's ErrorInfo (JSON), made from the problem when it carries none (a body
    refused before it was read)."""
    info = problem.extra.get("errorInfo")
    if isinstance(info, dict):
        return info
    return {
        "errorCode": problem.code,
        "errorMessage": problem.messages()["ru"][:250],
        "errorDate": instant(now),
        "sessionId": session_id,
    }


def write_fault(
    info: dict[str, Any], *, detail: str = FAULT_DETAIL, namespace: str = SYNC_TYPES
) -> bytes:
    """The SOAP Fault of `info`, its ErrorInfo in the element `detail` of `namespace` (each
    operation has its own: `<op>Fault1_<op>Fault`)."""
    root = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soap": SOAP_ENV})
    fault = etree.SubElement(etree.SubElement(root, f"{{{SOAP_ENV}}}Body"), f"{{{SOAP_ENV}}}Fault")
    etree.SubElement(fault, "faultcode").text = clean(str(info.get("errorCode", "")))
    etree.SubElement(fault, "faultstring").text = clean(str(info.get("errorMessage", "")))
    holder = etree.SubElement(fault, "detail")
    _error_info(etree.SubElement(holder, f"{{{namespace}}}{detail}", nsmap={"t": namespace}), info)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def _error_info(element: etree._Element, info: dict[str, Any]) -> None:
    etree.SubElement(element, "errorCode").text = clean(str(info.get("errorCode", "")))
    for name in ("errorMessage", "errorData", "errorDate"):
        value = info.get(name)
        if value is not None:
            text = value if isinstance(value, str) else orjson.dumps(value).decode()
            etree.SubElement(element, name).text = clean(text)
    sub_error = info.get("subError")
    if isinstance(sub_error, dict):
        _error_info(etree.SubElement(element, "subError"), sub_error)
    session_id = braces(info.get("sessionId"))
    if session_id is not None:
        etree.SubElement(element, "sessionId").text = session_id
