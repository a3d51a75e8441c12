"""НУЦ (pki): detached CMS checks through the real gateway (`PKI_VerifyCms`, rules V9/V18/G4),
OCSP and CRL straight from the service, the admin API, and the committed persona keys.

One bus per module on SQLite; one smoke run of the whole path on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from asn1crypto import cms, tsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID

from egov.launcher import BusPlan
from pki.generate import KEYS_DIR
from pki.issuance import P12_PASSWORD, own_private_key
from pki.seed import load_seed, seeded_certificates
from servicekit.clock import bus_clock
from servicekit.documents import b64
from servicekit.envelope import SUCCESS
from servicekit.http_clients import async_client
from servicekit.messages import texts_for
from servicekit.signatures import (
    SIGNATURE_TIMESTAMP,
    TimeStampResp,
    TimestampTransport,
    sign_detached,
    timestamp_over_http,
    timestamp_query,
)
from tests.backends import fresh_postgres
from tests.fixtures.buses import bus_fixture
from tests.harness import ADMIN, envelope, running_bus, send

VERIFY = "PKI_VerifyCms"
DOCUMENT = "Заявление на регистрацию ТС, VIN MXAJC4111TK100201".encode()
BUYER_IIN, BUYER_2_IIN = "900515310005", "850308410371"
DEALER_BIN, OTHER_BIN = "150440012354", "181140073105"
DEALER_MANAGER_IIN = "910814314075"
CODES = (
    "CMS_MALFORMED",
    "SIGNATURE_INVALID",
    "CERT_EXPIRED",
    "CERT_NOT_YET_VALID",
    "CERT_REVOKED",
    "CERT_UNKNOWN_CA",
    "CERT_WRONG_KEY_USAGE",
    "IIN_MISMATCH",
    "BIN_MISMATCH",
    "CMS_CONTENT_MISMATCH",
    "TIMESTAMP_INVALID",
)


def p12(name: str) -> bytes:
    return (KEYS_DIR / f"{name}.p12").read_bytes()


def signed(name: str, document: bytes = DOCUMENT, **kwargs: Any) -> dict[str, Any]:
    """A PKI_VerifyCms request: the persona's detached CMS over `document`."""
    return {
        "cms": b64(sign_detached(p12(name), P12_PASSWORD, document, **kwargs)),
        "data": b64(document),
    }


bus = bus_fixture("sqlite", scope="module")


async def check(
    client: httpx.AsyncClient, bus: BusPlan, data: dict[str, Any], service: str = VERIFY
) -> dict[str, Any]:
    reply = await send(client, bus, envelope(service, data))
    assert reply.status_code == 200, reply.text
    assert reply.json()["responseInfo"]["status"]["code"] == SUCCESS
    answer: dict[str, Any] = reply.json()["responseData"]["data"]
    return answer


def codes(answer: dict[str, Any]) -> list[str]:
    return [p["code"] for signer in answer["signers"] for p in signer["problems"]]


async def test_v18_valid_signature_of_an_individual(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    answer = await check(client, bus, {**signed("buyer"), "expectedIin": BUYER_IIN})
    assert answer["valid"] is True
    (signer,) = answer["signers"]
    assert (signer["valid"], signer["problems"]) == (True, [])
    certificate = signer["certificate"]
    assert certificate["keyUsage"] == "SIGN"
    assert certificate["keyUser"] == ["1.2.398.3.3.4.1.1"]
    assert certificate["signAlg"] == "SHA256withRSA"
    subject = certificate["subject"]
    assert (subject["iin"], subject["bin"], subject["country"]) == (BUYER_IIN, None, "KZ")
    assert (subject["commonName"], subject["surName"], subject["givenName"]) == (
        "СЕРИКБАЕВ НУРЛАН",
        "СЕРИКБАЕВ",
        "МАРАТОВИЧ",
    )
    assert "SERIALNUMBER=IIN900515310005" in subject["dn"]
    assert certificate["issuer"]["commonName"] == "ҰКО 3.0 (RSA TEST emulator)"
    assert {(r["by"], r["revoked"]) for r in signer["revocations"]} == {
        ("OCSP", False),
        ("CRL", False),
    }


async def test_v9_valid_signature_of_a_dealer_employee(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    request = {
        **signed("dealer_manager"),
        "expectedIin": DEALER_MANAGER_IIN,
        "expectedBin": DEALER_BIN,
    }
    answer = await check(client, bus, request)
    assert answer["valid"] is True
    certificate = answer["signers"][0]["certificate"]
    assert certificate["subject"]["bin"] == DEALER_BIN
    assert certificate["subject"]["organization"] == "ТОО «Астана Моторс Алматы»"
    assert certificate["keyUser"] == [
        "1.2.398.3.3.4.1.2",
        "1.2.398.3.3.4.1.2.2",
        "1.2.398.3.3.4.1.2.5",
    ]


def by_openssl(name: str, *options: pkcs7.PKCS7Options) -> bytes:
    """The persona's CMS over DOCUMENT made by cryptography's PKCS7 builder (OpenSSL)."""
    key, certificate, _ = pkcs12.load_key_and_certificates(p12(name), P12_PASSWORD.encode())
    assert isinstance(key, rsa.RSAPrivateKey)
    assert certificate is not None
    return (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(DOCUMENT)
        .add_signer(certificate, key, hashes.SHA256())
        .sign(serialization.Encoding.DER, list(options))
    )


async def test_a_cms_made_by_openssl_is_checked_too(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    """Not only our own helper's output: cryptography's PKCS7 builder (OpenSSL) signs here."""
    detached = by_openssl("buyer_2", pkcs7.PKCS7Options.DetachedSignature)
    answer = await check(
        client, bus, {"cms": b64(detached), "data": b64(DOCUMENT), "expectedIin": BUYER_2_IIN}
    )
    assert answer["valid"] is True, answer


async def test_tampered_document_is_signature_invalid(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    request = {**signed("buyer"), "data": b64(DOCUMENT + b" (changed)")}
    answer = await check(client, bus, request)
    assert answer["valid"] is False
    assert codes(answer) == ["SIGNATURE_INVALID"]


async def test_expired_certificate(bus: BusPlan, client: httpx.AsyncClient) -> None:
    answer = await check(client, bus, {**signed("signer_expired"), "expectedIin": BUYER_IIN})
    assert (answer["valid"], codes(answer)) == (False, ["CERT_EXPIRED"])


async def test_not_yet_valid_when_the_bus_clock_stands_before_not_before(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    frozen = await client.post(
        f"{bus.url('gateway')}/admin/clock/freeze",
        json={"at": "2024-06-01T10:00:00+05:00"},
        headers=ADMIN,
    )
    assert frozen.status_code == 200
    try:
        # The signer's NCALayer stamps the bus time, and so does the check without signingTime.
        answer = await check(client, bus, signed("buyer"))
    finally:
        await client.post(f"{bus.url('gateway')}/admin/clock/reset", headers=ADMIN)
    assert (answer["valid"], codes(answer)) == (False, ["CERT_NOT_YET_VALID"])
    assert answer["signers"][0]["signingTime"].startswith("2024-06-01")


async def test_seeded_revoked_certificate(bus: BusPlan, client: httpx.AsyncClient) -> None:
    answer = await check(client, bus, signed("signer_revoked"))
    assert (answer["valid"], codes(answer)) == (False, ["CERT_REVOKED"])
    revocations = answer["signers"][0]["revocations"]
    assert {(r["by"], r["revoked"], r["reason"]) for r in revocations} == {
        ("OCSP", True, "keyCompromise"),
        ("CRL", True, "keyCompromise"),
    }
    assert set(answer["signers"][0]["problems"][0]["messages"]) == {"ru", "kk", "en"}


async def test_unknown_ca(bus: BusPlan, client: httpx.AsyncClient) -> None:
    answer = await check(client, bus, signed("signer_unknown_ca"))
    assert (answer["valid"], codes(answer)) == (False, ["CERT_UNKNOWN_CA"])
    # Revocation is not asked of a CA that did not issue the certificate.
    assert answer["signers"][0]["revocations"] == []


async def test_auth_certificate_used_for_signing(bus: BusPlan, client: httpx.AsyncClient) -> None:
    request = {
        "cms": b64(sign_detached(p12("buyer.auth"), P12_PASSWORD, DOCUMENT)),
        "data": b64(DOCUMENT),
    }
    answer = await check(client, bus, request)
    assert (answer["valid"], codes(answer)) == (False, ["CERT_WRONG_KEY_USAGE"])
    assert answer["signers"][0]["certificate"]["keyUsage"] == "AUTH"


async def test_g4_wrong_iin(bus: BusPlan, client: httpx.AsyncClient) -> None:
    answer = await check(client, bus, {**signed("buyer"), "expectedIin": BUYER_2_IIN})
    assert (answer["valid"], codes(answer)) == (False, ["IIN_MISMATCH"])
    assert BUYER_2_IIN in answer["signers"][0]["problems"][0]["messages"]["en"]


@pytest.mark.parametrize(("persona", "actual"), [("dealer_manager", DEALER_BIN), ("buyer", None)])
async def test_g4_wrong_bin(
    bus: BusPlan, client: httpx.AsyncClient, persona: str, actual: str | None
) -> None:
    answer = await check(client, bus, {**signed(persona), "expectedBin": OTHER_BIN})
    assert (answer["valid"], codes(answer)) == (False, ["BIN_MISMATCH"])
    assert answer["signers"][0]["certificate"]["subject"]["bin"] == actual


@pytest.mark.parametrize(
    ("data", "code", "field"),
    [
        ({"cms": "not base64!", "data": b64(DOCUMENT)}, "CMS_MALFORMED", "requestData.data.cms"),
        ({"cms": "", "data": b64(DOCUMENT)}, "CMS_MALFORMED", "requestData.data.cms"),
        (
            {"cms": b64(b"\x30\x03\x02\x01\x01"), "data": b64(DOCUMENT)},
            "CMS_MALFORMED",
            "requestData.data.cms",
        ),
        ({"cms": b64(DOCUMENT), "data": b64(DOCUMENT)}, "CMS_MALFORMED", "requestData.data.cms"),
        ({"data": b64(DOCUMENT)}, "FIELD_REQUIRED", "requestData.data.cms"),
        ("signed", "NOT_BASE64", "requestData.data.data"),
        ("signed", "IIN_CHECK_DIGIT", "requestData.data.expectedIin"),
    ],
)
async def test_malformed_input_is_a_4xx_naming_the_field(
    bus: BusPlan, client: httpx.AsyncClient, data: Any, code: str, field: str
) -> None:
    if data == "signed":
        data = signed("buyer")
        if code == "NOT_BASE64":
            data["data"] = "№ not base64"
        else:
            data["expectedIin"] = "900515310006"
    reply = await send(client, bus, envelope(VERIFY, data))
    assert reply.status_code == 422
    problem = reply.json()
    assert problem["errorInfo"]["subError"]["errorCode"] == code
    assert problem["field"] == field


async def test_rest_verify_answers_the_same(bus: BusPlan, client: httpx.AsyncClient) -> None:
    reply = await client.post(
        f"{bus.url('pki')}/cms/verify", json={**signed("buyer"), "expectedIin": BUYER_IIN}
    )
    assert reply.status_code == 200
    assert reply.json()["valid"] is True
    bad = await client.post(
        f"{bus.url('pki')}/cms/verify", json={"cms": "AAAA", "data": b64(DOCUMENT)}
    )
    assert bad.status_code == 422
    assert (bad.json()["code"], bad.json()["field"]) == ("CMS_MALFORMED", "cms")


def ocsp_request(certificate: x509.Certificate, issuer: x509.Certificate) -> bytes:
    return (
        ocsp.OCSPRequestBuilder()
        .add_certificate(certificate, issuer, hashes.SHA1())
        .build()
        .public_bytes(serialization.Encoding.DER)
    )


async def ask_ocsp(
    client: httpx.AsyncClient, bus: BusPlan, certificate: x509.Certificate, issuer: x509.Certificate
) -> ocsp.OCSPResponse:
    reply = await client.post(
        f"{bus.url('pki')}/ocsp",
        content=ocsp_request(certificate, issuer),
        headers={"content-type": "application/ocsp-request"},
    )
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "application/ocsp-response"
    response = ocsp.load_der_ocsp_response(reply.content)
    assert response.response_status is ocsp.OCSPResponseStatus.SUCCESSFUL
    # Signed by the issuing CA itself (the responder id is its key hash).
    public_key = issuer.public_key()
    assert isinstance(public_key, rsa.RSAPublicKey)
    assert response.signature_hash_algorithm is not None
    public_key.verify(
        response.signature,
        response.tbs_response_bytes,
        padding.PKCS1v15(),
        response.signature_hash_algorithm,
    )
    return response


async def fetch_crl(client: httpx.AsyncClient, bus: BusPlan) -> x509.CertificateRevocationList:
    reply = await client.get(f"{bus.url('pki')}/crl/issuing.crl")
    assert reply.status_code == 200
    return x509.load_der_x509_crl(reply.content)


async def issuing_ca(client: httpx.AsyncClient, bus: BusPlan) -> x509.Certificate:
    reply = await client.get(f"{bus.url('pki')}/ca/issuing.cer")
    return x509.load_der_x509_certificate(reply.content)


def certificate_of(name: str) -> x509.Certificate:
    _, certificate, _ = pkcs12.load_key_and_certificates(p12(name), P12_PASSWORD.encode())
    assert certificate is not None
    return certificate


async def test_ocsp_good_revoked_unknown(bus: BusPlan, client: httpx.AsyncClient) -> None:
    issuer = await issuing_ca(client, bus)
    good = await ask_ocsp(client, bus, certificate_of("buyer"), issuer)
    assert good.certificate_status is ocsp.OCSPCertStatus.GOOD
    assert good.serial_number == certificate_of("buyer").serial_number
    revoked = await ask_ocsp(client, bus, certificate_of("signer_revoked"), issuer)
    assert revoked.certificate_status is ocsp.OCSPCertStatus.REVOKED
    assert revoked.revocation_reason is x509.ReasonFlags.key_compromise
    # The rogue root's certificate: its CertID names an issuer this responder is not.
    unknown = await ask_ocsp(client, bus, certificate_of("signer_unknown_ca"), issuer)
    assert unknown.certificate_status is ocsp.OCSPCertStatus.UNKNOWN
    garbage = await client.post(f"{bus.url('pki')}/ocsp", content=b"not an OCSP request")
    assert (
        ocsp.load_der_ocsp_response(garbage.content).response_status
        is ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    )


async def test_crl_is_signed_by_the_issuing_ca_and_lists_the_revoked(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    issuer = await issuing_ca(client, bus)
    crl = await fetch_crl(client, bus)
    assert crl.issuer == issuer.subject
    public_key = issuer.public_key()
    assert isinstance(public_key, rsa.RSAPublicKey)
    assert crl.is_signature_valid(public_key)
    assert crl.next_update_utc is not None
    assert crl.last_update_utc <= bus_clock.now() < crl.next_update_utc
    assert crl.get_revoked_certificate_by_serial_number(
        certificate_of("signer_revoked").serial_number
    )
    assert (
        crl.get_revoked_certificate_by_serial_number(certificate_of("buyer").serial_number) is None
    )


async def test_issue_sign_revoke_then_ocsp_crl_and_verify_say_revoked(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    """The admin issues a key for an ИИН/БИН, it signs, the admin revokes it: every channel
    tells, and the CRL is re-signed with a higher number."""
    pki = bus.url("pki")
    issued = await client.post(
        f"{pki}/admin/certificates",
        json={
            "iin": "920417312598",
            "surname": "Исмаилов",
            "name": "Тимур",
            "patronymic": "Рашидович",
            "bin": "160340040318",
            "organization": "НАО «Государственная корпорация «Правительство для граждан»»",
            "roles": ["1.2.398.3.3.4.1.2.5"],
            "persona": "issued_in_test",
        },
        headers=ADMIN,
    )
    assert issued.status_code == 201, issued.text
    body = issued.json()
    serial = body["certificate"]["serialNumber"]
    assert (body["certificate"]["status"], body["certificate"]["bin"]) == ("VALID", "160340040318")
    new_p12 = base64.b64decode(body["pkcs12"])
    request = {
        "cms": b64(sign_detached(new_p12, body["password"], DOCUMENT)),
        "data": b64(DOCUMENT),
        "expectedBin": "160340040318",
    }
    assert (await check(client, bus, request))["valid"] is True
    before = await fetch_crl(client, bus)

    revoked = await client.post(
        f"{pki}/admin/certificates/{serial}/revoke",
        json={"reason": "affiliationChanged"},
        headers=ADMIN,
    )
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["status"] == "REVOKED"

    issuer = await issuing_ca(client, bus)
    _, certificate, _ = pkcs12.load_key_and_certificates(new_p12, body["password"].encode())
    assert certificate is not None
    answer = await ask_ocsp(client, bus, certificate, issuer)
    assert answer.certificate_status is ocsp.OCSPCertStatus.REVOKED
    assert answer.revocation_reason is x509.ReasonFlags.affiliation_changed
    after = await fetch_crl(client, bus)
    number = x509.CRLNumber
    assert after.extensions.get_extension_for_class(number).value.crl_number > (
        before.extensions.get_extension_for_class(number).value.crl_number
    )
    assert after.get_revoked_certificate_by_serial_number(certificate.serial_number) is not None
    verdict = await check(client, bus, request)
    assert (verdict["valid"], codes(verdict)) == (False, ["CERT_REVOKED"])

    again = await client.post(
        f"{pki}/admin/certificates/{serial}/revoke", json={"reason": "superseded"}, headers=ADMIN
    )
    assert (again.status_code, again.json()["code"]) == (409, "CERT_ALREADY_REVOKED")


async def test_admin_lists_and_gets_certificates(bus: BusPlan, client: httpx.AsyncClient) -> None:
    pki = bus.url("pki")
    listed = await client.get(f"{pki}/admin/certificates", params={"iin": BUYER_IIN}, headers=ADMIN)
    assert listed.status_code == 200
    statuses = {(c["persona"], c["keyUsage"], c["status"]) for c in listed.json()}
    assert {
        ("buyer", "SIGN", "VALID"),
        ("buyer", "AUTH", "VALID"),
        ("signer_expired", "SIGN", "EXPIRED"),
    } <= statuses
    serial = format(certificate_of("buyer").serial_number, "x")
    one = await client.get(f"{pki}/admin/certificates/{serial}", headers=ADMIN)
    assert one.json()["persona"] == "buyer"
    x509.load_pem_x509_certificate(one.json()["certificate"].encode())
    missing = await client.get(f"{pki}/admin/certificates/abc123", headers=ADMIN)
    assert (missing.status_code, missing.json()["code"]) == (404, "CERTIFICATE_NOT_FOUND")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/admin/certificates", None),
        ("GET", "/admin/certificates/abc", None),
        ("POST", "/admin/certificates/abc/revoke", {"reason": "keyCompromise"}),
        ("POST", "/admin/certificates", {"iin": BUYER_IIN, "surname": "А", "name": "Б"}),
    ],
)
async def test_admin_credential_is_required(
    bus: BusPlan, client: httpx.AsyncClient, method: str, path: str, body: Any
) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        reply = await client.request(method, f"{bus.url('pki')}{path}", json=body, headers=headers)
        assert (reply.status_code, reply.json()["code"]) == (401, "ADMIN_CREDENTIAL_REQUIRED")


def test_persona_files_open_with_the_documented_password_and_match_the_seed() -> None:
    seeded = {item["file"]: certificate for item, certificate in seeded_certificates()}
    root = x509.load_pem_x509_certificate(
        load_seed()["authorities"]["root"]["certificate"].encode()
    )
    files = sorted(KEYS_DIR.glob("*.p12"))
    assert len(files) == 48  # 22 persons × SIGN and AUTH, expired, revoked, unknown CA, gateway
    for path in files:
        key, certificate, chain = pkcs12.load_key_and_certificates(path.read_bytes(), b"Qwerty12")
        assert key is not None, path.name
        assert certificate is not None, path.name
        assert key.public_key() == certificate.public_key()
        if path.name == "signer_unknown_ca.p12":
            assert path.name not in seeded
            assert certificate.issuer != seeded["buyer.p12"].issuer
        else:
            assert seeded[path.name] == certificate, path.name
            assert chain[-1] == root
        with pytest.raises(ValueError, match="password"):
            pkcs12.load_key_and_certificates(path.read_bytes(), b"wrong")


def test_every_failure_code_has_three_distinct_texts() -> None:
    for code in CODES:
        texts = texts_for(code)
        assert texts is not texts_for("INVALID_VALUE"), code
        assert len({texts.ru, texts.kk, texts.en}) == 3, code
        assert all(len(t) > 15 for t in (texts.ru, texts.kk, texts.en)), code


def test_signing_time_is_the_bus_time_by_default() -> None:
    from servicekit.signatures import examine, read_cms

    bus_clock.freeze(datetime(2027, 3, 1, 12, 0, tzinfo=UTC))
    (signer,) = read_cms(sign_detached(p12("buyer"), P12_PASSWORD, DOCUMENT))
    assert examine(signer, DOCUMENT).signing_time == datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


async def test_postgres_smoke(tmp_path: Path) -> None:
    """The whole path once on PostgreSQL: seed, a valid check, a revoked one, the CRL."""
    async with (
        fresh_postgres() as base_url,
        running_bus(tmp_path, database_url=base_url) as plan,
        async_client(timeout=10) as client,
    ):
        valid = await check(client, plan, {**signed("dealer_director"), "expectedBin": DEALER_BIN})
        assert valid["valid"] is True
        revoked = await check(client, plan, signed("signer_revoked"))
        assert codes(revoked) == ["CERT_REVOKED"]
        crl = await fetch_crl(client, plan)
        assert len(list(crl)) == 1


# --- G4: when the certificate is judged, timestamps (CAdES-T), attached content -------------

EXPIRED_VALID_DAY = datetime(2023, 6, 1, 9, 0, tzinfo=UTC)
"""A day inside signer_expired's validity (2023-01-01 to 2024-01-01)."""


def tsa(bus: BusPlan) -> TimestampTransport:
    return timestamp_over_http(f"{bus.url('pki')}/tsp")


async def cades_t(bus: BusPlan, name: str, document: bytes = DOCUMENT) -> bytes:
    # The TSA answers on this test's event loop, and the transport blocks: sign in a thread.
    return await asyncio.to_thread(
        sign_detached, p12(name), P12_PASSWORD, document, timestamp=tsa(bus)
    )


async def test_g4_back_dated_signing_time_does_not_revive_an_expired_certificate(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    """The signer writes signingTime: an expired key claiming a day of its validity is judged
    at the time of the check all the same."""
    request = {**signed("signer_expired", signing_time=EXPIRED_VALID_DAY), "expectedIin": BUYER_IIN}
    answer = await check(client, bus, request)
    assert (answer["valid"], codes(answer)) == (False, ["CERT_EXPIRED"])
    (signer,) = answer["signers"]
    assert signer["signingTime"].startswith("2023-06-01")
    assert signer["judgedAt"] > "2024-01-01"
    assert signer["timestamp"] is None


async def test_g4_cades_t_made_while_valid_is_accepted_after_expiry(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    """A timestamp from НУЦ's TSA proves when the signature existed: made while the certificate
    was valid, it verifies after the clock has moved past the expiry; a plain CMS claiming the
    same moment does not."""
    bus_clock.freeze(EXPIRED_VALID_DAY)
    stamped = await cades_t(bus, "signer_expired")
    plain = sign_detached(p12("signer_expired"), P12_PASSWORD, DOCUMENT)
    bus_clock.freeze(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    answer = await check(
        client, bus, {"cms": b64(stamped), "data": b64(DOCUMENT), "expectedIin": BUYER_IIN}
    )
    assert (answer["valid"], codes(answer)) == (True, [])
    (signer,) = answer["signers"]
    assert signer["judgedAt"].startswith("2023-06-01T09:00:00")
    timestamp = signer["timestamp"]
    assert (timestamp["valid"], timestamp["genTime"][:19]) == (True, "2023-06-01T09:00:00")
    assert timestamp["tsa"] == "НУЦ РК TSA (RSA TEST emulator)"
    refused = await check(client, bus, {"cms": b64(plain), "data": b64(DOCUMENT)})
    assert (refused["valid"], codes(refused)) == (False, ["CERT_EXPIRED"])


async def test_g4_revoked_after_the_timestamp_still_verifies(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    pki = bus.url("pki")
    bus_clock.freeze(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    issued = await client.post(
        f"{pki}/admin/certificates",
        json={"iin": BUYER_2_IIN, "surname": "Жумабаева", "name": "Айгерим", "validDays": 30},
        headers=ADMIN,
    )
    assert issued.status_code == 201, issued.text
    key = base64.b64decode(issued.json()["pkcs12"])
    stamped = await asyncio.to_thread(
        sign_detached, key, P12_PASSWORD, DOCUMENT, timestamp=tsa(bus)
    )
    plain = sign_detached(key, P12_PASSWORD, DOCUMENT)
    bus_clock.advance(timedelta(days=1))
    serial = issued.json()["certificate"]["serialNumber"]
    revoked = await client.post(
        f"{pki}/admin/certificates/{serial}/revoke", json={"reason": "superseded"}, headers=ADMIN
    )
    assert revoked.status_code == 200, revoked.text
    answer = await check(client, bus, {"cms": b64(stamped), "data": b64(DOCUMENT)})
    assert (answer["valid"], codes(answer)) == (True, [])
    assert {r["revoked"] for r in answer["signers"][0]["revocations"]} == {True}
    refused = await check(client, bus, {"cms": b64(plain), "data": b64(DOCUMENT)})
    assert codes(refused) == ["CERT_REVOKED"]


def _with_unsigned(cms_der: bytes, attributes: list[cms.CMSAttribute]) -> bytes:
    content_info = cms.ContentInfo.load(cms_der)
    content_info["content"]["signer_infos"][0]["unsigned_attrs"] = cms.CMSAttributes(attributes)
    return bytes(content_info.dump())


def _token_of(cms_der: bytes) -> cms.ContentInfo:
    signer = cms.ContentInfo.load(cms_der)["content"]["signer_infos"][0]
    token: cms.ContentInfo = signer["unsigned_attrs"][0]["values"][0]
    return token


async def test_g4_a_timestamp_that_does_not_prove_anything_is_refused(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    """A token taken from another signature (its imprint is not this signature's), a token
    signed by a key that is not НУЦ's TSA, and bytes that are no token: TIMESTAMP_INVALID, and
    the certificate is judged at the time of the check."""
    bus_clock.freeze(EXPIRED_VALID_DAY)
    other = await cades_t(bus, "buyer", b"another document")
    plain = sign_detached(p12("signer_expired"), P12_PASSWORD, DOCUMENT)
    foreign = _token_of(other)
    # The buyer's SIGN key posing as a TSA: a well-formed token, but not from id-kp-timeStamping.
    key, certificate, _ = pkcs12.load_key_and_certificates(p12("buyer"), P12_PASSWORD.encode())
    assert isinstance(key, rsa.RSAPrivateKey)
    assert certificate is not None
    signer_info = cms.ContentInfo.load(plain)["content"]["signer_infos"][0]
    query = timestamp_query(signer_info["signature"].native, 7)
    tst = tsp.TSTInfo.load(foreign["content"]["encap_content_info"]["content"].contents)
    tst["message_imprint"] = query["message_imprint"]
    impostor = _sign_as_tsa(tst, key, certificate)
    bus_clock.freeze(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    for token in (foreign, impostor):
        forged = _with_unsigned(
            plain, [cms.CMSAttribute({"type": SIGNATURE_TIMESTAMP, "values": [token]})]
        )
        answer = await check(client, bus, {"cms": b64(forged), "data": b64(DOCUMENT)})
        assert sorted(codes(answer)) == ["CERT_EXPIRED", "TIMESTAMP_INVALID"]
        assert answer["signers"][0]["timestamp"]["valid"] is False
    junk = cms.ContentInfo({"content_type": "data", "content": b"not a token"})
    forged = _with_unsigned(
        plain, [cms.CMSAttribute({"type": SIGNATURE_TIMESTAMP, "values": [junk]})]
    )
    answer = await check(client, bus, {"cms": b64(forged), "data": b64(DOCUMENT)})
    assert sorted(codes(answer)) == ["CERT_EXPIRED", "TIMESTAMP_INVALID"]


def _sign_as_tsa(
    info: tsp.TSTInfo, key: rsa.RSAPrivateKey, certificate: x509.Certificate
) -> cms.ContentInfo:
    from pki.issuance import Authority
    from pki.tsp import sign_token

    return sign_token(Authority(certificate, key), info, include_certificate=True)


async def test_tsp_answers_rfc3161_and_refuses_what_it_cannot_serve(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    url = f"{bus.url('pki')}/tsp"
    query = timestamp_query(b"a signature value", 42)
    reply = await client.post(
        url, content=query.dump(), headers={"content-type": "application/timestamp-query"}
    )
    assert reply.headers["content-type"] == "application/timestamp-reply"
    answer = TimeStampResp.load(reply.content)
    assert answer["status"]["status"].native == "granted"
    token = answer["time_stamp_token"]
    info = tsp.TSTInfo.load(token["content"]["encap_content_info"]["content"].contents)
    assert (info["nonce"].native, info["message_imprint"].dump()) == (
        42,
        query["message_imprint"].dump(),
    )
    (tsa_certificate,) = token["content"]["certificates"]
    certificate = x509.load_der_x509_certificate(tsa_certificate.chosen.dump())
    usage = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert usage.critical
    assert list(usage.value) == [ExtendedKeyUsageOID.TIME_STAMPING]
    assert certificate.issuer == (await issuing_ca(client, bus)).subject

    short = tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {"hash_algorithm": {"algorithm": "sha256"}, "hashed_message": b"x"},
        }
    )
    policy = timestamp_query(b"sig", 1)
    policy["req_policy"] = "1.2.3.4"
    for body, fail in (
        (b"not a request", "bad_data_format"),
        (short.dump(), "bad_alg"),
        (policy.dump(), "unaccepted_policy"),
    ):
        refused = TimeStampResp.load((await client.post(url, content=body)).content)
        assert refused["status"]["status"].native == "rejection"
        assert refused["status"]["fail_info"].native == {fail}
        assert refused["time_stamp_token"].native is None


async def test_g4_attached_cms_must_carry_the_document_itself(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    """The signed attributes do not cover an attached content: a CMS whose messageDigest is
    this document's but that carries another application's document is refused; one that
    carries this very document is a signature like any other."""
    content_info = cms.ContentInfo.load(sign_detached(p12("buyer"), P12_PASSWORD, DOCUMENT))
    other = "Заявление на регистрацию ТС, VIN MXAJC4113TK100202".encode()
    content_info["content"]["encap_content_info"] = {"content_type": "data", "content": other}
    carrying_other = content_info.dump()
    answer = await check(client, bus, {"cms": b64(carrying_other), "data": b64(DOCUMENT)})
    assert (answer["valid"], codes(answer)) == (False, ["CMS_CONTENT_MISMATCH"])

    answer = await check(client, bus, {"cms": b64(by_openssl("buyer")), "data": b64(DOCUMENT)})
    assert (answer["valid"], codes(answer)) == (True, [])


async def test_tsp_through_shep_as_pki_timestamp(bus: BusPlan, client: httpx.AsyncClient) -> None:
    """A sender that reaches НУЦ only through ШЭП gets the same RFC 3161 messages, base64."""
    query = timestamp_query(b"a signature value", 9)
    answer = await check(client, bus, {"query": b64(query.dump())}, "PKI_Timestamp")
    assert answer["granted"] is True
    token = TimeStampResp.load(base64.b64decode(answer["reply"]))["time_stamp_token"]
    info = tsp.TSTInfo.load(token["content"]["encap_content_info"]["content"].contents)
    assert info["nonce"].native == 9
    refused = await check(client, bus, {"query": b64(b"not a request")}, "PKI_Timestamp")
    assert refused["granted"] is False
    reply = await send(client, bus, envelope("PKI_Timestamp", {"query": "№ not base64"}))
    assert (reply.status_code, reply.json()["field"]) == (422, "requestData.data.query")


async def test_certificate_status_by_serial_or_key_identifier_gives_the_certificate(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    """What a relying party given only issuer+serial or the SKI (WS-Security) looks up."""
    _, certificate, _ = pkcs12.load_key_and_certificates(p12("dealer_manager"), b"Qwerty12")
    assert certificate is not None
    ski = certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    for query in (
        {"serialNumber": format(certificate.serial_number, "x")},
        {"subjectKeyIdentifier": ski.digest.hex()},
    ):
        answer = await check(client, bus, query, "PKI_CertificateStatus")
        assert (answer["found"], answer["status"]) == (True, "VALID"), query
        found = x509.load_pem_x509_certificate(answer["certificate"].encode())
        assert found == certificate
    unknown = await check(client, bus, {"subjectKeyIdentifier": "00" * 20}, "PKI_CertificateStatus")
    assert (unknown["found"], unknown["code"]) == (False, "CERTIFICATE_NOT_FOUND")
    for both_or_neither in ({}, {"serialNumber": "ab", "subjectKeyIdentifier": "cd"}):
        reply = await send(client, bus, envelope("PKI_CertificateStatus", both_or_neither))
        assert reply.status_code == 422, reply.text
        assert reply.json()["errorInfo"]["subError"]["errorCode"] == "FIELD_REQUIRED"


def test_own_keys_load_as_the_checked_loader_reads_them_and_must_be_rsa() -> None:
    """НУЦ's own keys skip cryptography's consistency checks (they come from nowhere else):
    the key is the same, and a key that is not RSA is refused all the same."""

    def pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
        return key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert own_private_key(pem(key)).private_numbers() == key.private_numbers()
    with pytest.raises(ValueError, match="RSA"):
        own_private_key(pem(ec.generate_private_key(ec.SECP256R1())))
