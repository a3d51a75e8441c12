"""What the journal and the message log keep of a body (`servicekit.redaction`), rule by rule; the
whole path through the bus is in tests/reliability/test_gateway_exposure.py."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import orjson

from servicekit.redaction import redact

IIN, MASKED_IIN = "900515310005", "90051*****05"


def _kept(document: Any, *, clear_text: bool = False) -> Any:
    return orjson.loads(redact(orjson.dumps(document), clear_text=clear_text))


def _digest(raw: bytes) -> dict[str, Any]:
    return {"sha256": hashlib.sha256(raw).hexdigest(), "bytes": len(raw)}


def test_a_password_goes_whatever_the_setting_and_the_shape_of_the_body() -> None:
    sender = {"sender": {"senderId": "tester", "password": "tester-secret"}}
    for clear_text in (False, True):
        assert _kept(sender, clear_text=clear_text)["sender"]["password"] == "***"
        raw = redact(b'<x>{"Password" : "tester-secret"}</x>', clear_text=clear_text)
        assert b"tester-secret" not in raw


def test_a_password_element_of_xml_goes_whatever_the_setting() -> None:
    """A SOAP envelope the gateway could not read is kept as it came, less its password."""
    envelope = (
        b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><sender>'
        b"<senderId>tester</senderId><Password>tester-secret</Password>"
        b"<x:password xmlns:x='urn:x'>other-secret</x:password><passwordHash>kept</passwordHash>"
        b"<iin>900515310005</iin></sender></s:Body></s:Envelope>"
    )
    for clear_text in (False, True):
        kept = redact(envelope, clear_text=clear_text)
        assert b"tester-secret" not in kept
        assert b"other-secret" not in kept
        assert b"<Password>***</Password>" in kept
        assert b"<passwordHash>kept</passwordHash>" in kept
        assert (b"900515310005" in kept) == clear_text


def test_a_password_in_any_case_or_type_or_place_goes() -> None:
    for body in (
        {"PASSWORD": "tester-secret"},
        {"senderPassword": 1234567},
        {"password": ["tester-secret"]},
        {"note": "the password is", "password": "tester-secret"},
    ):
        kept = redact(orjson.dumps(body))
        assert b"tester-secret" not in kept
        assert b"1234567" not in kept


def test_a_body_with_nothing_to_hide_is_kept_byte_for_byte() -> None:
    raw = b'{ "serviceId" : "EPTS_PassportByVin",  "vin": "XTA21099043456789" }'
    assert redact(raw) == raw
    assert redact(raw, clear_text=True) == raw


def test_identifiers_are_masked_in_text_keys_and_numbers() -> None:
    kept = _kept({"iin": IIN, "byIin": {IIN: "x"}, "number": int(IIN), "note": f"ИИН {IIN}"})
    assert kept == {
        "iin": MASKED_IIN,
        "byIin": {MASKED_IIN: "x"},
        "number": MASKED_IIN,
        "note": f"ИИН {MASKED_IIN}",
    }


def test_a_persons_name_and_phone_are_masked_an_organisations_name_is_not() -> None:
    kept = _kept(
        {
            "buyer": {"iin": IIN, "name": "Серикбаев Нурлан"},
            "seller": {"bin": "050140000656", "name": "ТОО «Астана Моторс»"},
            "person": {
                "lastName": "Ли",
                "firstName": "Анна-Мария",
                "mobilePhone": "+7 701 234 56 01",
            },
        }
    )
    assert kept["buyer"]["name"] == "С*******в Н****н"
    assert kept["seller"]["name"] == "ТОО «Астана Моторс»"
    assert kept["person"] == {
        "lastName": "Л*",
        "firstName": "А**а-М***я",
        "mobilePhone": "+7 701 *** ** 01",
    }


def test_photos_and_documents_become_digests_identifiers_and_words_do_not() -> None:
    photo = b"\xff\xd8\xff" + bytes(range(256))
    short_document = IIN.encode()  # base64 of 16 characters, hiding an ИИН
    url_safe = bytes(range(200, 256)) * 2
    kept = _kept(
        {
            "photo": f"data:image/jpeg;base64,{base64.b64encode(photo).decode()}",
            "short": base64.b64encode(short_document).decode(),
            "urlSafe": base64.urlsafe_b64encode(url_safe).decode(),
            "serviceId": "EPTS_VehiclePassport",
            "digest": hashlib.sha256(b"x").hexdigest(),
            "word": "Abcdefghijklmnop",
        }
    )
    assert kept == {
        "photo": _digest(photo),
        "short": _digest(short_document),
        "urlSafe": _digest(url_safe),
        "serviceId": "EPTS_VehiclePassport",
        "digest": hashlib.sha256(b"x").hexdigest(),
        "word": "Abcdefghijklmnop",
    }


def test_clear_text_keeps_everything_but_the_password() -> None:
    document = {"iin": IIN, "lastName": "Серикбаев", "photo": base64.b64encode(b"x" * 64).decode()}
    assert _kept({**document, "password": "p"}, clear_text=True) == {**document, "password": "***"}


def test_a_body_nested_deeper_than_python_recurses_is_still_redacted() -> None:
    raw = b'{"password":"tester-secret","a":' + b"[" * 1000 + IIN.encode() + b"]" * 1000 + b"}"
    kept = redact(raw)
    assert b"tester-secret" not in kept
    assert IIN.encode() not in kept
    assert MASKED_IIN.encode() in kept
