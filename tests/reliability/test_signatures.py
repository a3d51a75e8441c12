"""ЭЦП attacks on the VIN registration (rule G4), on PostgreSQL: a back-dated
signingTime (V18), a CAdES-T signature that outlives its certificate, an attached CMS carrying
another application's document (V9), V9 signed by someone other than the employee signed in or
without the right to sign, and a login token used after its AUTH certificate was revoked.

On the folder's deployed bus (conftest), PostgreSQL and RabbitMQ; `flow` and the pilot's day
are tests/fixtures/vin.py's."""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from asn1crypto import cms

from egov.flow_client import legal_entity, persona
from egov.launcher import BusPlan
from egov.personas import PERSONA_KEY_PASSWORD, key_file
from egov.vin_flow import VinClient
from servicekit.clock import bus_clock
from servicekit.documents import b64
from servicekit.http_clients import async_client
from servicekit.signatures import sign_detached, timestamp_over_http
from tests.fixtures.clock import VIN_PILOT_DAY
from tests.harness import ADMIN

EXPIRED_VALID_DAY = datetime(2023, 6, 1, 9, 0, tzinfo=UTC)
"""Inside signer_expired's validity (2023-01-01 to 2024-01-01); it carries the buyer's ИИН."""
DEALER, SELLER, BUYER = "dealer_manager", "dealer_astana_motors", "buyer"
ROLE_EMPLOYEE = "1.2.398.3.3.4.1.2.5"


pytestmark = pytest.mark.usefixtures("pilot_day")


@pytest.fixture
def bus(deployed_bus: BusPlan) -> BusPlan:
    return deployed_bus


async def document_of(flow: VinClient, who: str, path: str) -> bytes:
    return base64.b64decode((await flow.ok(who, "GET", f"{path}/document"))["document"])


async def post_signature(flow: VinClient, who: str, path: str, cms_der: bytes) -> httpx.Response:
    return await flow.call(who, "POST", f"{path}/signature", {"cms": b64(cms_der)})


def refused_as(reply: httpx.Response) -> tuple[int, str, str, str]:
    body = reply.json()
    return reply.status_code, body["code"], body["step"], body["messages"]["en"]


async def at_v9(flow: VinClient) -> str:
    vin = await flow.new_vehicle(SELLER, BUYER)
    app = await flow.enter_vin(DEALER, await flow.start(DEALER), vin)
    app = await flow.enter_buyer(DEALER, app, persona(BUYER)["iin"])
    assert app["state"] == "V9_AWAITING_SELLER_SIGNATURE", app
    return f"/dealer/applications/{app['id']}"


async def issued_key(
    flow: VinClient, holder: str, usage: str, roles: list[str]
) -> tuple[bytes, str]:
    """A new PKCS#12 (and its serial) from НУЦ's admin API for an employee of the catalogue."""
    person = persona(holder)
    surname, name, *_ = person["name"].split()
    body: dict[str, Any] = {"iin": person["iin"], "surname": surname, "name": name}
    company = legal_entity(person["employer"])
    body |= {"bin": company["bin"], "organization": company["name"], "roles": roles}
    reply = await flow.http.post(
        f"{flow.url('pki')}/admin/certificates", json={**body, "keyUsage": usage}, headers=ADMIN
    )
    assert reply.status_code == 201, reply.text
    issued = reply.json()
    return base64.b64decode(issued["pkcs12"]), issued["certificate"]["serialNumber"]


async def test_v18_back_dated_signing_time_does_not_revive_an_expired_key_and_cades_t_does(
    flow: VinClient, bus: BusPlan
) -> None:
    """signer_expired (the buyer's ИИН, expired 2024-01-01) signs V18. A plain CMS claiming a
    signingTime inside the validity is refused: the signer writes that attribute. A CAdES-T
    signature made while the key was valid, timestamped by НУЦ's TSA, is accepted although the
    clock now stands past the expiry."""
    app = await flow.signed_by_dealer(DEALER, await flow.new_vehicle(SELLER, BUYER), "900515310005")
    app = await flow.to_payment(BUYER, app, "ALM-ALMALY")
    await flow.pay(app)
    app = (await flow.cabinet(BUYER, app, "payment-check")).json()
    assert app["state"] == "V18_AWAITING_BUYER_SIGNATURE", app
    path = f"/cabinet/applications/{app['id']}"
    document = await document_of(flow, BUYER, path)
    p12 = key_file("signer_expired").read_bytes()

    back_dated = sign_detached(p12, PERSONA_KEY_PASSWORD, document, signing_time=EXPIRED_VALID_DAY)
    status, code, step, text = refused_as(await post_signature(flow, BUYER, path, back_dated))
    assert (status, code, step) == (422, "SIGNATURE_NOT_ACCEPTED", "V18")
    assert "CERT_EXPIRED" in text
    assert (await flow.application(BUYER, app))["state"] == "V18_AWAITING_BUYER_SIGNATURE"

    tsa = timestamp_over_http(f"{bus.url('pki')}/tsp")
    bus_clock.freeze(EXPIRED_VALID_DAY)  # the day the buyer signed, with the TSA's witness
    stamped = await asyncio.to_thread(
        sign_detached, p12, PERSONA_KEY_PASSWORD, document, timestamp=tsa
    )
    bus_clock.freeze(VIN_PILOT_DAY)
    accepted = await post_signature(flow, BUYER, path, stamped)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["state"] == "V19_AWAITING_DECISION"


async def test_v9_attached_cms_with_another_applications_document_is_refused(
    flow: VinClient,
) -> None:
    """The CMS's messageDigest is this application's document, but the content it carries is
    another application's: the signed attributes do not cover it, and it must not be stored
    as "signed"."""
    mine, other = await at_v9(flow), await at_v9(flow)
    document, foreign = (
        await document_of(flow, DEALER, mine),
        await document_of(flow, DEALER, other),
    )
    assert document != foreign
    content_info = cms.ContentInfo.load(
        sign_detached(key_file(DEALER).read_bytes(), PERSONA_KEY_PASSWORD, document)
    )
    content_info["content"]["encap_content_info"] = {"content_type": "data", "content": foreign}
    status, code, step, text = refused_as(
        await post_signature(flow, DEALER, mine, content_info.dump())
    )
    assert (status, code, step) == (422, "SIGNATURE_NOT_ACCEPTED", "V9")
    assert "CMS_CONTENT_MISMATCH" in text
    assert (await flow.ok(DEALER, "GET", mine))["state"] == "V9_AWAITING_SELLER_SIGNATURE"


@pytest.mark.step("V9", "SIGNER_NOT_SIGNED_IN", "SIGNER_NO_SIGNING_RIGHT")
async def test_v9_signed_by_another_employee_or_without_the_right_to_sign_is_refused(
    flow: VinClient,
) -> None:
    """dealer_manager is signed in. The director's signature (a good key of the same БИН, with
    the right to sign) is not theirs; dealer_manager's own key without the signing role of the
    БИН gives no right to sign for it. Their own key with the right signs."""
    path = await at_v9(flow)
    document = await document_of(flow, DEALER, path)
    director = sign_detached(
        key_file("dealer_director").read_bytes(), PERSONA_KEY_PASSWORD, document
    )
    status, code, step, _ = refused_as(await post_signature(flow, DEALER, path, director))
    assert (status, code, step) == (422, "SIGNER_NOT_SIGNED_IN", "V9")

    employee_only, _ = await issued_key(flow, DEALER, "SIGN", [ROLE_EMPLOYEE])
    no_right = sign_detached(employee_only, PERSONA_KEY_PASSWORD, document)
    status, code, step, _ = refused_as(await post_signature(flow, DEALER, path, no_right))
    assert (status, code, step) == (422, "SIGNER_NO_SIGNING_RIGHT", "V9")
    assert (await flow.ok(DEALER, "GET", path))["state"] == "V9_AWAITING_SELLER_SIGNATURE"

    signed = sign_detached(key_file(DEALER).read_bytes(), PERSONA_KEY_PASSWORD, document)
    accepted = await post_signature(flow, DEALER, path, signed)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["state"] == "V10_AWAITING_BUYER_CONSENT"


async def signed_in_with(flow: VinClient, p12: bytes) -> dict[str, str]:
    async with async_client(base_url=flow.url("pki"), timeout=30) as pki:
        challenge = (await pki.post("/auth/challenge")).json()["challenge"]
        cms_der = sign_detached(p12, PERSONA_KEY_PASSWORD, challenge.encode())
        reply = await pki.post(
            "/auth/token",
            json={"challenge": challenge, "cms": b64(cms_der), "audience": "registration_service"},
        )
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['accessToken']}"}


async def test_token_stops_working_for_changes_once_its_auth_certificate_is_revoked(
    flow: VinClient, bus: BusPlan
) -> None:
    """A dealer employee signs in with an AUTH key that НУЦ then revokes: the next
    state-changing request is refused (reads are not checked). While НУЦ cannot answer, a
    change is "try again", not a revocation."""
    p12, serial = await issued_key(flow, DEALER, "AUTH", ["1.2.398.3.3.4.1.2.2", ROLE_EMPLOYEE])
    headers = await signed_in_with(flow, p12)
    portal = flow.url("registration_service")
    listed = await flow.http.get(f"{portal}/dealer/applications", headers=headers)
    assert listed.status_code == 200, listed.text

    rule = {
        "kind": "error",
        "serviceId": "PKI_CertificateStatus",
        "errorCode": "PROVIDER_ERROR",
        "status": 500,
        "count": 1,
    }
    added = await flow.http.post(f"{bus.url('gateway')}/admin/faults", json=rule, headers=ADMIN)
    assert added.status_code in (200, 201), added.text
    start = f"{portal}/dealer/applications"
    unavailable = await flow.http.post(
        start, headers={**headers, "Idempotency-Key": "h15-token-status-1"}
    )
    assert (unavailable.status_code, unavailable.json()["code"]) == (
        503,
        "TOKEN_STATUS_UNAVAILABLE",
    )

    revoked = await flow.http.post(
        f"{flow.url('pki')}/admin/certificates/{serial}/revoke",
        json={"reason": "keyCompromise"},
        headers=ADMIN,
    )
    assert revoked.status_code == 200, revoked.text
    refused = await flow.http.post(
        start, headers={**headers, "Idempotency-Key": "h15-token-status-2"}
    )
    assert (refused.status_code, refused.json()["code"]) == (401, "TOKEN_CERT_REVOKED")
    listed = await flow.http.get(f"{portal}/dealer/applications", headers=headers)
    assert listed.status_code == 200
