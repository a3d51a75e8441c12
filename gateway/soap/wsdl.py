"""The WSDL and XSDs the SOAP face serves: `?wsdl` and `?xsd=NAME` on each SOAP path.

`xsd/` holds this project's own WSDL and envelope schemas, written from the element tables of
issue 16 (no public WSDL or XSD file was copied); `payloads` is generated from the registries'
data schemas (`gateway.soap.payloads`). The documents import each other by relative location
(`?xsd=common`), so a client that loads the WSDL from any SOAP path finds the rest beside it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from lxml import etree

from gateway.soap.payloads import Catalogue
from gateway.soap.xml import ASYNC_ITYPES, PAYLOADS, SYNC_TYPES, XS

if TYPE_CHECKING:
    from lxml.etree._docloader import _InputDocument

HERE = Path(__file__).with_name("xsd")
STATIC_SCHEMAS = ("common", "sync-types", "async-types", "async-itypes")
ADDRESS_MARK = b"SOAP_ADDRESS"


@cache
def _static(name: str) -> bytes:
    return (HERE / name).read_bytes()


def wsdl(address: str, document: str = "sync.wsdl") -> bytes:
    """A channel's WSDL (the sync channel's unless `document` names another in `xsd/`), with
    its service at `address` (the URL it was asked at)."""
    escaped = address.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return _static(document).replace(ADDRESS_MARK, escaped.encode())


def schema_documents(catalogue: Catalogue) -> dict[str, bytes]:
    """Every XSD by the name `?xsd=` gives it."""
    documents = {name: _static(f"{name}.xsd") for name in STATIC_SCHEMAS}
    documents["payloads"] = catalogue.schema()
    return documents


class _Schemas(etree.Resolver):
    def __init__(self, documents: dict[str, bytes]) -> None:
        super().__init__()
        self.documents = documents

    def resolve(
        self, system_url: str | None, public_id: str | None, context: object, /
    ) -> _InputDocument | None:
        name = parse_qs(urlsplit(system_url or "").query).get("xsd", [""])[0]
        if name in self.documents:
            return self.resolve_string(self.documents[name], context, base_url=system_url)
        return None


def validator(catalogue: Catalogue) -> etree.XMLSchema:
    """An lxml schema of the channels' messages and faults, payloads included: what a Body
    child (`SendMessage`, `sendMessage`, a response, a fault's detail) must be."""
    documents = schema_documents(catalogue)
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    parser.resolvers.add(_Schemas(documents))
    root = etree.Element(f"{{{XS}}}schema", nsmap={"xs": XS})
    imports = ((SYNC_TYPES, "sync-types"), (ASYNC_ITYPES, "async-itypes"), (PAYLOADS, "payloads"))
    for namespace, name in imports:
        etree.SubElement(
            root, f"{{{XS}}}import", namespace=namespace, schemaLocation=f"?xsd={name}"
        )
    document = etree.fromstring(
        etree.tostring(root), parser, base_url="http://gateway.invalid/bip-sync/?xsd=all"
    )
    return etree.XMLSchema(document)
