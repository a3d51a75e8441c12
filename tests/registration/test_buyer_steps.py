"""The buyer's branches of V10–V18 and what crosses them: fines paid and submitted again (V14),
the reserved number against a chosen one (V16), payment (V17), the buyer's signature (V18),
the re-checks (V11, V13), another dealer, and a registry outage in the middle of the flow.
Each test mints its own vehicle, so they share one bus."""

from __future__ import annotations

import asyncio
import urllib.parse
from typing import Any

import pytest

from egov.launcher import BusPlan
from egov.signin import sign_b64
from egov.vin_flow import VinClient, persona
from tests.harness import ADMIN
from tests.registration.races import one_made

DEALER, SELLER = "dealer_manager", "dealer_astana_motors"
BUYER_K = "buyer_kostanay"
INCREASED_DEMAND = {"777 AAA 02", "001 KZ 02", "100 ABC 02", "010 ADM 02"}


async def _to_accept(flow: VinClient, buyer: str) -> dict[str, Any]:
    vin = await flow.new_vehicle(SELLER, buyer)
    return await flow.signed_by_dealer(DEALER, vin, persona(buyer)["iin"])


async def _at_plate(flow: VinClient, buyer: str) -> dict[str, Any]:
    app = await _to_accept(flow, buyer)
    reply = await flow.cabinet(buyer, app, "accept")
    assert reply.json()["state"] == "V15_AWAITING_PICKUP_CHOICE", reply.text
    return await flow.choose_pickup(buyer, app, "ALM-ALMALY")


async def _at_signature(flow: VinClient, buyer: str) -> dict[str, Any]:
    """Paid (V17), waiting for the buyer's signature (V18), sold by the second dealer."""
    vin = await flow.new_vehicle("dealer_kokshe_auto", buyer)
    app = await flow.signed_by_dealer("dealer_kokshe_manager", vin, persona(buyer)["iin"])
    app = await flow.to_payment(buyer, app, "ALM-BOSTANDYK")
    await flow.pay(app)
    paid: dict[str, Any] = (await flow.cabinet(buyer, app, "payment-check")).json()
    return paid


@pytest.mark.step("V14", "FINES_UNPAID")
async def test_v14_unpaid_fines_hold_the_application_until_paid_and_submitted_again(
    flow: VinClient, bus: BusPlan
) -> None:
    buyer = "buyer_with_fines"
    app = await _to_accept(flow, buyer)
    held = (await flow.cabinet(buyer, app, "accept")).json()
    assert held["state"] == "V14_AWAITING_FINES_PAYMENT"
    fines = held["unpaidFines"]
    assert fines
    assert all(not f["paid"] for f in fines)
    notes = await flow.listing(buyer, "/cabinet/notifications")
    (note,) = [n for n in notes if n["kind"] == "FINES_UNPAID"]
    assert "submit again" in note["messages"]["en"]
    reply = await flow.call(
        buyer,
        "PUT",
        f"/cabinet/applications/{app['id']}/pickup",
        {"centreId": "ALM-ALMALY", "plateType": "STANDARD"},
    )
    assert (reply.status_code, reply.json()["code"]) == (409, "APPLICATION_WRONG_STEP")

    still = (await flow.cabinet(buyer, app, "accept")).json()
    assert still["state"] == "V14_AWAITING_FINES_PAYMENT"
    for fine in fines:
        case = urllib.parse.quote(fine["caseNumber"], safe="")
        paid = await flow.http.post(
            f"{bus.url('erap_fines')}/admin/fines/{case}/pay", headers=ADMIN
        )
        assert paid.status_code == 200, paid.text
    again = (await flow.cabinet(buyer, app, "accept")).json()
    assert (again["state"], again["unpaidFines"]) == ("V15_AWAITING_PICKUP_CHOICE", None)
    full = await flow.application(buyer, app)
    assert [c["outcome"] for c in full["checks"] if c["step"] == "V14"] == [
        "FAILED",
        "FAILED",
        "PASSED",
    ]


@pytest.mark.step("V16", "RESERVED_FOR_BUYER")
async def test_v16_the_number_reserved_for_the_buyer_is_offered_and_taken_once(
    flow: VinClient,
) -> None:
    buyer = "buyer_reserved_plate"
    app, second = await _at_plate(flow, buyer), await _at_plate(flow, buyer)
    offer = await flow.plate_offer(buyer, app)
    assert offer == {"reserved": "425 KZA 02", "free": [], "nextAfter": None}
    other = await flow.choose_plate(buyer, app, "101 ADM 02")
    assert (other.status_code, other.json()["code"]) == (422, "PLATE_NOT_OFFERED")
    # Both of the buyer's applications see the one reserved number; one application gets it.
    replies = await asyncio.gather(
        flow.choose_plate(buyer, app, None), flow.choose_plate(buyer, second, None)
    )
    (taken,) = [r.json() for r in replies if r.status_code == 200]
    (lost,) = [r for r in replies if r.status_code != 200]
    assert (taken["plate"], taken["plateSource"], taken["state"]) == (
        "425 KZA 02",
        "RESERVED_FOR_BUYER",
        "V17_AWAITING_PAYMENT",
    )
    assert (lost.status_code, lost.json()["code"]) in {
        (409, "PLATE_ALREADY_TAKEN"),
        (422, "PLATE_NOT_OFFERED"),
    }
    loser = second if taken["id"] == app["id"] else app
    assert (await flow.plate_offer(buyer, loser))["reserved"] is None


@pytest.mark.step("V16", "CHOSEN")
async def test_v16_free_numbers_leave_out_increased_demand_and_stored_and_the_choice_is_atomic(
    flow: VinClient,
) -> None:
    first, second = await _at_plate(flow, "buyer"), await _at_plate(flow, "buyer_2")
    offer = await flow.plate_offer("buyer", first)
    assert offer["reserved"] is None
    assert offer["free"]
    assert all(p.endswith(" 02") for p in offer["free"])
    assert not INCREASED_DEMAND & set(offer["free"])
    assert not any(" HRN " in p for p in offer["free"])
    for plate in ("777 AAA 02", "601 HRN 02", "101 ADM 10"):
        reply = await flow.choose_plate("buyer", first, plate)
        assert (reply.status_code, reply.json()["code"]) == (422, "PLATE_NOT_OFFERED"), plate

    # Two buyers press "take" on the same number at once: БМГ gives it to one.
    plate = offer["free"][-1]
    replies = await asyncio.gather(
        flow.choose_plate("buyer", first, plate), flow.choose_plate("buyer_2", second, plate)
    )
    assert sorted(r.status_code for r in replies) == [200, 409]
    (lost,) = [r for r in replies if r.status_code == 409]
    assert lost.json()["code"] == "PLATE_ALREADY_TAKEN"
    (won,) = [r.json() for r in replies if r.status_code == 200]
    assert (won["plate"], won["plateSource"], won["state"]) == (
        plate,
        "CHOSEN",
        "V17_AWAITING_PAYMENT",
    )
    # БМГ lets a person hold two numbers at once and these buyers go on in later tests on this
    # bus: the winner withdraws (V17), which gives the number back, whichever buyer won.
    for buyer, app, reply in zip(("buyer", "buyer_2"), (first, second), replies, strict=True):
        if reply.status_code == 200:
            withdrawn = (await flow.cabinet(buyer, app, "decline")).json()
            assert (withdrawn["state"], withdrawn["refusal"]["step"]) == ("DECLINED", "V17")


@pytest.mark.step("V17", "INVOICE_NOT_PAID")
async def test_v17_the_application_waits_until_the_invoice_is_paid_once(flow: VinClient) -> None:
    buyer = "buyer"
    app = await _at_plate(flow, buyer)
    plate = (await flow.plate_offer(buyer, app))["free"][0]
    path = f"/cabinet/applications/{app['id']}/plate"
    first = await flow.call(buyer, "PUT", path, {"plate": plate}, key="plate-key-0001")
    retried = await flow.call(buyer, "PUT", path, {"plate": plate}, key="plate-key-0001")
    assert first.json() == retried.json()
    invoice = first.json()["invoice"]
    assert invoice["total"] == sum(item["amount"] for item in invoice["items"])

    unpaid = await flow.cabinet(buyer, app, "payment-check")
    assert (unpaid.status_code, unpaid.json()["code"], unpaid.json()["step"]) == (
        409,
        "INVOICE_NOT_PAID",
        "V17",
    )
    assert (await flow.application(buyer, app))["state"] == "V17_AWAITING_PAYMENT"
    await flow.pay(first.json())
    paid = (await flow.cabinet(buyer, app, "payment-check")).json()
    assert (paid["state"], paid["invoice"]["status"]) == ("V18_AWAITING_BUYER_SIGNATURE", "PAID")
    checks = (await flow.application(buyer, app))["checks"]
    assert [c["serviceId"] for c in checks].count("PAYMENTS_CreateInvoice") == 1


@pytest.mark.step("V18", "SIGNER_NOT_BUYER", "SIGNATURE_NOT_ACCEPTED")
async def test_v18_only_the_buyers_valid_signature_submits(flow: VinClient) -> None:
    buyer = "buyer_2"
    app = await _at_signature(flow, buyer)
    reply = await flow.buyer_sign(buyer, app, signer="buyer")
    assert (reply.status_code, reply.json()["code"], reply.json()["step"]) == (
        422,
        "SIGNER_NOT_BUYER",
        "V18",
    )
    reply = await flow.buyer_sign(buyer, app, signer="signer_expired")
    assert (reply.status_code, reply.json()["code"]) == (422, "SIGNATURE_NOT_ACCEPTED")
    assert "CERT_EXPIRED" in reply.json()["messages"]["en"]
    assert (await flow.application(buyer, app))["state"] == "V18_AWAITING_BUYER_SIGNATURE"
    submitted = (await flow.buyer_sign(buyer, app)).json()
    assert submitted["state"] == "V19_AWAITING_DECISION"


async def test_v18_concurrent_signatures_with_different_keys_submit_once_and_refuse_the_rest(
    flow: VinClient,
) -> None:
    """Ten signatures at once, each with its own Idempotency-Key: the database lets one submit
    (the application claimed by a versioned UPDATE before НУЦ is asked) and the others get a
    409 with a code, never a 500 from a write that found the row changed."""
    buyer = "buyer_2"
    app = await _at_signature(flow, buyer)
    path = f"/cabinet/applications/{app['id']}"
    document = await flow.ok(buyer, "GET", f"{path}/document")
    body = {"cms": sign_b64(buyer, document["document"])}
    await one_made([flow.call(buyer, "POST", f"{path}/signature", body) for _ in range(10)])
    submitted = await flow.application(buyer, app)
    assert submitted["state"] == "V19_AWAITING_DECISION"
    verified = [c for c in submitted["checks"] if c["serviceId"] == "PKI_VerifyCms"]
    assert len(verified) == 1  # the losers were refused before they asked НУЦ


@pytest.mark.step("V10", "BUYER_DECLINED")
async def test_v10_declined_application_ends_and_frees_the_vin(flow: VinClient) -> None:
    app = await _to_accept(flow, "buyer")
    declined = (await flow.cabinet("buyer", app, "decline")).json()
    assert (declined["state"], declined["refusal"]["code"]) == ("DECLINED", "BUYER_DECLINED")
    again = await flow.cabinet("buyer", app, "accept")
    assert (again.status_code, again.json()["code"]) == (409, "APPLICATION_WRONG_STEP")
    restarted = await flow.enter_vin(DEALER, await flow.start(DEALER), app["vin"])
    assert restarted["state"] == "V6_AWAITING_BUYER"


@pytest.mark.step("V11", "BUYER_DECEASED")
async def test_v11_buyer_deceased_since_v7_is_refused(flow: VinClient) -> None:
    app = await _to_accept(flow, "buyer")
    path = f"/cabinet/applications/{app['id']}/accept"
    reply = await flow.call("buyer", "POST", path, headers={"X-Test-Scenario": "gbd_fl.deceased"})
    refused = reply.json()
    assert (refused["state"], refused["refusal"]["code"], refused["refusal"]["step"]) == (
        "REFUSED",
        "BUYER_DECEASED",
        "V11",
    )


@pytest.mark.step("V11", "BUYER_DATA_MISSING")
async def test_v11_buyer_gone_from_gbd_fl_since_the_dealer_checked_is_refused(
    flow: VinClient,
) -> None:
    app = await _to_accept(flow, "buyer")
    path = f"/cabinet/applications/{app['id']}/accept"
    scenario = {"X-Test-Scenario": "gbd_fl.not_found"}
    refused = (await flow.call("buyer", "POST", path, headers=scenario)).json()
    assert (refused["state"], refused["refusal"]["code"], refused["refusal"]["step"]) == (
        "REFUSED",
        "BUYER_DATA_MISSING",
        "V11",
    )


@pytest.mark.step("V12", "VEHICLE_PASSPORT_INVALID")
async def test_v12_epts_annulled_since_the_dealer_checked_is_refused(flow: VinClient) -> None:
    app = await _to_accept(flow, "buyer")
    path = f"/cabinet/applications/{app['id']}/accept"
    scenario = {"X-Test-Scenario": "eps_passports.annulled"}
    refused = (await flow.call("buyer", "POST", path, headers=scenario)).json()
    assert (refused["state"], refused["refusal"]["code"], refused["refusal"]["step"]) == (
        "REFUSED",
        "VEHICLE_PASSPORT_INVALID",
        "V12",
    )


@pytest.mark.step("V13", "SALE_CONTRACT_NOT_SIGNED")
async def test_v13_contract_no_longer_signed_by_both_is_refused(flow: VinClient) -> None:
    app = await _to_accept(flow, "buyer")
    path = f"/cabinet/applications/{app['id']}/accept"
    scenario = {"X-Test-Scenario": "sale_contracts.seller_only"}
    refused = (await flow.call("buyer", "POST", path, headers=scenario)).json()
    assert (refused["refusal"]["code"], refused["refusal"]["step"]) == (
        "SALE_CONTRACT_NOT_SIGNED",
        "V13",
    )


async def test_another_dealer_neither_sees_nor_changes_the_application(flow: VinClient) -> None:
    app = await flow.start(DEALER)
    other = "dealer_kokshe_manager"
    for method, suffix, body in (
        ("GET", "", None),
        ("GET", "/document", None),
        ("PUT", "/vin", {"vin": "MXAJC4111TK100201"}),
    ):
        reply = await flow.call(other, method, f"/dealer/applications/{app['id']}{suffix}", body)
        assert (reply.status_code, reply.json()["code"]) == (404, "APPLICATION_NOT_FOUND")
    listed = await flow.listing(other, "/dealer/applications")
    assert app["id"] not in [a["id"] for a in listed]


async def test_registry_outage_in_the_middle_keeps_the_step_and_a_retry_goes_on(
    flow: VinClient, bus: BusPlan
) -> None:
    vin = await flow.new_vehicle(SELLER, "buyer")
    app = await flow.start(DEALER)
    rule = {
        "kind": "error",
        "serviceId": "CUSTOMS_PaymentsByVin",
        "errorCode": "PROVIDER_TIMEOUT",
        "status": 504,
        "count": 1,
    }
    gateway = bus.url("gateway")
    added = await flow.http.post(f"{gateway}/admin/faults", json=rule, headers=ADMIN)
    assert added.status_code in (200, 201), added.text
    reply = await flow.call(DEALER, "PUT", f"/dealer/applications/{app['id']}/vin", {"vin": vin})
    assert (reply.status_code, reply.json()["code"], reply.json()["step"]) == (
        503,
        "REGISTRY_UNAVAILABLE",
        "V4",
    )
    assert "КГД" in reply.json()["messages"]["ru"]
    stored = await flow.ok(DEALER, "GET", f"/dealer/applications/{app['id']}")
    assert (stored["state"], stored["vin"]) == ("V2_AWAITING_VIN", None)
    assert [(c["step"], c["outcome"]) for c in stored["checks"]][-2:] == [
        ("V3", "PASSED"),
        ("V4", "UNAVAILABLE"),
    ]
    resumed = await flow.enter_vin(DEALER, app, vin)
    assert resumed["state"] == "V6_AWAITING_BUYER"


async def test_v17_withdrawn_before_signing_the_number_goes_back_to_bmg(
    flow: VinClient, bus: BusPlan
) -> None:
    # A buyer of its own here: БМГ lets one person hold two numbers at once.
    app = await _at_plate(flow, BUYER_K)
    plate = (await flow.plate_offer(BUYER_K, app))["free"][0]
    held = (await flow.choose_plate(BUYER_K, app, plate)).json()
    assert held["state"] == "V17_AWAITING_PAYMENT"
    withdrawn = (await flow.cabinet(BUYER_K, app, "decline")).json()
    assert (withdrawn["state"], withdrawn["refusal"]["step"]) == ("DECLINED", "V17")
    path = urllib.parse.quote(plate)
    status = await flow.http.get(f"{bus.url('number_bank')}/admin/plates/{path}", headers=ADMIN)
    assert status.json()["status"] == "FREE"
    # The number is free for anyone again, this buyer's other applications included.
    again = await _at_plate(flow, BUYER_K)
    taken = await flow.choose_plate(BUYER_K, again, plate)
    assert (taken.status_code, taken.json()["plate"]) == (200, plate)
