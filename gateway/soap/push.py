"""Push to a provider whose async endpoint speaks SOAP: its IAsyncChannelClient's sendMessage.

The registry says so (`asyncProtocol: soap`); the async channel then POSTs each message of the
provider's mailbox as a SOAP `sendMessage` (`text/xml`, SOAPAction `""`), with the retries of
every push. What the answer means for them:

- 2xx: delivered;
- a SOAP Fault whose faultcode is `Server` (or no fault at all with a 5xx, 408 or 429): the
  provider is away, and is waited for as long as the outage budget lasts;
- any other SOAP Fault (`Client`, or an ErrorInfo code such as `SCE001`): the provider refuses
  the message, which gets `async_max_attempts` tries like a JSON push answered with a 4xx.

The same provider is told with `changeMassageStatusNotification` (sic) when the state of a
message it sent changes at its recipient (`AsyncChannel._tell_sender`), answered the same way.
"""

from __future__ import annotations

from typing import Any

import orjson
from lxml import etree

from gateway.soap.async_envelope import _envelope, write_message
from gateway.soap.payloads import Catalogue
from gateway.soap.xml import SOAP_ENV, XmlRefused, clean, local, parse

REFUSED = 422
"""The status a refusing SOAP Fault stands for (a 4xx: not a provider that is away)."""


def request(envelope: str, catalogue: Catalogue) -> bytes:
    """A stored message (its JSON envelope) as the SOAP `sendMessage` pushed to a provider."""
    root, operation = _envelope("sendMessage")
    write_message(etree.SubElement(operation, "request"), orjson.loads(envelope), catalogue)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def status(http_status: int, answer: bytes) -> int:
    """The HTTP status a SOAP answer stands for, as a JSON push's would."""
    if 200 <= http_status < 300:
        return http_status
    code = _fault_code(answer)
    if code is None or code.rsplit(":", 1)[-1] == "Server":
        return http_status
    return REFUSED


def _fault_code(answer: bytes) -> str | None:
    try:
        root = parse(answer)
    except XmlRefused:
        return None
    body = next((c for c in root if c.tag == f"{{{SOAP_ENV}}}Body"), None)
    fault = None if body is None else next(iter(body), None)
    if fault is None or fault.tag != f"{{{SOAP_ENV}}}Fault":
        return None
    code = next((c for c in fault if local(c) == "faultcode"), None)
    return (code.text or "").strip() if code is not None else ""


def status_notification(notice: dict[str, Any]) -> bytes:
    """changeMassageStatusNotification (sic) of `notice` ({messageId, originalMessageId,
    serviceId, messageState, status}), pushed to the provider that sent the message: by the id
    it gave the message (`originalMessageId` when that was no GUID)."""
    root, operation = _envelope("changeMassageStatusNotification")
    request = etree.SubElement(operation, "request")
    message_id = notice.get("originalMessageId") or notice["messageId"]
    etree.SubElement(request, "messageId").text = clean(str(message_id))
    for name in ("serviceId", "messageState"):
        etree.SubElement(request, name).text = clean(str(notice[name]))
    status = etree.SubElement(request, "status")
    for name in ("statusCode", "statusMessage", "statusDate"):
        if notice["status"].get(name) is not None:
            etree.SubElement(status, name).text = clean(str(notice["status"][name]))
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")
