"""V19–V22 through the real gateway and registries: the police desk (inbox by region, signed
decisions, refusals, the auto-decision rule), the printing centre (СРТС as data and PDF, the
buyer's digital documents, SMS), the pick-up at the ЦОН and the end of the application; the
cabinet's live stream. Each test mints its own vehicle, so they share one bus."""

from __future__ import annotations

import asyncio
import hashlib
import json
import urllib.parse
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from egov.flow_client import persona
from egov.launcher import BusPlan
from egov.signin import sign_b64
from egov.vin_flow import VinClient
from registration_service.printing import ENGINE_TYPES, PLATE_TYPES
from tests.documents import pdf_text
from tests.harness import ADMIN
from tests.registration.races import one_made

DEALER, BUYER, OFFICER = "dealer_manager", "buyer", "police_officer_almaty"
OTHER_OFFICER = "police_officer_kostanay"
SELLER = "dealer_astana_motors"


async def _submitted(flow: VinClient, buyer: str = BUYER) -> dict[str, Any]:
    vin = await flow.new_vehicle(SELLER, buyer)
    return await flow.submitted(DEALER, buyer, vin)


async def _plate(bus: BusPlan, http: httpx.AsyncClient, plate: str) -> dict[str, Any]:
    path = urllib.parse.quote(plate)
    reply = await http.get(f"{bus.url('number_bank')}/admin/plates/{path}", headers=ADMIN)
    assert reply.status_code == 200, reply.text
    answer: dict[str, Any] = reply.json()
    return answer


async def _notification_kinds(flow: VinClient, app: dict[str, Any]) -> list[str]:
    notes = await flow.listing(BUYER, "/cabinet/notifications")
    return [n["kind"] for n in notes if n["applicationId"] == app["id"]]


async def test_v19_officer_approves_v20_printed_v22_handed_over(
    flow: VinClient, bus: BusPlan
) -> None:
    app = await _submitted(flow)
    case = await flow.police_case(OFFICER, app)
    assert (case["regionCode"], case["decidedAt"]) == ("02", None)
    assert {c["step"] for c in case["application"]["checks"]} >= {"V1", "V9", "V14", "V18"}
    inbox = await flow.listing(OFFICER, "/police/applications")
    assert app["id"] in [c["applicationId"] for c in inbox]

    reply = await flow.decide(OFFICER, app, approve=True)
    assert reply.status_code == 200, reply.text
    decided = reply.json()
    assert (decided["decision"], decided["automatic"]) == ("APPROVED", False)
    assert decided["application"]["decision"]["officerIin"] == persona(OFFICER)["iin"]

    ready = await flow.until(BUYER, app, ["V20_READY_FOR_PICKUP"])
    number = ready["certificateNumber"]
    assert number.startswith("AL")
    assert len(number) == 10
    plate = await _plate(bus, flow.http, ready["plate"])
    assert (plate["status"], plate["iin"], plate["vin"]) == (
        "ISSUED",
        persona(BUYER)["iin"],
        app["vin"],
    )

    documents = await flow.listing(BUYER, "/cabinet/documents")
    (document,) = [d for d in documents if d["number"] == number]
    assert document["data"]["plate"] == ready["plate"]
    assert document["data"]["vehicle"]["vin"] == app["vin"]
    assert document["data"]["owner"]["iin"] == persona(BUYER)["iin"]
    pdf = await flow.call(BUYER, "GET", document["pdfUrl"])
    assert (pdf.status_code, pdf.headers["content-type"]) == (200, "application/pdf")
    assert pdf.content.startswith(b"%PDF-")
    assert hashlib.sha256(pdf.content).hexdigest() == document["pdfSha256"]
    # A Russian document says labels, not the codes it is stored with.
    printed, vehicle = pdf_text(pdf.content), document["data"]["vehicle"]
    assert f"Марка, модель {vehicle['make']} {vehicle['model']}" in printed
    assert f"Двигатель {ENGINE_TYPES[vehicle['engineType']].ru}, " in printed
    assert f"Тип знака {PLATE_TYPES[document['data']['plateType']].ru}" in printed
    assert not {vehicle["engineType"], document["data"]["plateType"]} & set(printed.split())
    stranger = await flow.call("buyer_2", "GET", f"/cabinet/documents/{number}")
    assert (stranger.status_code, stranger.json()["code"]) == (404, "SRTS_NOT_FOUND")

    # The SMS crosses the bus: wait for the text that names the СРТС.
    text = await flow.sms_about("+77012345601", ready["number"], number)
    assert text["phone"] == "+77012345601"

    await flow.pick_up("frontoffice_worker_almaty", "ALM-ALMALY", BUYER, ready)
    done = await flow.until(BUYER, app, ["COMPLETED"])
    assert done["handedOverAt"] is not None
    notes = await flow.listing(BUYER, "/cabinet/notifications")
    (to_accept,) = [
        n for n in notes if n["applicationId"] == app["id"] and n["kind"] == "APPLICATION_TO_ACCEPT"
    ]
    # The dealer is a товарищество: the verb agrees with it.
    assert to_accept["messages"]["ru"].startswith(
        "Товарищество с ограниченной ответственностью «Астана Моторс Алматы» подало заявку"
    )
    kinds = await _notification_kinds(flow, app)
    assert kinds == [
        "APPLICATION_TO_ACCEPT",
        "REGISTRATION_APPROVED",
        "DOCUMENTS_READY",
        "HANDED_OVER",
    ]
    decided_list = await flow.listing(OFFICER, "/police/applications?pending=false")
    assert app["id"] in [c["applicationId"] for c in decided_list]


@pytest.mark.step("V19", "POLICE_REFUSED")
async def test_v19_refusal_is_motivated_and_gives_the_plate_back(
    flow: VinClient, bus: BusPlan
) -> None:
    app = await _submitted(flow)
    await flow.police_case(OFFICER, app)
    unmotivated = await flow.decide(OFFICER, app, approve=False)
    assert (unmotivated.status_code, unmotivated.json()["code"]) == (422, "POLICE_REASON_REQUIRED")
    reason = "ТС числится в розыске"
    reply = await flow.decide(OFFICER, app, approve=False, reason=reason)
    assert reply.status_code == 200, reply.text
    refused = reply.json()["application"]
    assert refused["state"] == "REFUSED"
    assert (refused["refusal"]["code"], refused["refusal"]["step"]) == ("POLICE_REFUSED", "V19")
    assert reason in refused["refusal"]["messages"]["ru"]
    assert set(refused["refusal"]["messages"]) == {"ru", "kk", "en"}
    assert (await _plate(bus, flow.http, refused["plate"]))["status"] == "FREE"
    assert "REGISTRATION_REFUSED" in await _notification_kinds(flow, app)
    # A refused application holds neither its VIN nor a certificate.
    again = await flow.enter_vin(DEALER, await flow.start(DEALER), app["vin"])
    assert again["state"] == "V6_AWAITING_BUYER"
    assert all(
        d["applicationId"] != app["id"] for d in (await flow.listing(BUYER, "/cabinet/documents"))
    )


async def test_v19_another_regions_officer_and_non_officers_see_nothing(flow: VinClient) -> None:
    # The tests that leave their application waiting use another buyer: БМГ lets one person
    # hold two reservations at once.
    app = await _submitted(flow, "buyer_2")
    await flow.police_case(OFFICER, app)
    inbox = await flow.listing(OTHER_OFFICER, "/police/applications")
    assert app["id"] not in [c["applicationId"] for c in inbox]
    for path in ("", "/decision-document?approve=true"):
        reply = await flow.call(OTHER_OFFICER, "GET", f"/police/applications/{app['id']}{path}")
        assert (reply.status_code, reply.json()["code"]) == (404, "APPLICATION_NOT_FOUND")
    document = await flow.ok(
        OFFICER, "GET", f"/police/applications/{app['id']}/decision-document?approve=true"
    )
    body = {"approve": True, "cms": sign_b64(OTHER_OFFICER, document["document"])}
    path = f"/police/applications/{app['id']}/decision"
    reply = await flow.call(OTHER_OFFICER, "POST", path, body)
    assert (reply.status_code, reply.json()["code"]) == (404, "APPLICATION_NOT_FOUND")
    for outsider in (BUYER, DEALER):
        reply = await flow.call(outsider, "GET", "/police/applications")
        assert (reply.status_code, reply.json()["code"]) == (403, "NOT_A_POLICE_OFFICER")
    assert (await flow.application("buyer_2", app))["state"] == "V19_AWAITING_DECISION"


async def test_v19_decision_signed_by_another_person_or_over_another_document_is_rejected(
    flow: VinClient,
) -> None:
    app = await _submitted(flow, "buyer_2")
    await flow.police_case(OFFICER, app)
    reply = await flow.decide(OFFICER, app, approve=True, signer=OTHER_OFFICER)
    assert (reply.status_code, reply.json()["code"], reply.json()["step"]) == (
        422,
        "SIGNER_NOT_OFFICER",
        "V19",
    )
    # The officer signed an approval; the request says refuse: not what was signed.
    path = f"/police/applications/{app['id']}"
    document = await flow.ok(OFFICER, "GET", f"{path}/decision-document?approve=true")
    body = {"approve": False, "reason": "не то", "cms": sign_b64(OFFICER, document["document"])}
    reply = await flow.call(OFFICER, "POST", f"{path}/decision", body)
    assert (reply.status_code, reply.json()["code"]) == (422, "SIGNATURE_NOT_ACCEPTED")
    assert (await flow.application("buyer_2", app))["state"] == "V19_AWAITING_DECISION"


async def test_v19_a_retried_decision_issues_the_plate_once(flow: VinClient) -> None:
    app = await _submitted(flow)
    await flow.police_case(OFFICER, app)
    first = await flow.decide(OFFICER, app, approve=True, key="decision-key-0001")
    again = await flow.decide(OFFICER, app, approve=True, key="decision-key-0001")
    assert (first.status_code, again.status_code) == (200, 200)
    assert first.json() == again.json()
    # The printing centre moves it on over the bus; a decision racing that move is refused as
    # APPLICATION_CHANGED (the concurrent test below), one after it as the wrong step.
    await flow.until(BUYER, app, ["V20_READY_FOR_PICKUP"])
    other_key = await flow.decide(OFFICER, app, approve=True)
    assert (other_key.status_code, other_key.json()["code"]) == (409, "APPLICATION_WRONG_STEP")
    full = await flow.ok(DEALER, "GET", f"/dealer/applications/{app['id']}")
    issues = [c for c in full["checks"] if c["serviceId"] == "BMG_Issue"]
    assert [c["outcome"] for c in issues] == ["PASSED"]


async def test_v19_concurrent_decisions_with_different_keys_decide_once(
    flow: VinClient, bus: BusPlan
) -> None:
    """Ten signed decisions at once, approvals and refusals, each with its own key: one is
    made, the others get 409 with a code (no 500), and only the one made reached БМГ: the
    plate is ISSUED after an approval or FREE after a refusal, never annulled or released
    by a decision that lost."""
    app = await _submitted(flow)
    await flow.police_case(OFFICER, app)
    refusal = "ТС числится в розыске"
    decisions = [
        flow.decide(OFFICER, app, approve=i % 2 == 0, reason=None if i % 2 == 0 else refusal)
        for i in range(10)
    ]
    made = (await one_made(decisions)).json()
    plate = await _plate(bus, flow.http, made["application"]["plate"])
    if made["decision"] == "APPROVED":
        assert (plate["status"], plate["vin"]) == ("ISSUED", app["vin"])
    else:
        assert plate["status"] == "FREE"
    full = await flow.ok(DEALER, "GET", f"/dealer/applications/{app['id']}")
    bmg = [c["serviceId"] for c in full["checks"] if c["step"] == "V19" and "BMG" in c["serviceId"]]
    assert bmg in (["BMG_Issue"], ["BMG_Release"])


async def test_v19_bmg_outage_keeps_the_case_and_a_later_decision_goes_on(
    flow: VinClient, bus: BusPlan
) -> None:
    app = await _submitted(flow)
    await flow.police_case(OFFICER, app)
    gateway = bus.url("gateway")
    rule = {
        "kind": "error",
        "serviceId": "BMG_Issue",
        "errorCode": "PROVIDER_UNAVAILABLE",
        "status": 503,
        "count": 1,
    }
    added = await flow.http.post(f"{gateway}/admin/faults", json=rule, headers=ADMIN)
    assert added.status_code in (200, 201), added.text
    reply = await flow.decide(OFFICER, app, approve=True)
    assert (reply.status_code, reply.json()["code"], reply.json()["step"]) == (
        503,
        "REGISTRY_UNAVAILABLE",
        "V19",
    )
    case = await flow.police_case(OFFICER, app)
    assert (case["decidedAt"], case["application"]["state"]) == (None, "V19_AWAITING_DECISION")
    assert [
        c["outcome"] for c in case["application"]["checks"] if c["serviceId"] == "BMG_Issue"
    ] == ["UNAVAILABLE"]
    reply = await flow.decide(OFFICER, app, approve=True)
    assert reply.status_code == 200, reply.text
    await flow.until(BUYER, app, ["V20_READY_FOR_PICKUP"])


@pytest.fixture
async def auto_decision(flow: VinClient, bus: BusPlan) -> AsyncIterator[None]:
    policy = f"{bus.url('registration_service')}/admin/policy"
    reply = await flow.http.put(policy, json={"autoDecision": True}, headers=ADMIN)
    assert reply.json() == {"autoDecision": True}
    try:
        yield
    finally:
        await flow.http.put(policy, json={"autoDecision": False}, headers=ADMIN)


@pytest.mark.usefixtures("auto_decision")
async def test_v19_auto_decision_approves_a_clean_application(flow: VinClient) -> None:
    app = await _submitted(flow)
    ready = await flow.until(BUYER, app, ["V20_READY_FOR_PICKUP"])
    assert ready["decision"]["decision"] == "APPROVED"
    assert ready["decision"]["rule"] == "AUTO_CLEAN_APPLICATION"
    decided = await flow.listing(OFFICER, "/police/applications?pending=false")
    (case,) = [c for c in decided if c["applicationId"] == app["id"]]
    assert (case["automatic"], case["decision"]) == (True, "APPROVED")


async def test_admin_policy_needs_the_admin_credential(flow: VinClient, bus: BusPlan) -> None:
    policy = f"{bus.url('registration_service')}/admin/policy"
    reply = await flow.http.put(policy, json={"autoDecision": True})
    assert (reply.status_code, reply.json()["code"]) == (401, "ADMIN_CREDENTIAL_REQUIRED")
    assert (await flow.http.get(policy, headers=ADMIN)).json() == {"autoDecision": False}


async def _events(lines: AsyncIterator[str]) -> AsyncIterator[dict[str, str]]:
    """Server-sent events, parsed from the stream's lines."""
    event: dict[str, str] = {}
    async for line in lines:
        if not line:
            if event:
                yield event
            event = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            event[name] = value.removeprefix(" ")


async def test_v19_a_stream_of_one_application_follows_that_one_alone(flow: VinClient) -> None:
    """The page of one application (`applicationId`) gets its notifications from the first on,
    and none of the buyer's other applications."""
    other = await _submitted(flow)
    app = await _submitted(flow)
    assert other["id"] != app["id"]
    async with flow.following(BUYER, app) as feed:
        to_accept = await feed.next({"APPLICATION_TO_ACCEPT"})
        await flow.police_case(OFFICER, app)
        reply = await flow.decide(OFFICER, app, approve=True)
        assert reply.status_code == 200, reply.text
        approved = await feed.next({"REGISTRATION_APPROVED"})
    assert (to_accept["applicationId"], approved["applicationId"]) == (app["id"], app["id"])


async def test_v10_cabinet_stream_delivers_notifications_live(flow: VinClient) -> None:
    buyer, dealer = "buyer_2", "dealer_kokshe_manager"
    seen = await flow.listing(buyer, "/cabinet/notifications")
    last = max([n["id"] for n in seen], default=0)
    headers = {"Authorization": f"Bearer {await flow.token(buyer)}", "Last-Event-ID": str(last)}
    vin = await flow.new_vehicle("dealer_kokshe_auto", buyer)
    async with flow.http.stream(
        "GET", f"{flow.portal}/cabinet/notifications/stream", headers=headers
    ) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        events = _events(stream.aiter_lines())
        # Nothing new yet: the stream waits; the dealer's signature (V9) notifies the buyer.
        signing = asyncio.create_task(flow.signed_by_dealer(dealer, vin, persona(buyer)["iin"]))
        event = await asyncio.wait_for(anext(events), 20)
        app = await signing
    assert event["event"] == "notification"
    data = json.loads(event["data"])
    assert (data["applicationId"], data["step"], data["kind"]) == (
        app["id"],
        "V10",
        "APPLICATION_TO_ACCEPT",
    )
    assert int(event["id"]) > last
