"""Namespaces of the SOAP face and the one way a SOAP body is parsed.

The parser is hardened: no DTD is loaded, no entity is resolved, nothing is fetched from the
network and libxml2's limits on huge documents stay on. A document that carries a DTD at all is
refused (SOAP 1.1 §3 forbids one), so an entity bomb or an external entity never gets as far as
a provider, and the caller gets a fault, not a 500.
"""

from __future__ import annotations

import re
from collections.abc import Container

from lxml import etree

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_ENV = "http://www.w3.org/2003/05/soap-envelope"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XS = "http://www.w3.org/2001/XMLSchema"
SYNC_TYPES = "http://bip.bee.kz/SyncChannel/v10/Types"
SYNC_INTERFACES = "http://bip.bee.kz/SyncChannel/v10/Interfaces"
COMMON_TYPES = "http://bip.bee.kz/common/v10/Types"
ASYNC_TYPES = "http://bip.bee.kz/AsyncChannel/v10/Types"
ASYNC_ITYPES = "http://bip.bee.kz/AsyncChannel/v10/ITypes"
"""The async channel's operations (requests, responses, fault details) are elements of ITypes."""
ASYNC_INTERFACES = "http://bip.bee.kz/AsyncChannel/v10/Interfaces"
PAYLOADS = "urn:egov-bus:shep:payloads:v1"
"""This project's own namespace for the XML of each serviceId's `data` (not the real bus's)."""

SOAP_MEDIA_TYPE = "text/xml; charset=utf-8"

ENVELOPE = f"{{{SOAP_ENV}}}Envelope"
BODY = f"{{{SOAP_ENV}}}Body"
ENVELOPE_NSMAP = {"soap": SOAP_ENV, "xsi": XSI, "p": PAYLOADS}
"""The prefixes of every envelope the gateway writes."""

XSI_TYPE = f"{{{XSI}}}type"
XSI_NIL = f"{{{XSI}}}nil"


_NOT_XML_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def clean(text: str) -> str:
    """`text` without the characters XML 1.0 cannot hold (a provider's text may have them)."""
    return _NOT_XML_TEXT.sub("", text)


class XmlRefused(ValueError):
    """The body is not XML this gateway will read; `code` says why (a problem code)."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


PARSER = _parser()
"""lxml parsers are not thread-safe, but the gateway parses on its event loop's thread only."""


def parse(body: bytes) -> etree._Element:
    """The root of `body`, or `XmlRefused`: not well-formed, or carrying a DTD."""
    try:
        root = etree.fromstring(body, PARSER)
    except etree.XMLSyntaxError as exc:
        raise XmlRefused("MALFORMED_XML", str(exc)[:200]) from None
    if root is None:
        raise XmlRefused("MALFORMED_XML", "empty document")
    if root.getroottree().docinfo.internalDTD is not None or root.getroottree().docinfo.doctype:
        raise XmlRefused("XML_DTD_FORBIDDEN", "the document carries a DTD")
    return root


def local(element: etree._Element) -> str:
    """An element's name without its namespace: the SOAP face is lenient about qualification."""
    return etree.QName(element).localname


def child_named(element: etree._Element, name: str) -> etree._Element | None:
    """`element`'s first child called `name`, whatever its namespace."""
    return next((c for c in element if local(c) == name), None)


def body_element(root: etree._Element) -> etree._Element | None:
    """What a SOAP 1.1 envelope carries: the first element of its Body; None when `root` is
    no SOAP 1.1 envelope or its Body is missing or empty."""
    if root.tag != ENVELOPE:
        return None
    body = next((c for c in root if c.tag == BODY), None)
    return None if body is None else next(iter(body), None)


def read_operation(
    body: bytes, names: Container[str], expected: str
) -> tuple[etree._Element, etree._Element]:
    """The operation a SOAP 1.1 request carries (one of `names`, `expected` in words) and its
    `request` child; `XmlRefused` for anything else."""
    root = parse(body)
    if root.tag != ENVELOPE:
        if etree.QName(root).namespace == SOAP12_ENV:
            raise XmlRefused("SOAP_VERSION_MISMATCH", "SOAP 1.2 envelope")
        raise XmlRefused("SOAP_ENVELOPE_EXPECTED", "the root is not a SOAP 1.1 Envelope")
    operation = body_element(root)
    if operation is None or local(operation) not in names:
        raise XmlRefused("SOAP_ENVELOPE_EXPECTED", f"the Body holds no {expected}")
    request = child_named(operation, "request")
    if request is None:
        raise XmlRefused("SOAP_ENVELOPE_EXPECTED", f"{local(operation)} holds no request")
    return operation, request
