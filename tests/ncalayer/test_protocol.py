"""NCALayer's WebSocket protocol as the emulator answers it, method by method, with a Python
client; every signature it makes is checked by `pki` on a running bus (CMS) or by signxml
(XMLDSig: `pki` checks no XML signatures)."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree
from signxml.verifier import SignatureConfiguration, XMLVerifier

from egov.launcher import BusPlan
from servicekit.http_clients import async_client
from servicekit.signatures import read_cms
from tests.harness import ADMIN
from tests.ncalayer.conftest import SEED, NCALayer

BUYER_IIN = "900515310005"
DOCUMENT = "Договор купли-продажи: VIN XTA210990Y2765432".encode()
DOCUMENT_B64 = base64.b64encode(DOCUMENT).decode()
NOW = "2026-03-02T05:00:00Z"
ISSUING_PEM: str = SEED["authorities"]["issuing"]["certificate"]


async def verify(
    bus: BusPlan, cms_b64: str, data: bytes = DOCUMENT, **expected: Any
) -> dict[str, Any]:
    async with async_client(base_url=bus.url("pki"), timeout=10) as pki:
        reply = await pki.post(
            "/cms/verify",
            json={"cms": cms_b64, "data": base64.b64encode(data).decode(), **expected},
        )
    answer: dict[str, Any] = reply.raise_for_status().json()
    return answer


def unarmoured(pem: str) -> str:
    lines = pem.strip().splitlines()
    assert lines[0] == "-----BEGIN CMS-----"
    assert lines[-1] == "-----END CMS-----"
    return "".join(lines[1:-1])


@pytest.fixture
async def frozen_clock(bus: BusPlan) -> None:
    """The bus clock stands at NOW (tests/conftest.py sets it going after each test)."""
    async with async_client(base_url=bus.url("gateway"), timeout=10) as gateway:
        reply = await gateway.post("/admin/clock/freeze", json={"at": NOW}, headers=ADMIN)
        reply.raise_for_status()


async def test_connect_greets_with_the_version_and_is_not_kaztoken(layer: NCALayer) -> None:
    assert layer.greeting == {"result": {"version": "1.4"}}
    # The client's KAZTOKEN probe must fail, or it takes the emulator for KAZTOKEN.
    answer = await layer.call("kz.digiflow.mobile.extensions", "getVersion")
    assert answer["code"] != "200"


async def test_active_tokens_are_none_the_keys_are_files(layer: NCALayer) -> None:
    assert await layer.common("getActiveTokens") == {"responseObject": [], "code": "200"}


async def test_key_info_describes_the_personas_sign_key(layer: NCALayer) -> None:
    answer = await layer.common("getKeyInfo", "PKCS12")
    assert answer["code"] == "200"
    info = answer["responseObject"]
    certificate = x509.load_pem_x509_certificate(info["pem"].encode())
    assert f"SERIALNUMBER=IIN{BUYER_IIN}" in info["subjectDn"]
    assert info["serialNumber"] == format(certificate.serial_number, "x")
    assert info["algorithm"] == "RSA"
    assert info["issuerCn"] == "ҰКО 3.0 (RSA TEST emulator)"
    assert int(info["certNotBefore"]) == int(certificate.not_valid_before_utc.timestamp() * 1000)
    assert int(info["certNotAfter"]) > int(info["certNotBefore"])
    assert info["keyId"]
    assert info["authorityKeyIdentifier"]


@pytest.mark.parametrize(
    ("method", "args"),
    [
        ("getKeyInfo", [None]),
        ("getKeyInfo", [1]),
        ("createCAdESFromBase64", ["PKCS12", 123, DOCUMENT_B64, False]),
        ("createCAdESFromBase64Hash", ["PKCS12", "SIGNATURE"]),
        ("signXml", ["PKCS12", "SIGNATURE", 555, "", ""]),
        ("changeLocale", [2]),
    ],
)
async def test_arguments_of_the_wrong_type_answer_as_java_reflection(
    layer: NCALayer, method: str, args: list[Any]
) -> None:
    assert await layer.common(method, *args) == {
        "code": "500",
        "message": f"java.lang.IllegalArgumentException: argument type mismatch. Method: {method}",
    }


async def test_change_locale_answers_200_without_an_object(layer: NCALayer) -> None:
    assert await layer.common("changeLocale", "kk") == {"code": "200"}


@pytest.mark.parametrize("attach", [False, True], ids=["detached", "attached"])
@pytest.mark.usefixtures("frozen_clock")
async def test_cades_from_base64_verifies_in_pki_at_the_bus_clock(
    layer: NCALayer, bus: BusPlan, attach: bool
) -> None:
    answer = await layer.common(
        "createCAdESFromBase64", "PKCS12", "SIGNATURE", DOCUMENT_B64, attach
    )
    assert answer["code"] == "200"
    verdict = await verify(bus, answer["responseObject"], expectedIin=BUYER_IIN)
    assert verdict["valid"], verdict
    (signer,) = verdict["signers"]
    assert signer["signingTime"] == NOW
    assert signer["certificate"]["keyUsage"] == "SIGN"


async def test_attached_cms_carries_the_document(layer: NCALayer) -> None:
    answer = await layer.common("createCAdESFromBase64", "PKCS12", "SIGNATURE", DOCUMENT_B64, True)
    (signer,) = read_cms(base64.b64decode(answer["responseObject"]))
    assert signer.content == DOCUMENT
    answer = await layer.common("createCAdESFromBase64", "PKCS12", "SIGNATURE", DOCUMENT_B64, False)
    (signer,) = read_cms(base64.b64decode(answer["responseObject"]))
    assert signer.content is None


async def test_authentication_signs_with_the_auth_key(layer: NCALayer, bus: BusPlan) -> None:
    answer = await layer.common(
        "createCAdESFromBase64", "PKCS12", "AUTHENTICATION", DOCUMENT_B64, False
    )
    verdict = await verify(bus, answer["responseObject"], keyUsage="AUTH")
    assert verdict["valid"], verdict
    assert verdict["signers"][0]["certificate"]["keyUsage"] == "AUTH"
    # …which is no signature of a document.
    assert not (await verify(bus, answer["responseObject"]))["valid"]


async def test_cades_from_a_hash_verifies_against_the_document(
    layer: NCALayer, bus: BusPlan
) -> None:
    digest = base64.b64encode(hashlib.sha256(DOCUMENT).digest()).decode()
    answer = await layer.common("createCAdESFromBase64Hash", "PKCS12", "SIGNATURE", digest)
    assert answer["code"] == "200"
    assert (await verify(bus, answer["responseObject"], expectedIin=BUYER_IIN))["valid"]
    assert not (await verify(bus, answer["responseObject"], data=b"another document"))["valid"]


async def test_an_empty_hash_fails_without_a_message(layer: NCALayer) -> None:
    assert await layer.common("createCAdESFromBase64Hash", "PKCS12", "SIGNATURE", "") == {
        "code": "500"
    }


def _verify_xml(signed: str) -> etree._Element:
    """The XMLDSig checked with the certificate it carries, which must be the buyer's (the
    test root is in no store signxml would chain to)."""
    result = XMLVerifier().verify(
        signed.encode(),
        expect_config=SignatureConfiguration(require_x509=True),
        x509_cert=_embedded_certificate(signed),
    )
    assert not isinstance(result, list)
    assert result.signed_xml is not None
    signed_xml: etree._Element = result.signed_xml
    return signed_xml


def _embedded_certificate(signed: str) -> str:
    tree = etree.fromstring(signed.encode())
    text = tree.findtext(".//{http://www.w3.org/2000/09/xmldsig#}X509Certificate")
    assert text
    certificate = x509.load_der_x509_certificate(base64.b64decode(text))
    assert f"IIN{BUYER_IIN}" in certificate.subject.rfc4514_string()
    issuer = x509.load_pem_x509_certificate(ISSUING_PEM.encode())
    certificate.verify_directly_issued_by(issuer)
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


async def test_sign_xml_is_an_enveloped_xmldsig_that_verifies(layer: NCALayer) -> None:
    answer = await layer.common(
        "signXml", "PKCS12", "SIGNATURE", "<doc><vin>XTA210990Y2765432</vin></doc>", "", ""
    )
    assert answer["code"] == "200"
    signed: str = answer["responseObject"]
    assert signed.startswith('<?xml version="1.0" encoding="UTF-8" standalone="no"?><doc>')
    assert "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256" in signed
    assert "http://www.w3.org/2000/09/xmldsig#enveloped-signature" in signed
    assert _verify_xml(signed).findtext("vin") == "XTA210990Y2765432"
    tampered = signed.replace("XTA210990Y2765432", "XTA210990Y2765433")
    with pytest.raises(Exception, match="Digest mismatch"):
        _verify_xml(tampered)


async def test_sign_xml_puts_the_signature_where_asked(layer: NCALayer) -> None:
    answer = await layer.common(
        "signXml", "PKCS12", "SIGNATURE", "<doc><a>1</a><sig/></doc>", "", "/doc/sig"
    )
    signed = answer["responseObject"]
    assert "<sig><ds:Signature" in signed
    _verify_xml(signed)


async def test_sign_xmls_signs_each(layer: NCALayer) -> None:
    answer = await layer.common("signXmls", "PKCS12", "SIGNATURE", ["<a>1</a>", "<b>2</b>"], "", "")
    assert [_verify_xml(x).tag for x in answer["responseObject"]] == ["a", "b"]


async def test_invalid_xml_answers_the_parsers_error(layer: NCALayer) -> None:
    answer = await layer.common("signXml", "PKCS12", "SIGNATURE", "<this>is not", "", "")
    assert answer["code"] == "500"
    assert answer["message"].startswith("org.xml.sax.SAXParseException; lineNumber: 1;")


@pytest.mark.parametrize(
    ("params", "attached"),
    [
        ({"decode": True, "encapsulate": False, "digested": False, "tsaProfile": {}}, False),
        ({"decode": True, "encapsulate": True, "digested": False, "tsaProfile": {}}, True),
        ({"decode": True, "encapsulate": False, "digested": False}, False),
    ],
    ids=["detached", "attached", "detached-no-tsp"],
)
async def test_basics_cms_verifies_in_pki(
    layer: NCALayer, bus: BusPlan, params: dict[str, Any], attached: bool
) -> None:
    answer = await layer.basics(
        allowedStorages=None,
        format="cms",
        data=DOCUMENT_B64,
        signingParams=params,
        signerParams={"extKeyUsageOids": ["1.3.6.1.5.5.7.3.4"]},
        locale="ru",
    )
    assert answer["status"] is True
    cms = unarmoured(answer["body"]["result"])
    verdict = await verify(bus, cms, expectedIin=BUYER_IIN)
    assert verdict["valid"], verdict
    (signer,) = read_cms(base64.b64decode(cms))
    assert (signer.content is not None) is attached


async def test_basics_cms_over_a_hash(layer: NCALayer, bus: BusPlan) -> None:
    answer = await layer.basics(
        allowedStorages=["PKCS12"],
        format="cms",
        data=base64.b64encode(hashlib.sha256(DOCUMENT).digest()).decode(),
        signingParams={"decode": True, "encapsulate": False, "digested": True, "tsaProfile": {}},
        signerParams={"extKeyUsageOids": []},
        locale="ru",
    )
    assert (await verify(bus, unarmoured(answer["body"]["result"])))["valid"]


async def test_basics_signs_many_documents_and_auth_by_eku(layer: NCALayer, bus: BusPlan) -> None:
    answer = await layer.basics(
        allowedStorages=None,
        format="cms",
        data=[DOCUMENT_B64, DOCUMENT_B64],
        signingParams={"decode": True, "encapsulate": False, "digested": False},
        signerParams={"extKeyUsageOids": ["1.3.6.1.5.5.7.3.2", "1.2.398.3.3.4.1.1"]},
        locale="ru",
    )
    signatures = answer["body"]["result"]
    assert len(signatures) == 2
    for pem in signatures:
        assert (await verify(bus, unarmoured(pem), keyUsage="AUTH"))["valid"]


async def test_basics_xml_answers_a_list(layer: NCALayer) -> None:
    answer = await layer.basics(
        allowedStorages=["PKCS12"],
        format="xml",
        data="<tag>data</tag>",
        signingParams={},
        signerParams={"extKeyUsageOids": []},
        locale="ru",
    )
    (signed,) = answer["body"]["result"]
    assert _verify_xml(signed).tag == "tag"


async def test_basics_with_params_not_an_object_is_an_invocation_error(layer: NCALayer) -> None:
    answer = await layer.basics(
        allowedStorages=None,
        format="cms",
        data="MTEK",
        signingParams=555,
        signerParams={"extKeyUsageOids": []},
        locale="ru",
    )
    assert answer == {
        "code": "INVOCATION_ERROR",
        "details": 'org.json.JSONException: JSONObject["signingParams"] is not a JSONObject.',
        "message": "An invoked method threw an exception.",
        "status": False,
    }


async def test_basics_offers_no_file_key_when_only_hardware_is_allowed(layer: NCALayer) -> None:
    answer = await layer.basics(
        allowedStorages=["AKKaztokenStore", "AKKZIDCardStore"],
        format="cms",
        data=DOCUMENT_B64,
        signingParams={},
        signerParams={"extKeyUsageOids": []},
        locale="ru",
    )
    assert answer == {"body": {}, "status": True}


async def test_user_cancelled(layer: NCALayer, ncalayer: httpx.AsyncClient) -> None:
    reply = await ncalayer.put("/persona", json={"persona": None})
    assert reply.json() == {"persona": None, "passwordGiven": False}
    assert await layer.common("getKeyInfo", "PKCS12") == {
        "code": "500",
        "message": "action.canceled",
    }
    args = ("PKCS12", "SIGNATURE", DOCUMENT_B64, False)
    assert (await layer.common("createCAdESFromBase64", *args))["message"] == "action.canceled"
    # The basics module says so with an empty body: the client's `canceledByUser`.
    answer = await layer.basics(
        allowedStorages=None,
        format="cms",
        data=DOCUMENT_B64,
        signingParams={},
        signerParams={"extKeyUsageOids": []},
        locale="ru",
    )
    assert answer == {"body": {}, "status": True}


async def test_wrong_password(layer: NCALayer, ncalayer: httpx.AsyncClient) -> None:
    reply = await ncalayer.put("/persona", json={"persona": "buyer", "password": "qwerty"})
    assert reply.json() == {"persona": "buyer", "passwordGiven": True}
    args = ("PKCS12", "SIGNATURE", DOCUMENT_B64, False)
    assert await layer.common("createCAdESFromBase64", *args) == {
        "code": "500",
        "message": "java.io.IOException: keystore password was incorrect",
    }
    answer = await layer.basics(
        allowedStorages=None,
        format="cms",
        data=DOCUMENT_B64,
        signingParams={},
        signerParams={"extKeyUsageOids": []},
        locale="ru",
    )
    assert answer["status"] is False
    assert answer["details"] == "java.io.IOException: keystore password was incorrect"


async def test_wrong_key_type(layer: NCALayer, ncalayer: httpx.AsyncClient) -> None:
    # signer_expired has a SIGN key only.
    (await ncalayer.put("/persona", json={"persona": "signer_expired"})).raise_for_status()
    args = ("PKCS12", "AUTHENTICATION", DOCUMENT_B64, False)
    answer = await layer.common("createCAdESFromBase64", *args)
    assert answer["code"] == "500"
    assert answer["message"].startswith("No key in the storage fits the request")
    # An individual's key is no legal entity's (the client's basicsSignerSignOrg).
    (await ncalayer.put("/persona", json={"persona": "buyer"})).raise_for_status()
    answer = await layer.basics(
        allowedStorages=None,
        format="cms",
        data=DOCUMENT_B64,
        signingParams={},
        signerParams={"extKeyUsageOids": ["1.3.6.1.5.5.7.3.4", "1.2.398.3.3.4.1.2"]},
        locale="ru",
    )
    assert answer["status"] is False
    assert answer["details"].startswith("No key in the storage fits the request")


async def test_the_chosen_persona_signs(
    layer: NCALayer, ncalayer: httpx.AsyncClient, bus: BusPlan
) -> None:
    (await ncalayer.put("/persona", json={"persona": "dealer_director"})).raise_for_status()
    args = ("PKCS12", "SIGNATURE", DOCUMENT_B64, False)
    answer = await layer.common("createCAdESFromBase64", *args)
    verdict = await verify(
        bus, answer["responseObject"], expectedIin="751005413707", expectedBin="150440012354"
    )
    assert verdict["valid"], verdict


async def test_an_unknown_persona_is_refused(ncalayer: httpx.AsyncClient) -> None:
    reply = await ncalayer.put("/persona", json={"persona": "nobody"})
    assert reply.status_code == 404
    assert reply.json()["code"] == "PERSONA_KEY_NOT_FOUND"


async def test_the_chooser_page_has_a_button_per_persona(ncalayer: httpx.AsyncClient) -> None:
    page = (await ncalayer.get("/")).text
    personas = (await ncalayer.get("/personas")).json()
    assert len(personas) >= 20
    for card in personas:
        assert f"data-persona='{card['persona']}'" in page
    buyer = next(c for c in personas if c["persona"] == "buyer")
    assert buyer["iin"] == BUYER_IIN
    assert buyer["keyUsages"] == ["SIGN", "AUTH"]
    # Nothing from elsewhere: no CDN, no script but its own.
    assert "<script src" not in page
    assert "http" not in page.split("<body>")[1].split("wss://")[0]
