"""The generic mapping of `data` between XML and the registries' JSON (gateway.soap.payloads)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from lxml import etree
from pydantic import BaseModel

from gateway.soap.payloads import Catalogue, Payload, Record, build_catalogue, node_of, read, write
from gateway.soap.vocabulary import person_answer
from gateway.soap.xml import PAYLOADS, XS, XSI


class Item(BaseModel):
    purpose: str
    quantity: int = 1


class Request(BaseModel):
    iin: str
    amount: float | None = None
    paid: bool = False
    issued: date | None = None
    items: list[Item]
    tags: list[str] = []
    messages: dict[str, str] | None = None


NODE = node_of(Request.model_json_schema())


def _xml(text: str) -> etree._Element:
    return etree.fromstring(f'<data xmlns:xsi="{XSI}">{text}</data>')


def test_elements_become_the_members_typed_by_the_schema() -> None:
    data = _xml(
        "<iin>900515310005</iin><amount>12.5</amount><paid>true</paid><issued>2026-01-10</issued>"
        "<items><purpose>PLATE</purpose><quantity>2</quantity></items>"
        "<items><purpose>FEE</purpose></items>"
        "<tags>a</tags><messages><ru>текст</ru><entry key='x y'>z</entry></messages>"
    )
    assert read(data, NODE) == {
        "iin": "900515310005",  # a string stays a string, leading digits and all
        "amount": 12.5,
        "paid": True,
        "issued": "2026-01-10",
        "items": [{"purpose": "PLATE", "quantity": 2}, {"purpose": "FEE"}],
        "tags": ["a"],  # one repeated element is still an array
        "messages": {"ru": "текст", "x y": "z"},
    }


def test_empty_and_absent_elements() -> None:
    data = _xml("<iin></iin><amount/><paid> </paid><issued xsi:nil='true'/>")
    # An empty string is a string; an empty number or boolean is left out; nil is null; a
    # required array that is absent is empty.
    assert read(data, NODE) == {"iin": "", "issued": None, "items": []}


def test_text_that_is_not_its_type_goes_on_for_the_provider_to_refuse() -> None:
    data = _xml("<iin>1</iin><amount>lots</amount><paid>maybe</paid><items/><extra>1</extra>")
    assert read(data, NODE) == {
        "iin": "1",
        "amount": "lots",
        "paid": "maybe",
        "items": [],
        "extra": "1",  # unknown to the schema: the provider refuses it by name
    }


def test_json_becomes_elements() -> None:
    parent = etree.Element("responseData")
    value = {
        "iin": "900515310005",
        "amount": 1e-05,
        "paid": False,
        "issued": None,
        "items": [{"purpose": "PLATE", "quantity": 2}],
        "messages": {"ru": "да", "not a name": "x"},
    }
    element = write(parent, "data", value, NODE)
    assert element is not None
    assert etree.tostring(element, encoding="unicode") == (
        "<data><iin>900515310005</iin><amount>1e-05</amount><paid>false</paid>"
        "<items><purpose>PLATE</purpose><quantity>2</quantity></items>"
        '<messages><ru>да</ru><entry key="not a name">x</entry></messages></data>'
    )
    assert read(element, NODE) == {k: v for k, v in value.items() if v is not None}


def test_text_xml_cannot_hold_is_dropped_not_a_500() -> None:
    element = write(etree.Element("x"), "data", {"iin": "9005\x00\x1b1"}, NODE)
    assert element is not None
    assert element.findtext("iin") == "90051"


@pytest.mark.parametrize(
    "answer",
    [
        {"found": False, "person": None, "code": "PERSON_NOT_FOUND", "messages": {"ru": "нет"}},
        {"unexpected": True},
    ],
)
def test_person_answer_without_a_person(answer: dict[str, Any]) -> None:
    shaped = person_answer(answer)
    if "found" in answer:
        assert shaped["persons"] == {"person": []}
        assert shaped["messageResult"]["code"] == "PERSON_NOT_FOUND"
    else:
        assert shaped == answer  # not the registry's answer: written as it is


def test_the_schema_describes_what_is_written() -> None:
    catalogue = Catalogue(responses={"X_Service": Payload(NODE, "X_Service.Response")})
    holder = etree.Element("holder", nsmap={"xsi": XSI, "p": PAYLOADS})
    answer = {"iin": "1", "paid": True, "items": [{"purpose": "A"}], "tags": [], "amount": 2}
    catalogue.write_response(holder, "X_Service", answer)
    (data,) = holder
    assert data.get(f"{{{XSI}}}type") == "p:X_Service.Response"
    # The payloads' XSD with one element of the type, to validate the written content against.
    document = etree.fromstring(catalogue.schema())
    etree.SubElement(document, f"{{{XS}}}element", name="data", type="p:X_Service.Response")
    schema = etree.XMLSchema(document)
    typed = etree.Element(f"{{{PAYLOADS}}}data")
    typed.extend(list(data))
    assert schema.validate(typed), schema.error_log
    typed.append(etree.Element("unknown"))
    assert not schema.validate(typed)


def test_a_service_without_a_schema_uses_the_untyped_mapping() -> None:
    catalogue = build_catalogue({}, {})
    assert catalogue.read_request("NEW_Service", _xml("<a>1</a><a>2</a><b><c>x</c></b>")) == {
        "a": ["1", "2"],
        "b": {"c": "x"},
    }
    assert isinstance(NODE, Record)
