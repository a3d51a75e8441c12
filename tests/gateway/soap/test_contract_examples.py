"""The SOAP examples of contracts/soap/examples/ are messages the gateway accepts and sends:
valid against the XSDs, the signed ones verifiable by another implementation, and a fault for
every WS-Security code."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from contracts import ROOT
from contracts.examples import examples
from gateway.soap import envelope, wss
from gateway.soap.payloads import default_catalogue
from gateway.soap.xml import SOAP_ENV
from servicekit.envelope import SyncRequest
from servicekit.messages import known_codes
from tests.gateway.soap.signing import Persona, verify_answer
from tests.gateway.soap.support import assert_valid

EXAMPLES = ROOT / "soap" / "examples" / "sync"
ALL = sorted(EXAMPLES.glob("*.xml"))


@pytest.mark.parametrize("path", ALL, ids=lambda p: Path(p).name)
def test_every_example_is_valid_against_the_xsds(path: Path) -> None:
    assert_valid(path.read_bytes())


def test_the_example_request_reads_as_the_json_example() -> None:
    read = envelope.read_request(
        (EXAMPLES / "SendMessage-request.xml").read_bytes(), default_catalogue()
    )
    expected = SyncRequest.model_validate(examples()["sync/request.json"])
    assert SyncRequest.model_validate(read.document) == expected


def test_the_signed_examples_verify() -> None:
    request = etree.fromstring((EXAMPLES / "SendMessage-request-signed.xml").read_bytes())
    signed = wss.find(request)
    assert signed is not None
    assert signed.key.certificate == Persona.load("dealer_manager.p12").certificate
    wss.check(signed, signed.key.certificate)
    response = (EXAMPLES / "SendMessage-response-signed.xml").read_bytes()
    verify_answer(response, Persona.load("shep_gateway.p12").certificate)


def test_every_signature_refusal_has_an_example() -> None:
    shown = {
        etree.fromstring(path.read_bytes()).findtext(
            f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault/faultcode"
        )
        for path in ALL
    }
    assert {code for code in known_codes() if code.startswith("WSS_")} <= shown
