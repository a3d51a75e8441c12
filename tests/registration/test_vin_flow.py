"""V1–V19 through the real gateway and registries: the happy path to the police, and every
refusal branch of the dealer's and the buyer's steps (tests are named after their steps); and
the application's registry calls as one conversation, on to its pick-up (V20–V22)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

from egov.launcher import BusPlan
from egov.signin import sign
from egov.vin_flow import VinClient
from servicekit.clock import ALMATY, bus_clock
from tests.harness import conversation

DEALER = "dealer_manager"
BUYER, BUYER_IIN = "buyer", "900515310005"
VIN_OK = "MXAJC4111TK100201"


async def test_v1_to_v19_happy_path_records_every_check(flow: VinClient) -> None:
    app = await flow.submitted(DEALER, BUYER, VIN_OK)
    assert app["state"] == "V19_AWAITING_DECISION"
    assert app["regionCode"] == "02"
    assert app["invoice"]["status"] == "PAID"
    assert [i["purpose"] for i in app["invoice"]["items"]] == [
        "VEHICLE_REGISTRATION_FEE",
        "REGISTRATION_CERTIFICATE",
        "PLATE",
    ]
    full = await flow.ok("dealer_manager", "GET", f"/dealer/applications/{app['id']}")
    steps = [(c["step"], c["serviceId"]) for c in full["checks"] if c["outcome"] == "PASSED"]
    for step, service in [
        ("V1", "GBDUL_UniversalServiceSync"),
        ("V3", "EPTS_PassportByVin"),
        ("V4", "CUSTOMS_PaymentsByVin"),
        ("V5", "RECYCLING_FeeByVin"),
        ("V7", "GBDFL_UniversalServiceSync"),
        ("V8", "EDO_SaleContract"),
        ("V9", "PKI_VerifyCms"),
        ("V11", "GBDFL_UniversalServiceSync"),
        ("V12", "EPTS_PassportByVin"),
        ("V13", "EDO_SaleContract"),
        ("V14", "ERAP_FinesByIin"),
        ("V16", "BMG_Reserve"),
        ("V17", "PAYMENTS_CreateInvoice"),
        ("V18", "PKI_VerifyCms"),
    ]:
        assert (step, service) in steps
    assert all(uuid.UUID(c["messageId"]) for c in full["checks"] if c["outcome"] == "PASSED")
    seen_by_buyer = await flow.ok(BUYER, "GET", f"/cabinet/applications/{app['id']}")
    assert {c["step"] for c in seen_by_buyer["checks"]} == {
        "V11",
        "V12",
        "V13",
        "V14",
        "V16",
        "V17",
        "V18",
    }
    notes = await flow.listing(BUYER, "/cabinet/notifications")
    assert any(n["step"] == "V10" and n["applicationId"] == app["id"] for n in notes)


@pytest.mark.step("V1", "PILOT_NOT_ACTIVE")
async def test_v1_refused_outside_the_pilot(flow: VinClient) -> None:
    bus_clock.freeze(datetime(2026, 9, 1, 9, 0, tzinfo=ALMATY))
    reply = await flow.call("dealer_manager", "POST", "/dealer/applications")
    assert reply.status_code == 422
    assert (reply.json()["code"], reply.json()["step"]) == ("PILOT_NOT_ACTIVE", "V1")


@pytest.mark.step("V1", "SELLER_NOT_ACTIVE")
async def test_v1_refuses_a_liquidated_seller(flow: VinClient) -> None:
    headers = {
        "Authorization": f"Bearer {await flow.token('dealer_manager')}",
        "X-Test-Scenario": "gbd_ul.liquidated",
    }
    reply = await flow.http.post(f"{flow.portal}/dealer/applications", headers=headers)
    assert reply.status_code == 422, reply.text
    assert (reply.json()["code"], reply.json()["step"]) == ("SELLER_NOT_ACTIVE", "V1")
    assert set(reply.json()["messages"]) == {"ru", "kk", "en"}


@pytest.mark.step("V1", "SELLER_NOT_VEHICLE_TRADER")
async def test_v1_refuses_a_seller_without_a_vehicle_trade_oked(flow: VinClient) -> None:
    """An employee of no_vehicle_oked (a construction company: ОКЭД 41201, 43110), with the
    dealer's role, cannot start an application: nothing is kept."""
    await flow.employ("stroy_invest_manager", "no_vehicle_oked", "880621342172", "Ахметов Серик")
    reply = await flow.call("stroy_invest_manager", "POST", "/dealer/applications")
    assert reply.status_code == 422, reply.text
    problem = reply.json()
    assert (problem["code"], problem["step"]) == ("SELLER_NOT_VEHICLE_TRADER", "V1")
    assert "ОКЭД" in problem["messages"]["ru"]
    mine = await flow.listing("stroy_invest_manager", "/dealer/applications")
    assert mine == []
    await flow.dismiss("no_vehicle_oked", "880621342172")


@pytest.mark.step("V1", "SELLER_NOT_FOUND")
async def test_v1_refuses_a_seller_gbd_ul_does_not_know(flow: VinClient) -> None:
    headers = {"X-Test-Scenario": "gbd_ul.not_found"}
    reply = await flow.call(DEALER, "POST", "/dealer/applications", headers=headers)
    assert reply.status_code == 422, reply.text
    assert (reply.json()["code"], reply.json()["step"]) == ("SELLER_NOT_FOUND", "V1")


@pytest.mark.parametrize(
    "scenario", ["gbd_ul.liquidatd", "gbdul.liquidated", "erap_fines.unpaid_fiens"]
)
async def test_an_unknown_scenario_reaches_the_tester_as_a_refusal(
    flow: VinClient, scenario: str
) -> None:
    """The portal relays X-Test-Scenario to the registries it calls: a misspelt one is refused
    by the gateway on the first call (it knows every registry's scenarios: the fines of V14
    need not wait for V14), or by the registry it names; the dealer sees that refusal, not the
    seller's ordinary answer."""
    headers = {
        "Authorization": f"Bearer {await flow.token('dealer_manager')}",
        "X-Test-Scenario": scenario,
    }
    reply = await flow.http.post(f"{flow.portal}/dealer/applications", headers=headers)
    assert reply.status_code == 422, reply.text
    problem = reply.json()
    assert (problem["code"], problem["field"]) == ("UNKNOWN_SCENARIO", "X-Test-Scenario")
    assert scenario in problem["messages"]["en"]


async def _refused_at(flow: VinClient, vin: str) -> dict[str, object]:
    app = await flow.enter_vin(DEALER, await flow.start(DEALER), vin)
    assert app["state"] == "REFUSED", app
    refusal: dict[str, object] = app["refusal"]
    return refusal


@pytest.mark.step("V3", "VEHICLE_PASSPORT_MISSING")
async def test_v3_no_epts_is_refused(flow: VinClient) -> None:
    refusal = await _refused_at(flow, "MXAJC4115TK100301")
    assert (refusal["code"], refusal["step"]) == ("VEHICLE_PASSPORT_MISSING", "V3")
    assert refusal["registry"] == "EPTS_PassportByVin"


@pytest.mark.step("V3", "VEHICLE_PASSPORT_INVALID")
async def test_v3_annulled_epts_is_refused(flow: VinClient) -> None:
    refusal = await _refused_at(flow, "MXAJC4117TK100302")
    assert (refusal["code"], refusal["step"]) == ("VEHICLE_PASSPORT_INVALID", "V3")


@pytest.mark.step("V3", "VEHICLE_NOT_MADE_IN_KAZAKHSTAN")
async def test_v3_foreign_made_vehicle_is_outside_the_pilot(flow: VinClient) -> None:
    refusal = await _refused_at(flow, "X9FHXXEE3SB300401")
    assert (refusal["code"], refusal["step"]) == ("VEHICLE_NOT_MADE_IN_KAZAKHSTAN", "V3")


@pytest.mark.step("V4", "CUSTOMS_UNPAID", "CUSTOMS_RECORD_MISSING")
async def test_v4_customs_unpaid_and_missing_are_refused(flow: VinClient) -> None:
    refusal = await _refused_at(flow, "MXAJC4119TK100303")
    assert (refusal["code"], refusal["step"]) == ("CUSTOMS_UNPAID", "V4")
    refusal = await _refused_at(flow, "MXAJC4110TK100304")
    assert (refusal["code"], refusal["step"]) == ("CUSTOMS_RECORD_MISSING", "V4")


@pytest.mark.step("V5", "RECYCLING_FEE_UNPAID")
async def test_v5_recycling_fee_unpaid_is_refused(flow: VinClient) -> None:
    refusal = await _refused_at(flow, "MXAJC4112TK100305")
    assert (refusal["code"], refusal["step"]) == ("RECYCLING_FEE_UNPAID", "V5")


@pytest.mark.step("V5", "RECYCLING_FEE_MISSING")
async def test_v5_no_recycling_fee_record_is_refused(flow: VinClient) -> None:
    vin = await flow.new_vehicle("dealer_astana_motors", BUYER)
    app = await flow.start(DEALER)
    path = f"/dealer/applications/{app['id']}/vin"
    scenario = {"X-Test-Scenario": "recycling_fee.not_found"}
    refused = (await flow.call(DEALER, "PUT", path, {"vin": vin}, headers=scenario)).json()
    assert (refused["state"], refused["refusal"]["code"], refused["refusal"]["step"]) == (
        "REFUSED",
        "RECYCLING_FEE_MISSING",
        "V5",
    )


@pytest.mark.step("V6")
@pytest.mark.step("V7", "BUYER_NOT_FOUND")
@pytest.mark.step("V8", "SALE_CONTRACT_NOT_SIGNED")
async def test_v7_unknown_iin_may_be_entered_again_then_v8_one_signature_refuses(
    flow: VinClient,
) -> None:
    app = await flow.enter_vin(DEALER, await flow.start(DEALER), "MXAJC4116TK100307")
    reply = await flow.call(
        "dealer_manager", "PUT", f"/dealer/applications/{app['id']}/buyer", {"iin": "770707343214"}
    )
    assert reply.status_code == 422, reply.text
    assert (reply.json()["code"], reply.json()["step"], reply.json()["field"]) == (
        "BUYER_NOT_FOUND",
        "V7",
        "iin",
    )
    again = await flow.ok("dealer_manager", "GET", f"/dealer/applications/{app['id']}")
    assert again["state"] == "V6_AWAITING_BUYER"
    assert [c["outcome"] for c in again["checks"] if c["step"] == "V7"] == ["FAILED"]
    app = await flow.enter_buyer(DEALER, app, BUYER_IIN)
    assert (app["state"], app["refusal"]["code"], app["refusal"]["step"]) == (
        "REFUSED",
        "SALE_CONTRACT_NOT_SIGNED",
        "V8",
    )


@pytest.mark.step("V7", "BUYER_DECEASED")
@pytest.mark.step("V8", "SALE_CONTRACT_MISSING")
async def test_v7_deceased_buyer_is_refused_and_v8_missing_contract_too(flow: VinClient) -> None:
    app = await flow.enter_vin(DEALER, await flow.start(DEALER), "MXAJC4114TK100306")
    app = await flow.enter_buyer(DEALER, app, "680229311111")
    assert (app["refusal"]["code"], app["refusal"]["step"]) == ("BUYER_DECEASED", "V7")
    app = await flow.enter_vin(DEALER, await flow.start(DEALER), "MXAJC4114TK100306")
    app = await flow.enter_buyer(DEALER, app, BUYER_IIN)
    assert (app["refusal"]["code"], app["refusal"]["step"]) == ("SALE_CONTRACT_MISSING", "V8")


@pytest.mark.step("V7", "BUYER_IIN_INVALIDATED")
async def test_v7_a_buyer_whose_iin_is_invalidated_is_refused(flow: VinClient) -> None:
    app = await flow.enter_vin(DEALER, await flow.start(DEALER), "MXAJC4114TK100306")
    app = await flow.enter_buyer(DEALER, app, "950701411486")
    assert (app["refusal"]["code"], app["refusal"]["step"]) == ("BUYER_IIN_INVALIDATED", "V7")
    assert app["refusal"]["registry"] == "GBDFL_UniversalServiceSync"


async def test_v2_one_open_application_per_vin(flow: VinClient) -> None:
    first = await flow.enter_vin(DEALER, await flow.start(DEALER), "MXAJC411XTK100309")
    assert first["state"] == "V6_AWAITING_BUYER"
    second = await flow.start(DEALER)
    reply = await flow.call(
        "dealer_manager",
        "PUT",
        f"/dealer/applications/{second['id']}/vin",
        {"vin": "MXAJC411XTK100309"},
    )
    assert reply.status_code == 409
    assert (reply.json()["code"], reply.json()["step"]) == ("VIN_APPLICATION_OPEN", "V2")


@pytest.mark.step("V9", "SIGNER_NOT_SELLER", "SIGNATURE_NOT_ACCEPTED")
async def test_v9_signature_of_another_organisation_or_document_is_rejected(
    flow: VinClient,
) -> None:
    app = await flow.enter_buyer(
        DEALER,
        await flow.enter_vin(DEALER, await flow.start(DEALER), "MXAJC4115TK100203"),
        "970125418149",
    )
    assert app["state"] == "V9_AWAITING_SELLER_SIGNATURE", app
    reply = await flow.dealer_sign(DEALER, app, signer="police_officer_almaty")
    assert (reply.status_code, reply.json()["code"]) == (422, "SIGNER_NOT_SELLER")
    reply = await flow.call(
        "dealer_manager",
        "POST",
        f"/dealer/applications/{app['id']}/signature",
        {"cms": sign("dealer_manager", b"another document")},
    )
    assert (reply.status_code, reply.json()["code"], reply.json()["step"]) == (
        422,
        "SIGNATURE_NOT_ACCEPTED",
        "V9",
    )
    still = await flow.ok("dealer_manager", "GET", f"/dealer/applications/{app['id']}")
    assert still["state"] == "V9_AWAITING_SELLER_SIGNATURE"


async def test_authorization_buyer_is_not_a_dealer_and_sees_only_own(flow: VinClient) -> None:
    reply = await flow.call(BUYER, "POST", "/dealer/applications")
    assert (reply.status_code, reply.json()["code"]) == (403, "NOT_A_DEALER")
    reply = await flow.http.post(f"{flow.portal}/dealer/applications")
    assert reply.status_code == 401
    mine = await flow.listing(BUYER, "/cabinet/applications")
    assert all(a["buyerIin"] == BUYER_IIN for a in mine)
    other = await flow.call("buyer_2", "GET", f"/cabinet/applications/{uuid.uuid4()}")
    assert other.status_code == 404


async def test_idempotency_key_replays_the_first_answer(flow: VinClient) -> None:
    first = await flow.call("dealer_manager", "POST", "/dealer/applications", key="start-key-0001")
    again = await flow.call("dealer_manager", "POST", "/dealer/applications", key="start-key-0001")
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["id"] == again.json()["id"]


async def test_v15_centres_of_the_pilot_regions(flow: VinClient) -> None:
    reply = await flow.http.get(f"{flow.portal}/centres")
    assert {"ALM-ALMALY", "KST-KOSTANAY"} <= {c["id"] for c in reply.json()}


async def test_v1_to_v22_every_registry_call_of_the_application_is_one_conversation(
    flow: VinClient, bus: BusPlan, pilot_day: datetime
) -> None:
    """The application's id is the correlationId of every registry call made for it, across
    its steps, its days and both state services: the gateway's journal gives back the portal's
    (V1–V19), in order, as its checks, then the ЦОН's ID checks of its pick-up, at the
    reception (V20) and at the issuance desk (V21), which learnt the id from
    `registration.documents_ready`."""
    vin = await flow.new_vehicle("dealer_astana_motors", BUYER)
    app = await flow.signed_by_dealer(DEALER, vin, BUYER_IIN)
    bus_clock.freeze(pilot_day + timedelta(days=1))
    app = await flow.to_payment(BUYER, app, "ALM-ALMALY")
    await flow.pay(app)
    checked = await flow.cabinet(BUYER, app, "payment-check")
    assert checked.json()["state"] == "V18_AWAITING_BUYER_SIGNATURE", checked.text
    signed = await flow.buyer_sign(BUYER, app)
    assert signed.json()["state"] == "V19_AWAITING_DECISION", signed.text
    await flow.police_case("police_officer_almaty", app)
    decided = await flow.decide("police_officer_almaty", app, approve=True)
    assert decided.status_code == 200, decided.text
    ready = await flow.until(BUYER, app, ["V20_READY_FOR_PICKUP"])
    await flow.pick_up("frontoffice_worker_almaty", "ALM-ALMALY", BUYER, ready)

    full = await flow.ok(DEALER, "GET", f"/dealer/applications/{app['id']}")
    checks = [(c["step"], c["serviceId"], c["messageId"]) for c in full["checks"]]
    steps = {step for step, _, _ in checks}
    assert steps >= {"V1", "V3", "V9", "V11", "V14", "V16", "V17", "V18", "V19"}
    entries = await conversation(flow.http, bus, app["id"])
    assert {e["correlationId"] for e in entries} == {app["id"]}
    calls = [
        (e["senderId"], e["serviceId"], e["response"]["responseInfo"]["messageId"]) for e in entries
    ]
    portal = [("registration_service", service, message) for _, service, message in checks]
    assert calls[: len(portal)] == portal
    assert [(sender, service) for sender, service, _ in calls[len(portal) :]] == [
        ("frontoffice_service", "GBDFL_UniversalServiceSync"),  # V20: the reception's ID check
        ("frontoffice_service", "GBDFL_UniversalServiceSync"),  # V21: the issuance desk's
    ]
