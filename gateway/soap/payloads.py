"""`data` as XML on the SOAP face ↔ the JSON the registries speak, per serviceId.

Registries stay JSON. What each serviceId's `requestData.data` and `responseData.data` hold is
the JSON Schema its provider publishes (`x-shep-operations` in `contracts/openapi/*.json`); the
gateway reads those at start and converts at its edge, with one generic mapping:

- a JSON object ↔ an element with one child element per member, in the schema's order;
- an array ↔ the member's element repeated (`<documents>…</documents><documents>…</documents>`);
  an absent repeated element is an empty array when the member is required;
- a scalar ↔ the element's text, typed by the schema: `true`/`false`, integers, numbers,
  `xs:date`, `xs:dateTime`; text that does not parse as its type is passed on as a string, so the
  provider refuses it with the same 422 the JSON channel gives;
- `null` ↔ the element left out; an empty element of a non-string type is left out too (the real
  bus's schemas are lenient about empty optional elements);
- a map (`{"ru": …, "kk": …}`) ↔ one child per key, named by the key (`<entry key="…">` when the
  key is not an XML name); anything the schema leaves open ↔ the same mapping without types.

Elements of `data` are unqualified; `xsi:type` on `data` is accepted and ignored on the way in
(the serviceId says what it is), and written on the way out, naming the response's type in
`PAYLOADS`. Some answers use the real bus's own vocabulary instead (`gateway.soap.vocabulary`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

from lxml import etree

from gateway.soap.xml import PAYLOADS, XS, XSI_NIL, XSI_TYPE, clean, local

OPENAPI_DIR = Path(__file__).resolve().parents[2] / "contracts" / "openapi"
"""The registries' published contracts; the gateway reads their data schemas, never their code."""

Kind = Literal["string", "boolean", "integer", "number", "date", "dateTime", "any"]

_XS_TYPES: dict[Kind, str] = {
    "string": "xs:string",
    "boolean": "xs:boolean",
    "integer": "xs:integer",
    "number": "xs:double",
    "date": "xs:date",
    "dateTime": "xs:dateTime",
    "any": "xs:anyType",
}

_STRING_FORMATS: dict[str, Kind] = {"date": "date", "date-time": "dateTime"}
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
_MAX_DEPTH = 32


@dataclass(frozen=True, slots=True)
class Scalar:
    kind: Kind
    enum: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Member:
    node: Node
    required: bool
    """The JSON member is required (and so, when repeated, an absent element is `[]`)."""
    optional: bool
    """The element may be left out: not required, or null is allowed."""
    repeated: bool = False


@dataclass(frozen=True, slots=True)
class Record:
    members: dict[str, Member]


@dataclass(frozen=True, slots=True)
class MapOf:
    value: Node


Node = Scalar | Record | MapOf
ANY = Scalar("any")


# --- JSON Schema → nodes ---------------------------------------------------------------------


def node_of(schema: dict[str, Any], defs: dict[str, Any] | None = None, depth: int = 0) -> Node:
    """The node for a JSON Schema (pydantic's flavour: `$ref`, `anyOf` with null, `$defs`)."""
    defs = schema.get("$defs", {}) if defs is None else defs
    resolved, _ = _resolve(schema, defs)
    if depth > _MAX_DEPTH:
        return ANY
    if "enum" in resolved and all(isinstance(v, str) for v in resolved["enum"]):
        return Scalar("string", tuple(resolved["enum"]))
    kind = resolved.get("type")
    if kind == "object":
        properties: dict[str, Any] = resolved.get("properties") or {}
        if properties:
            required = set(resolved.get("required", ()))
            return Record(
                {
                    name: _member(sub, defs, depth, name in required)
                    for name, sub in properties.items()
                }
            )
        extra = resolved.get("additionalProperties")
        if extra is False:
            return Record({})
        if isinstance(extra, dict) and extra:
            value, _ = _resolve(extra, defs)
            return MapOf(ANY if value.get("type") == "array" else node_of(value, defs, depth + 1))
        return ANY
    if kind == "string":
        return Scalar(_STRING_FORMATS.get(resolved.get("format", ""), "string"))
    if kind in ("boolean", "integer", "number"):
        return Scalar(kind)
    return ANY


def _member(schema: dict[str, Any], defs: dict[str, Any], depth: int, required: bool) -> Member:
    resolved, nullable = _resolve(schema, defs)
    optional = nullable or not required
    if resolved.get("type") == "array":
        items, _ = _resolve(resolved.get("items") or {}, defs)
        node = ANY if items.get("type") == "array" else node_of(items, defs, depth + 1)
        return Member(node, required, optional=True, repeated=True)
    return Member(node_of(resolved, defs, depth + 1), required, optional)


def _resolve(schema: dict[str, Any], defs: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """`schema` with `$ref`s followed and a nullable `anyOf` unwrapped; and whether null is ok."""
    nullable = False
    for _ in range(_MAX_DEPTH):
        if "$ref" in schema:
            schema = defs.get(schema["$ref"].rsplit("/", 1)[-1], {})
            continue
        options = schema.get("anyOf")
        if options:
            real = [o for o in options if o.get("type") != "null"]
            nullable = nullable or len(real) < len(options)
            if len(real) == 1:
                schema = real[0]
                continue
            return {}, nullable
        break
    return schema, nullable


# --- the catalogue ---------------------------------------------------------------------------


Reshape = Callable[[Any], Any]


@dataclass(frozen=True)
class Payload:
    """How one serviceId's data travels as XML, one way."""

    node: Node
    type_name: str
    """Its complex type in `PAYLOADS`: `{serviceId}.Request` / `.Response`."""
    reshape: Reshape | None = None
    """JSON → JSON in the XML's own vocabulary, before writing (responses only)."""


@dataclass(frozen=True)
class Catalogue:
    requests: dict[str, Payload] = field(default_factory=dict)
    responses: dict[str, Payload] = field(default_factory=dict)

    def read_request(self, service_id: str | None, data: etree._Element | None) -> Any:
        """The JSON `requestData.data` for the XML `data` element of a request."""
        return _read_data(self.requests.get(service_id or ""), data)

    def read_response(self, service_id: str | None, data: etree._Element | None) -> Any:
        """The JSON `data` for the XML `data` element of an answer (a RESPONSE a provider
        sends on the async channel, a SOAP provider's SendMessage answer)."""
        return _read_data(self.responses.get(service_id or ""), data)

    def write_request(self, parent: etree._Element, service_id: str | None, data: Any) -> None:
        """`data` (a request as JSON) as the `data` element under `parent`, named by its
        request type: what a recipient of an async message gets, and a SOAP provider."""
        payload = self.requests.get(service_id or "")
        element = write(parent, "data", data, payload.node if payload is not None else ANY)
        if element is not None and payload is not None:
            element.set(XSI_TYPE, f"p:{payload.type_name}")

    def write_response(self, parent: etree._Element, service_id: str | None, data: Any) -> None:
        """`data` (a provider's JSON answer) as the `data` element under `parent`."""
        payload = self.responses.get(service_id or "")
        if payload is None:
            write(parent, "data", data, ANY)
            return
        if payload.reshape is not None:
            data = payload.reshape(data)
        element = write(parent, "data", data, payload.node)
        if element is not None:
            element.set(XSI_TYPE, f"p:{payload.type_name}")

    def schema(self) -> bytes:
        """The XSD of every payload: one named complex type per serviceId and direction."""
        root = etree.Element(
            f"{{{XS}}}schema",
            nsmap={"xs": XS, "p": PAYLOADS},
            targetNamespace=PAYLOADS,
            elementFormDefault="unqualified",
        )
        root.append(
            etree.Comment(
                " Generated from the registries' published data schemas (egov-bus); this "
                "project's own names unless a type says otherwise. "
            )
        )
        payloads = sorted(
            [*self.requests.values(), *self.responses.values()], key=lambda p: p.type_name
        )
        for payload in payloads:
            complex_type = etree.SubElement(root, f"{{{XS}}}complexType", name=payload.type_name)
            _xsd_content(complex_type, payload.node)
        return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def _read_data(payload: Payload | None, data: etree._Element | None) -> Any:
    if data is None:
        return None
    node = payload.node if payload is not None else ANY
    value = read(data, node)
    if value is _MISSING:
        return {} if isinstance(node, Record) else None
    return value


def operations(openapi_documents: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """`x-shep-operations` of every provider contract: serviceId → its data schemas."""
    found: dict[str, dict[str, Any]] = {}
    for document in openapi_documents:
        for item in document.get("paths", {}).values():
            for operation in item.values():
                if isinstance(operation, dict):
                    found.update(operation.get("x-shep-operations", {}))
    return found


def build_catalogue(
    schemas: dict[str, dict[str, Any]], vocabularies: dict[str, tuple[Node, Reshape]]
) -> Catalogue:
    """The catalogue of `schemas` (serviceId → {"requestData.data", "responseData.data"}), with
    the answers named in `vocabularies` written in their own vocabulary."""
    catalogue = Catalogue()
    for service_id, pair in sorted(schemas.items()):
        request = pair.get("requestData.data")
        if request is not None:
            catalogue.requests[service_id] = Payload(node_of(request), f"{service_id}.Request")
        name = f"{service_id}.Response"
        if service_id in vocabularies:
            node, reshape = vocabularies[service_id]
            catalogue.responses[service_id] = Payload(node, name, reshape)
        elif (response := pair.get("responseData.data")) is not None:
            catalogue.responses[service_id] = Payload(node_of(response), name)
    return catalogue


def read_openapi(directory: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(directory.glob("*.json"))]


@cache
def default_catalogue() -> Catalogue:
    """The catalogue of the contracts checked in beside the gateway."""
    from gateway.soap.vocabulary import VOCABULARIES

    return build_catalogue(operations(read_openapi(OPENAPI_DIR)), VOCABULARIES)


# --- XML → JSON ------------------------------------------------------------------------------


class _Missing:
    pass


_MISSING: Any = _Missing()


def read(element: etree._Element, node: Node) -> Any:
    """The JSON value of `element` as `node` types it; `_MISSING` for an empty optional one."""
    if element.get(XSI_NIL) in ("true", "1"):
        return None
    if isinstance(node, Record):
        return _read_record(element, node)
    if isinstance(node, MapOf):
        children = list(element)
        if not children:
            return _MISSING
        return {_key(child): read(child, node.value) for child in children}
    return _read_scalar(element, node.kind)


def _read_record(element: etree._Element, node: Record) -> Any:
    groups: dict[str, list[etree._Element]] = {}
    for child in element:
        groups.setdefault(local(child), []).append(child)
    if not groups and not any(m.repeated and m.required for m in node.members.values()):
        return _MISSING  # an empty element is a record only when it holds required lists
    result: dict[str, Any] = {}
    for name, member in node.members.items():
        elements = groups.pop(name, None)
        if not elements:
            if member.repeated and member.required:
                result[name] = []
            continue
        if member.repeated:
            items = (read(e, member.node) for e in elements)
            result[name] = [v for v in items if v is not _MISSING]
        else:
            value = read(elements[0], member.node)
            if value is not _MISSING:
                result[name] = value
    # What the schema does not know goes on as it is: the provider refuses it by name.
    for name, elements in groups.items():
        values = [read(e, ANY) for e in elements]
        result[name] = values if len(values) > 1 else values[0]
    return result


def _read_scalar(element: etree._Element, kind: Kind) -> Any:
    children = list(element)
    if kind == "any":
        if children:
            return _read_record(element, Record({}))
        return element.text or ""
    text = element.text or ""
    if kind == "string":
        return text
    text = text.strip()
    if not text:
        return _MISSING
    if kind == "boolean":
        return {"true": True, "1": True, "false": False, "0": False}.get(text, text)
    if kind == "integer":
        try:
            return int(text)
        except ValueError:
            return text
    if kind == "number":
        try:
            return int(text) if text.lstrip("+-").isdigit() else float(text)
        except ValueError:
            return text
    return text


def _key(element: etree._Element) -> str:
    name = local(element)
    return element.get("key", name) if name == "entry" else name


# --- JSON → XML ------------------------------------------------------------------------------


def write(parent: etree._Element, name: str, value: Any, node: Node) -> etree._Element | None:
    """Append `value` as element `name` to `parent` (nothing for null); the element written."""
    if value is None:
        return None
    element = _element(parent, name)
    if isinstance(node, Record) and isinstance(value, dict):
        # In the schema's order (an XSD sequence is ordered), whatever the JSON's order.
        for key, member in node.members.items():
            item = value.get(key)
            if member.repeated and isinstance(item, list):
                for each in item:
                    write(element, key, each, member.node)
            else:
                write(element, key, item, member.node)
        for key, item in value.items():
            if key not in node.members:
                _write_any(element, key, item)
    elif isinstance(node, MapOf) and isinstance(value, dict):
        for key, item in value.items():
            write(element, key, item, node.value)
    elif isinstance(value, dict | list):
        _fill_any(element, value)
    else:
        _set_text(element, value)
    return element


def _write_any(parent: etree._Element, name: str, value: Any) -> None:
    if isinstance(value, list):
        for item in value:
            _write_any(parent, name, item)
    elif value is not None:
        _fill_any(_element(parent, name), value)


def _fill_any(element: etree._Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _write_any(element, key, item)
    elif isinstance(value, list):
        for item in value:
            _write_any(element, "item", item)
    else:
        _set_text(element, value)


def _element(parent: etree._Element, name: str) -> etree._Element:
    if _NAME.match(name):
        return etree.SubElement(parent, name)
    return etree.SubElement(parent, "entry", key=clean(name))


def _set_text(element: etree._Element, value: Any) -> None:
    if isinstance(value, bool):
        element.text = "true" if value else "false"
    elif isinstance(value, str):
        element.text = clean(value)
    else:
        element.text = str(value)


# --- nodes → XSD -----------------------------------------------------------------------------


def _xsd_content(complex_type: etree._Element, node: Node) -> None:
    """The content model of `node` inside `complex_type`."""
    sequence = etree.SubElement(complex_type, f"{{{XS}}}sequence")
    if isinstance(node, Record):
        for name, member in node.members.items():
            element = etree.SubElement(sequence, f"{{{XS}}}element", name=name)
            if member.optional:
                element.set("minOccurs", "0")
            if member.repeated:
                element.set("maxOccurs", "unbounded")
            _xsd_type(element, member.node)
    else:
        etree.SubElement(
            sequence,
            f"{{{XS}}}any",
            minOccurs="0",
            maxOccurs="unbounded",
            processContents="lax",
        )


def _xsd_type(element: etree._Element, node: Node) -> None:
    if isinstance(node, Scalar) and node.enum:
        simple = etree.SubElement(element, f"{{{XS}}}simpleType")
        restriction = etree.SubElement(simple, f"{{{XS}}}restriction", base="xs:string")
        for value in node.enum:
            etree.SubElement(restriction, f"{{{XS}}}enumeration", value=value)
    elif isinstance(node, Scalar):
        element.set("type", _XS_TYPES[node.kind])
    else:
        _xsd_content(etree.SubElement(element, f"{{{XS}}}complexType"), node)
