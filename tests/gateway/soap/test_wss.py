"""WS-Security on the SOAP sync channel: signed requests checked against the test НУЦ, the
gateway's signature on its answers, and the sender that must sign.

Requests are signed with libxmlsec1 (python-xmlsec, as zeep's plugin signs), the gateway
checks them with signxml: two implementations that must agree. Every request and answer is
checked against the project's XSDs.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import yaml
import zeep
from lxml import etree

from egov.launcher import BusPlan
from gateway.passwords import hash_password
from gateway.settings import REGISTRY_FILE
from gateway.soap.wss import DS, WSSE
from gateway.soap.xml import SOAP_ENV
from servicekit.envelope import SUCCESS
from tests.gateway.soap.signing import KEYS, Persona, ZeepSignature, sign, verify_answer
from tests.gateway.soap.support import XML, SoapClient, assert_valid
from tests.gateway.soap.test_raw_sync import dotnet_request
from tests.harness import ADMIN, BACKENDS, bus_on

SIGNER, SIGNER_PASSWORD = "signing-system", "signing-system-secret"
"""A sender of this module's registry that must sign every SOAP call."""
GATEWAY_KEY = "shep_gateway.p12"
"""The gateway's own key (`python -m pki.generate --gateway`)."""
PERSON = Persona.load("dealer_manager.p12")
GATEWAY = Persona.load(GATEWAY_KEY)
GOST = "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34102001-gostr3411"


@pytest.fixture(scope="module", params=BACKENDS)
async def bus(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[BusPlan]:
    """The bus with a sender that must sign and a gateway that signs its answers, on SQLite
    and on PostgreSQL (the registry's new flag goes through each database)."""
    data_dir = tmp_path_factory.mktemp("wss")
    registry: dict[str, Any] = yaml.safe_load(REGISTRY_FILE.read_text(encoding="utf-8"))
    registry["senders"].append(
        {
            "senderId": SIGNER,
            "name": "A system that signs its calls",
            "passwordHash": hash_password(SIGNER_PASSWORD),
            "requireSignature": True,
        }
    )
    registry["access"].append({"sender": SIGNER, "services": ["*"]})
    path = data_dir / "registry.yaml"
    path.write_text(yaml.safe_dump(registry, allow_unicode=True), encoding="utf-8")
    extra = {"gateway": {"registry_file": str(path), "soap_signing_key": str(KEYS / GATEWAY_KEY)}}
    async with bus_on(request.param, data_dir, extra=extra) as plan:
        yield plan


def signer_call(sender: tuple[str, str] = (SIGNER, SIGNER_PASSWORD)) -> bytes:
    return (
        dotnet_request()
        .replace(b"<senderId>tester</senderId>", f"<senderId>{sender[0]}</senderId>".encode())
        .replace(
            b"<password>tester-secret</password>", f"<password>{sender[1]}</password>".encode()
        )
    )


async def post(
    client: httpx.AsyncClient, body: bytes, path: str = "/bip-sync/", **headers: str
) -> etree._Element:
    """POST a SOAP request (valid against the XSDs); the answer, checked against the XSDs and
    its gateway signature."""
    assert_valid(body)
    reply = await client.post(path, content=body, headers={**XML, **headers})
    assert reply.headers["content-type"] == "text/xml; charset=utf-8"
    answer = etree.fromstring(reply.content)
    assert_valid(answer)
    verify_answer(answer, GATEWAY.certificate)
    return answer


def fault_code(answer: etree._Element) -> str | None:
    return answer.findtext(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault/faultcode")


def status_code(answer: etree._Element) -> str | None:
    return answer.findtext(f"{{{SOAP_ENV}}}Body/*/response/responseInfo/status/code")


@pytest.mark.parametrize("key_reference", ["token", "certificate", "issuer-serial", "ski"])
async def test_a_signed_request_succeeds_and_the_answer_is_signed(
    client: httpx.AsyncClient, key_reference: Any
) -> None:
    """Hand-written, .NET style, signed with a persona's key; the key named each way
    integrators name it. The gateway's answer carries its own signature (checked above)."""
    answer = await post(client, sign(signer_call(), PERSON, key_reference))
    assert status_code(answer) == SUCCESS
    assert answer.find(f"{{{SOAP_ENV}}}Header/{{{WSSE}}}Security/{{{DS}}}Signature") is not None


async def test_the_wss_path_of_integrators_answers_too(client: httpx.AsyncClient) -> None:
    answer = await post(client, sign(signer_call(), PERSON), "/shep/bip-sync-wss-gost/")
    assert status_code(answer) == SUCCESS


async def test_a_sender_that_must_sign_is_refused_unsigned(client: httpx.AsyncClient) -> None:
    reply = await client.post("/bip-sync/", content=signer_call(), headers=XML)
    assert reply.status_code == 500
    assert reply.headers["x-egov-status"] == "401"
    answer = etree.fromstring(reply.content)
    assert_valid(answer)
    verify_answer(answer, GATEWAY.certificate)  # faults are signed as well
    assert fault_code(answer) == "WSS_SIGNATURE_REQUIRED"


async def test_the_admin_api_makes_a_sender_sign(client: httpx.AsyncClient) -> None:
    sender = {"password": "admin-made-secret", "requireSignature": True}
    put = await client.put("/admin/senders/admin-signer", json=sender, headers=ADMIN)
    assert (put.status_code, put.json()["requireSignature"]) == (200, True)
    granted = await client.put(
        "/admin/access/admin-signer/GBDFL_UniversalServiceSync", headers=ADMIN
    )
    assert granted.status_code == 204
    call = signer_call(("admin-signer", "admin-made-secret"))
    assert fault_code(await post(client, call)) == "WSS_SIGNATURE_REQUIRED"
    assert status_code(await post(client, sign(call, PERSON))) == SUCCESS


async def test_an_unsigned_call_passes_when_the_sender_need_not_sign(
    client: httpx.AsyncClient,
) -> None:
    answer = await post(client, dotnet_request())
    assert status_code(answer) == SUCCESS


async def test_a_tampered_request_is_refused(client: httpx.AsyncClient) -> None:
    signed = sign(signer_call(), PERSON)
    tampered = signed.replace(b"<iin>900515310005</iin>", b"<iin>850308410371</iin>")
    assert tampered != signed
    assert fault_code(await post(client, tampered)) == "WSS_SIGNATURE_INVALID"


async def test_a_wrong_signature_of_a_sender_that_need_not_sign_is_still_refused(
    client: httpx.AsyncClient,
) -> None:
    signed = sign(dotnet_request(), PERSON)
    tampered = signed.replace(b"<value>wcf</value>", b"<value>php</value>")
    assert fault_code(await post(client, tampered)) == "WSS_SIGNATURE_INVALID"


@pytest.mark.parametrize(
    ("key", "code"),
    [
        ("signer_expired.p12", "WSS_CERT_EXPIRED"),
        ("signer_revoked.p12", "WSS_CERT_REVOKED"),
        ("signer_unknown_ca.p12", "WSS_CERT_UNTRUSTED"),
    ],
)
async def test_a_certificate_that_is_not_good_is_refused(
    client: httpx.AsyncClient, key: str, code: str
) -> None:
    answer = await post(client, sign(signer_call(), Persona.load(key)))
    assert fault_code(answer) == code


async def test_a_key_identifier_unknown_to_nuc_is_refused(client: httpx.AsyncClient) -> None:
    """The rogue root's certificate named only by its SKI: НУЦ has no such certificate."""
    answer = await post(client, sign(signer_call(), Persona.load("signer_unknown_ca.p12"), "ski"))
    assert fault_code(answer) == "WSS_KEY_UNKNOWN"


def _broken(how: str) -> bytes:
    """A signed call whose signature is damaged the way `how` says."""
    root = etree.fromstring(sign(signer_call(), PERSON))
    ns = {"ds": DS, "wsse": WSSE}
    if how == "token-not-base64":
        token = root.find(".//wsse:BinarySecurityToken", ns)
        assert token is not None
        token.text = "not base64 at all!"
    elif how == "no-key-info":
        key_info = root.find(".//ds:KeyInfo", ns)
        assert key_info is not None
        key_info.getparent().remove(key_info)  # type: ignore[union-attr]
    elif how == "unknown-transform":
        transform = root.find(".//ds:Transform", ns)
        assert transform is not None
        transform.set("Algorithm", "urn:example:no-such-transform")
    else:
        value = root.find(".//ds:SignatureValue", ns)
        assert value is not None
        value.text = "AAAA"
    return etree.tostring(root)


@pytest.mark.parametrize(
    ("how", "code"),
    [
        ("token-not-base64", "WSS_KEY_UNKNOWN"),
        ("no-key-info", "WSS_KEY_UNKNOWN"),
        ("unknown-transform", "WSS_SIGNATURE_INVALID"),
        ("short-signature-value", "WSS_SIGNATURE_INVALID"),
    ],
)
async def test_a_broken_signature_is_a_fault_never_a_server_error(
    client: httpx.AsyncClient, how: str, code: str
) -> None:
    assert fault_code(await post(client, _broken(how))) == code


async def test_gost_is_refused_by_name(client: httpx.AsyncClient) -> None:
    signed = sign(signer_call(), PERSON).replace(
        b"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", GOST.encode()
    )
    answer = await post(client, signed, "/shep/bip-sync-wss-gost/")
    assert fault_code(answer) == "WSS_ALGORITHM_UNSUPPORTED"


async def test_a_signature_that_does_not_cover_the_body_is_refused(
    client: httpx.AsyncClient,
) -> None:
    """A signature that holds, over a wsu:Timestamp only: the Body is not what it signs."""
    answer = await post(client, sign(signer_call(), PERSON, body=False))
    assert fault_code(answer) == "WSS_BODY_NOT_SIGNED", fault_code(answer)


async def test_nuc_unavailable_is_unavailable_not_invalid(client: httpx.AsyncClient) -> None:
    """НУЦ fails to answer the certificate's status (a fault rule on PKI_CertificateStatus):
    the call is refused as "try again", and the gateway's status call is in the journal."""
    run = {"X-Test-Run-Id": "wss-nuc-down"}
    rule = {
        "kind": "error",
        "serviceId": "PKI_CertificateStatus",
        "errorCode": "PROVIDER_UNAVAILABLE",
        "status": 503,
    }
    added = await client.post("/admin/faults", json=rule, headers={**ADMIN, **run})
    assert added.status_code == 201, added.text
    reply = await client.post(
        "/bip-sync/", content=sign(signer_call(), PERSON), headers={**XML, **run}
    )
    assert reply.headers["x-egov-status"] == "503"
    answer = etree.fromstring(reply.content)
    assert_valid(answer)
    assert fault_code(answer) == "WSS_NUC_UNAVAILABLE"
    journal = (await client.get("/admin/journal", headers={**ADMIN, **run})).json()
    codes = {(entry["serviceId"], entry["code"]) for entry in journal}
    assert ("PKI_CertificateStatus", "PROVIDER_UNAVAILABLE") in codes
    assert ("GBDFL_UniversalServiceSync", "WSS_NUC_UNAVAILABLE") in codes


@pytest.mark.parametrize("binary", [True, False], ids=["BinarySecurityToken", "X509Data"])
async def test_zeep_with_its_ws_security_plugin(bus: BusPlan, binary: bool) -> None:
    """zeep loads the WSDL, signs with its own plugin and checks the gateway's signed answer."""
    client = await SoapClient.load(bus.url("gateway"))
    client.zeep.wsse = ZeepSignature(PERSON, GATEWAY.certificate, binary=binary)
    answer = await client.send(
        "GBDFL_UniversalServiceSync", {"iin": "900515310005"}, sender=(SIGNER, SIGNER_PASSWORD)
    )
    assert answer.responseInfo.status.code == SUCCESS
    assert answer.responseData.data.persons.person[0].iin == "900515310005"
    assert client.validating.checked == 2


async def test_zeep_sees_a_refusal_as_its_fault(bus: BusPlan) -> None:
    client = await SoapClient.load(bus.url("gateway"))
    client.zeep.wsse = ZeepSignature(
        Persona.load("signer_revoked.p12"), GATEWAY.certificate, binary=True
    )
    with pytest.raises(zeep.exceptions.Fault) as raised:
        await client.send(
            "GBDFL_UniversalServiceSync", {"iin": "900515310005"}, sender=(SIGNER, SIGNER_PASSWORD)
        )
    assert raised.value.code == "WSS_CERT_REVOKED"


async def test_the_signed_wsdl_client_and_raw_calls_run_concurrently(
    client: httpx.AsyncClient,
) -> None:
    """Checks share the НУЦ's CA certificates and resolved keys: concurrent calls agree."""
    bodies = [sign(signer_call(), PERSON, ref) for ref in ("token", "ski", "issuer-serial")] * 3
    answers = await asyncio.gather(*(post(client, body) for body in bodies))
    assert {status_code(a) for a in answers} == {SUCCESS}
