"""`egov demo vin`: a VIN registration (V1–V22), or one of its refusal branches, played by its
people against a bus that is already running (`egov up`), each step reported with its step ID.

Every branch checks what the portal must answer: the state, or the exact refusal code and its
step. Vehicles of the happy path are minted fresh through the registries' admin APIs, since a
registered VIN cannot be registered again; the refusal branches reuse the catalogue's seeded
VINs, which a refused application does not hold. What a branch changes besides its own
application — the bus clock, the auto-decision rule, ЕРАП's fines — it puts back at the end, so
any branch can run again on the same bus.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, date, datetime
from urllib.parse import quote

import httpx

from egov.demo import (
    WAIT_SECONDS,
    Branch,
    Demo,
    Outcome,
    Pilot,
    Reporter,
    answered,
    english,
    expect_problem,
    expect_refusal,
    play_branches,
)
from egov.flow_client import FRONTOFFICE, FlowError, Json, persona
from egov.flow_client import legal_entity as company
from egov.vin_flow import VinClient, expect
from registration_service.settings import Settings as PortalSettings
from servicekit.clock import ALMATY
from servicekit.http_clients import async_client
from servicekit.registries import registry_name
from servicekit.settings import DEFAULT_ADMIN_TOKEN

PILOT_START: date = PortalSettings.model_fields["pilot_start"].default
PILOT_END: date = PortalSettings.model_fields["pilot_end"].default
PILOT_DAY = datetime(2026, 3, 2, 10, 0, tzinfo=ALMATY)
"""Where the demo stops the bus clock when today is outside the pilot: a Monday of the pilot,
in the ЦОН's working hours."""
PILOT = Pilot(PILOT_START, PILOT_END, PILOT_DAY)

SELLER, DEALER = "dealer_astana_motors", "dealer_manager"
BUYER, OTHER_PERSON = "buyer", "buyer_2"
OFFICER = "police_officer_almaty"
CENTRE, WORKER = "ALM-ALMALY", "frontoffice_worker_almaty"
UNKNOWN_IIN = "770707343214"
"""A valid ИИН that ГБД ФЛ has never heard of."""
RESERVED_UNTIL = datetime(2031, 1, 1, tzinfo=UTC)
"""How long a number the demo reserves stays reserved: as long as the catalogue's does."""


class VinDemo(Demo[VinClient]):
    """The VIN registration's people, and what the dealer's view tells of the registry checks."""

    def __init__(self, flow: VinClient, reporter: Reporter) -> None:
        super().__init__(flow, reporter)
        self._shown: set[str] = set()

    async def checks(self, app: Json) -> None:
        """Report the registry checks made since the last report (the dealer's view of the
        application has every one, V1 to V19)."""
        full = await self.flow.ok(DEALER, "GET", f"/dealer/applications/{app['id']}")
        for check in full["checks"]:
            if check["messageId"] in self._shown:
                continue
            self._shown.add(check["messageId"])
            outcome = check["outcome"] + (f" {check['code']}" if check["code"] else "")
            registry = f"{registry_name(check['serviceId'])} ({check['serviceId']})"
            self.say(check["step"], "portal → ШЭП", f"asks {registry}", outcome)

    async def auto_decision(self) -> bool:
        policy = await self.admin("registration_service", "GET", "/admin/policy")
        return bool(policy["autoDecision"])

    async def set_auto_decision(self, on: bool) -> None:
        body = {"autoDecision": on}
        await self.admin("registration_service", "PUT", "/admin/policy", body)


async def run(
    url: Callable[[str], str],
    branches: Sequence[str],
    reporter: Reporter,
    *,
    admin_token: str = DEFAULT_ADMIN_TOKEN,
) -> list[Outcome]:
    """Play `branches` (names of BRANCHES) one after another on the bus at `url`; NoBus when
    there is no bus. V1 refuses outside the pilot: the bus clock is stopped on a pilot day if
    today is not one, and put back at the end."""
    async with async_client(timeout=30) as http:
        demo = VinDemo(VinClient(url, http, admin_token=admin_token), reporter)
        return await play_branches(demo, BRANCHES, branches, PILOT)


# --- the steps, shared by the branches -----------------------------------------------------


async def _mint(demo: VinDemo, buyer: str) -> str:
    vin = await demo.flow.new_vehicle(SELLER, buyer)
    demo.note(
        "tester (admin APIs)",
        f"mints VIN {vin}: ЭПТС, customs, recycling fee, contract {SELLER} → {buyer}",
    )
    return vin


async def _start(demo: VinDemo) -> Json:
    app = await demo.flow.start(DEALER)
    seller = company(SELLER)["name"]
    demo.say("V1", DEALER, f"starts application {app['number']} for {seller}", app["state"])
    await demo.checks(app)
    return expect(app, "V2_AWAITING_VIN")


async def _vin(demo: VinDemo, app: Json, vin: str) -> Json:
    app = await demo.flow.enter_vin(DEALER, app, vin)
    demo.say("V2", DEALER, f"enters VIN {vin}", app["state"])
    await demo.checks(app)
    return app


async def _buyer(demo: VinDemo, app: Json, buyer: str) -> Json:
    iin = persona(buyer)["iin"]
    app = await demo.flow.enter_buyer(DEALER, app, iin)
    demo.say("V6", DEALER, f"enters the buyer's ИИН {iin} ({buyer})", app["state"])
    await demo.checks(app)
    return app


async def _dealer_signs(demo: VinDemo, app: Json) -> Json:
    app = answered(await demo.flow.dealer_sign(DEALER, app))
    demo.say("V9", DEALER, "signs the application with ЭЦП", app["state"])
    await demo.checks(app)
    return expect(app, "V10_AWAITING_BUYER_CONSENT")


async def _dealer_part(demo: VinDemo, vin: str, buyer: str) -> Json:
    """V1–V9: the dealer's application, signed, waiting for the buyer."""
    app = expect(await _vin(demo, await _start(demo), vin), "V6_AWAITING_BUYER")
    app = expect(await _buyer(demo, app, buyer), "V9_AWAITING_SELLER_SIGNATURE")
    return await _dealer_signs(demo, app)


async def _notified(demo: VinDemo, app: Json, buyer: str) -> None:
    notes = await demo.flow.listing(buyer, "/cabinet/notifications")
    mine = [n for n in notes if n["applicationId"] == app["id"] and n["step"] == "V10"]
    if not mine:
        raise FlowError(f"{buyer} has no V10 notification of {app['number']} in the cabinet")
    demo.say("V10", buyer, "is notified in the cabinet", english(mine[-1]["messages"]))


async def _accept(demo: VinDemo, app: Json, buyer: str, step: str = "V10") -> Json:
    """V10 accepted, or V14 submitted again once the fines are paid: V11–V14 check again."""
    app = answered(await demo.flow.cabinet(buyer, app, "accept"))
    action = "accepts the application" if step == "V10" else "submits the application again"
    demo.say(step, buyer, action, app["state"])
    await demo.checks(app)
    return app


async def _consent(demo: VinDemo, app: Json, buyer: str) -> Json:
    """V10–V14: notified, accepted, re-checked, no fines."""
    await _notified(demo, app, buyer)
    return expect(await _accept(demo, app, buyer), "V15_AWAITING_PICKUP_CHOICE")


async def _centre(demo: VinDemo, app: Json, buyer: str) -> Json:
    app = await demo.flow.choose_pickup(buyer, app, CENTRE)
    demo.say("V15", buyer, f"chooses ЦОН {CENTRE}, a standard plate", app["state"])
    return expect(app, "V16_AWAITING_PLATE")


async def _offer(demo: VinDemo, app: Json, buyer: str) -> Json:
    offer = await demo.flow.plate_offer(buyer, app)
    shown = (
        f"reserved for the buyer: {offer['reserved']}"
        if offer["reserved"]
        else f"free: {', '.join(offer['free'][:3])}…"
    )
    demo.say("V16", buyer, "looks at the numbers the portal offers", shown)
    await demo.checks(app)
    return offer


async def _take_plate(demo: VinDemo, app: Json, buyer: str, plate: str | None) -> Json:
    app = answered(await demo.flow.choose_plate(buyer, app, plate))
    demo.say("V16", buyer, f"takes {app['plate']} ({app['plateSource']})", app["state"])
    await demo.checks(app)
    invoice = app["invoice"]
    demo.say(
        "V17", "portal → ПШЭП", "issues the invoice", f"{invoice['number']}: {invoice['total']} ₸"
    )
    return expect(app, "V17_AWAITING_PAYMENT")


async def _plate(demo: VinDemo, app: Json, buyer: str) -> Json:
    """V15–V16 and the invoice of V17."""
    app = await _centre(demo, app, buyer)
    offer = await _offer(demo, app, buyer)
    return await _take_plate(demo, app, buyer, offer["reserved"] or offer["free"][0])


async def _payment(demo: VinDemo, app: Json, buyer: str) -> Json:
    paid = await demo.flow.pay(app)
    demo.say(
        "V17", buyer, f"pays {app['invoice']['number']} in ПШЭП", f"receipt {paid['receiptNumber']}"
    )
    app = answered(await demo.flow.cabinet(buyer, app, "payment-check"))
    demo.say("V17", buyer, "goes on: the portal asks ПШЭП", app["state"])
    await demo.checks(app)
    return expect(app, "V18_AWAITING_BUYER_SIGNATURE")


async def _signature(demo: VinDemo, app: Json, buyer: str) -> Json:
    app = answered(await demo.flow.buyer_sign(buyer, app))
    demo.say("V18", buyer, "signs the application with ЭЦП: submitted to the police", app["state"])
    await demo.checks(app)
    return expect(app, "V19_AWAITING_DECISION")


async def _submitted(demo: VinDemo, buyer: str) -> Json:
    """V1–V18 on a fresh vehicle: the application with the police of the ЦОН's region."""
    app = await _dealer_part(demo, await _mint(demo, buyer), buyer)
    app = await _plate(demo, await _consent(demo, app, buyer), buyer)
    return await _signature(demo, await _payment(demo, app, buyer), buyer)


async def _approved(demo: VinDemo, app: Json, buyer: str) -> Json:
    """V19: the police approve (by the auto-decision rule when it is on, else the officer)
    and the printing centre makes the СРТС."""
    if await demo.auto_decision():
        app = await demo.flow.until(buyer, app, ["V19_PRINTING", "V20_READY_FOR_PICKUP"])
        decision = app["decision"]
        by = decision.get("rule") or "an officer"
        demo.say("V19", "police desk", "auto-decision rule is on", f"{decision['decision']} ({by})")
    else:
        await _case(demo, app)
        decided = answered(await demo.flow.decide(OFFICER, app, approve=True))
        decision = decided["application"]["decision"]
        demo.say(
            "V19",
            OFFICER,
            f"approves, signed with ЭЦП (certificate {decision['certificateSerial']})",
            decided["application"]["state"],
        )
    app = await demo.flow.until(buyer, app, ["V20_READY_FOR_PICKUP"], WAIT_SECONDS)
    await demo.checks(app)
    demo.say(
        "V19", "ИПЦ", f"prints СРТС {app['certificateNumber']}, plate {app['plate']}", app["state"]
    )
    return app


async def _case(demo: VinDemo, app: Json) -> None:
    case = await demo.flow.police_case(OFFICER, app)
    region, state = case["regionCode"], case["application"]["state"]
    demo.say("V19", OFFICER, f"finds the case in the inbox of region {region}", state)


async def _digital_documents(demo: VinDemo, app: Json, buyer: str) -> None:
    number = app["certificateNumber"]
    documents = await demo.flow.listing(buyer, "/cabinet/documents")
    found = [d for d in documents if d["number"] == number]
    if not found:
        raise FlowError(f"СРТС {number} is not in {buyer}'s digital documents")
    document = found[0]
    pdf = await demo.flow.call(buyer, "GET", document["pdfUrl"])
    if not pdf.content.startswith(b"%PDF-"):
        raise FlowError(f"{document['pdfUrl']}: {pdf.status_code}, not a PDF")
    if hashlib.sha256(pdf.content).hexdigest() != document["pdfSha256"]:
        raise FlowError(f"{document['pdfUrl']}: the PDF is not the one the document names")
    demo.say(
        "V19",
        buyer,
        f"sees СРТС {number} in the digital documents",
        f"PDF {len(pdf.content) // 1024} KB at {document['pdfUrl']}",
    )


async def _sms(demo: VinDemo, app: Json, buyer: str) -> None:
    phone = (await demo.admin("gbd_fl", "GET", f"/admin/persons/{app['buyerIin']}"))["phone"]
    text = await demo.flow.sms_about(
        phone, app["number"], app["certificateNumber"], seconds=WAIT_SECONDS
    )
    demo.say("V20", "SMS centre", f"texts {buyer} at {phone}", text["text"])


async def _at_the_centre(demo: VinDemo, app: Json, owner: str) -> None:
    """The ЦОН learns of the documents through the bus, a moment after the portal."""
    await demo.flow.documents_at(WORKER, CENTRE, owner, app, seconds=WAIT_SECONDS)
    demo.say("V20", f"ЦОН {CENTRE}", f"has the СРТС and plate of {app['number']}", "READY")


async def _picked_up(demo: VinDemo, app: Json, buyer: str) -> None:
    """V20–V22 and the application's end."""
    handed = await demo.flow.pick_up(WORKER, CENTRE, buyer, app)
    ticket, pickup = handed["ticket"], handed["pickup"]
    demo.say("V20", WORKER, f"checks {buyer} in ГБД ФЛ, issues an e-queue ticket", ticket["code"])
    demo.say(
        "V21",
        WORKER,
        f"calls {ticket['code']} to window {ticket['window']}: digital ID, {app['number']}",
        "checked",
    )
    demo.say(
        "V22",
        WORKER,
        f"hands over СРТС {pickup['certificateNumber']} and plate {pickup['plate']}",
        pickup["status"],
    )
    done = await demo.flow.until(buyer, app, ["COMPLETED"], WAIT_SECONDS)
    demo.say("V22", "portal", f"application {app['number']} is done", done["state"])


# --- the branches ----------------------------------------------------------------------------


async def _registered(demo: VinDemo, buyer: str) -> Json:
    """V1–V19 on a fresh vehicle: approved and printed."""
    return await _approved(demo, await _submitted(demo, buyer), buyer)


async def _happy(demo: VinDemo) -> None:
    app = await _registered(demo, BUYER)
    await _digital_documents(demo, app, BUYER)
    await _sms(demo, app, BUYER)
    await _at_the_centre(demo, app, BUYER)
    await _picked_up(demo, app, BUYER)


def _refused(demo: VinDemo, app: Json, code: str, step: str, state: str = "REFUSED") -> None:
    refusal = expect_refusal(app, code, step, field="state", state=state)
    demo.say(step, "portal", f"{state}: {code}", english(refusal.get("messages")), "refused")


def _vin_refusal(name: str, step: str, vin: str, why: str, code: str) -> Branch[VinDemo]:
    """The branch where the portal refuses a catalogue VIN at `step` for `why`."""

    async def play(demo: VinDemo) -> None:
        app = await _vin(demo, await _start(demo), vin)
        _refused(demo, app, code, step)

    return Branch(name, step, f"{why} → refused, {code}", play)


async def _v1_liquidated(demo: VinDemo) -> None:
    scenario = "gbd_ul.liquidated"
    reply = await demo.flow.call(
        DEALER, "POST", "/dealer/applications", headers={"X-Test-Scenario": scenario}
    )
    problem = expect_problem(reply, 422, "SELLER_NOT_ACTIVE", "V1")
    demo.say(
        "V1",
        DEALER,
        f"starts an application; ГБД ЮЛ answers by X-Test-Scenario: {scenario}",
        f"422 SELLER_NOT_ACTIVE: {english(problem['messages'])}",
        "refused",
    )


OKED_SELLER = "no_vehicle_oked"
"""A construction company of the catalogue (ОКЭД 41201, 43110): no vehicle trade."""
OKED_EMPLOYEE = ("stroy_invest_manager", "880621342172", "Ахметов Серик")
"""Its employee with the dealer's role: no catalogue person works there, so the branch has НУЦ
issue them a key and grant the role, and takes the role back when done."""


async def _v1_no_vehicle_oked(demo: VinDemo) -> None:
    key, iin, name = OKED_EMPLOYEE
    seller = company(OKED_SELLER)
    await demo.flow.employ(key, OKED_SELLER, iin, name)
    demo.note("tester (НУЦ admin API)", f"issues {name} a key of {seller['name']}, dealer role")
    try:
        reply = await demo.flow.call(key, "POST", "/dealer/applications")
        problem = expect_problem(reply, 422, "SELLER_NOT_VEHICLE_TRADER", "V1")
        okeds = ", ".join(str(code) for code in seller["oked"])
        demo.say(
            "V1",
            key,
            f"starts an application for {seller['name']} (ОКЭД {okeds})",
            f"422 SELLER_NOT_VEHICLE_TRADER: {english(problem['messages'])}",
            "refused",
        )
    finally:
        await demo.flow.dismiss(OKED_SELLER, iin)
        demo.note("tester (НУЦ admin API)", f"takes the dealer role back from {name}")


async def _v7_unknown_iin(demo: VinDemo) -> None:
    vin = await _mint(demo, BUYER)
    app = expect(await _vin(demo, await _start(demo), vin), "V6_AWAITING_BUYER")
    path = f"/dealer/applications/{app['id']}/buyer"
    reply = await demo.flow.call(DEALER, "PUT", path, {"iin": UNKNOWN_IIN})
    problem = expect_problem(reply, 422, "BUYER_NOT_FOUND", "V7")
    demo.say(
        "V7",
        DEALER,
        f"enters ИИН {UNKNOWN_IIN}, unknown to ГБД ФЛ",
        f"422 BUYER_NOT_FOUND: {english(problem['messages'])}",
        "refused",
    )
    await demo.checks(app)
    again = await demo.flow.ok(DEALER, "GET", f"/dealer/applications/{app['id']}")
    demo.say("V6", DEALER, "may enter the ИИН again", expect(again, "V6_AWAITING_BUYER")["state"])
    expect(await _buyer(demo, app, BUYER), "V9_AWAITING_SELLER_SIGNATURE")


async def _v7_deceased(demo: VinDemo) -> None:
    app = expect(await _vin(demo, await _start(demo), NO_CONTRACT_VIN), "V6_AWAITING_BUYER")
    _refused(demo, await _buyer(demo, app, "buyer_deceased"), "BUYER_DECEASED", "V7")


async def _v8_no_contract(demo: VinDemo) -> None:
    app = expect(await _vin(demo, await _start(demo), NO_CONTRACT_VIN), "V6_AWAITING_BUYER")
    _refused(demo, await _buyer(demo, app, BUYER), "SALE_CONTRACT_MISSING", "V8")


async def _v10_decline(demo: VinDemo) -> None:
    app = await _dealer_part(demo, await _mint(demo, BUYER), BUYER)
    await _notified(demo, app, BUYER)
    app = answered(await demo.flow.cabinet(BUYER, app, "decline"))
    demo.say("V10", BUYER, "declines the application", app["state"])
    _refused(demo, app, "BUYER_DECLINED", "V10", state="DECLINED")


async def _v14_fines(demo: VinDemo) -> None:
    buyer = "buyer_with_fines"
    app = await _dealer_part(demo, await _mint(demo, buyer), buyer)
    await _notified(demo, app, buyer)
    app = expect(await _accept(demo, app, buyer), "V14_AWAITING_FINES_PAYMENT")
    fines = app["unpaidFines"] or []
    if not fines:
        raise FlowError(f"{app['number']} waits for fines, but lists none")
    for fine in fines:
        demo.say(
            "V14",
            "ЕРАП",
            f"unpaid fine {fine['caseNumber']}, {fine['article']}",
            f"{fine['amount']} ₸",
            "refused",
        )
    async with _fines_put_back(demo, [fine["caseNumber"] for fine in fines]):
        for fine in fines:
            paid = await demo.admin("erap_fines", "POST", f"/admin/fines/{fine['caseNumber']}/pay")
            demo.say(
                "V14",
                buyer,
                f"pays fine {fine['caseNumber']} (ЕРАП admin API)",
                "paid" if paid["paid"] else "unpaid",
            )
        expect(await _accept(demo, app, buyer, "V14"), "V15_AWAITING_PICKUP_CHOICE")


@contextlib.asynccontextmanager
async def _fines_put_back(demo: VinDemo, cases: list[str]) -> AsyncIterator[None]:
    """ЕРАП's fines unpaid again afterwards, so that the branch finds them the next time."""
    records = [await demo.admin("erap_fines", "GET", f"/admin/fines/{case}") for case in cases]
    try:
        yield
    finally:
        for record in records:
            fine = {key: record[key] for key in _FINE_FIELDS} | {"paid": False}
            await demo.admin("erap_fines", "PUT", f"/admin/fines/{record['caseNumber']}", fine)
        demo.note("tester (admin APIs)", f"puts ЕРАП's fines {', '.join(cases)} back unpaid")


_FINE_FIELDS = (
    "iin",
    "article",
    "description",
    "descriptionKk",
    "decisionDate",
    "amountMrp",
    "amount",
    "dueDate",
)


async def _v16_reserved_plate(demo: VinDemo) -> None:
    buyer = "buyer_reserved_plate"
    await _reservation_for(demo, buyer)
    app = await _dealer_part(demo, await _mint(demo, buyer), buyer)
    app = await _centre(demo, await _consent(demo, app, buyer), buyer)
    offer = await _offer(demo, app, buyer)
    if not offer["reserved"] or offer["free"]:
        raise FlowError(f"expected only the number reserved for {buyer}, got {offer}")
    # No number chosen: the portal takes the one БМГ holds for the buyer.
    app = await _take_plate(demo, app, buyer, None)
    if (app["plate"], app["plateSource"]) != (offer["reserved"], "RESERVED_FOR_BUYER"):
        raise FlowError(f"expected {offer['reserved']} reserved for the buyer, got {app['plate']}")


async def _reservation_for(demo: VinDemo, buyer: str) -> None:
    """БМГ must hold a number for the buyer that none of their open applications has taken:
    the catalogue's, the first time; later runs' applications keep theirs, so then the tester
    reserves a free number for the buyer."""
    iin = persona(buyer)["iin"]
    mine = await demo.flow.listing(buyer, "/cabinet/applications")
    taken = {a["plate"] for a in mine if a["state"] not in ("REFUSED", "DECLINED")}
    region = "regionCode=02&kind=VEHICLE_INDIVIDUAL"
    held = await demo.admin(
        "number_bank", "GET", f"/admin/plates?{region}&status=RESERVED&iin={iin}"
    )
    if any(plate["plate"] not in taken for plate in held):
        return
    free = await demo.admin(
        "number_bank", "GET", f"/admin/plates?{region}&status=FREE&increasedDemand=false&limit=1"
    )
    if not free:
        raise FlowError("БМГ has no free number left in region 02")
    plate = free[0]["plate"]
    body = {"status": "RESERVED", "iin": iin, "reservedUntil": RESERVED_UNTIL.isoformat()}
    await demo.admin("number_bank", "PUT", f"/admin/plates/{quote(plate)}", body)
    demo.note(
        "tester (admin API)",
        f"reserves {plate} for {buyer} in БМГ: earlier runs' applications hold the others",
    )


async def _v17_unpaid(demo: VinDemo) -> None:
    app = await _dealer_part(demo, await _mint(demo, BUYER), BUYER)
    app = await _plate(demo, await _consent(demo, app, BUYER), BUYER)
    async with _number_given_back(demo, app):
        reply = await demo.flow.cabinet(BUYER, app, "payment-check")
        problem = expect_problem(reply, 409, "INVOICE_NOT_PAID", "V17")
        demo.say(
            "V17",
            BUYER,
            "goes on without paying",
            f"409 INVOICE_NOT_PAID: {english(problem['messages'])}",
            "refused",
        )
        await _unchanged(demo, app, BUYER, "V17_AWAITING_PAYMENT")


async def _v18_wrong_signer(demo: VinDemo) -> None:
    app = await _dealer_part(demo, await _mint(demo, BUYER), BUYER)
    app = await _plate(demo, await _consent(demo, app, BUYER), BUYER)
    async with _number_given_back(demo, app):
        app = await _payment(demo, app, BUYER)
        reply = await demo.flow.buyer_sign(BUYER, app, signer=OTHER_PERSON)
        problem = expect_problem(reply, 422, "SIGNER_NOT_BUYER", "V18")
        demo.say(
            "V18",
            BUYER,
            f"signs with {OTHER_PERSON}'s ЭЦП",
            f"422 SIGNER_NOT_BUYER: {english(problem['messages'])}",
            "refused",
        )
        await _unchanged(demo, app, BUYER, "V18_AWAITING_BUYER_SIGNATURE")


@contextlib.asynccontextmanager
async def _number_given_back(demo: VinDemo, app: Json) -> AsyncIterator[None]:
    """БМГ holds at most two numbers per person, and the demo's bus clock stands still, so
    the holds of applications a branch leaves halfway would never lapse: the buyer withdraws
    the application at the end, and the portal gives its number back."""
    try:
        yield
    finally:
        withdrawn = expect(answered(await demo.flow.cabinet(BUYER, app, "decline")), "DECLINED")
        demo.say(
            withdrawn["refusal"]["step"],
            BUYER,
            f"withdraws the application; {app['plate']} goes back to БМГ",
            withdrawn["state"],
        )


async def _unchanged(demo: VinDemo, app: Json, buyer: str, state: str) -> None:
    current = expect(await demo.flow.application(buyer, app), state)
    demo.say(state.split("_", 1)[0], "portal", "the application has not moved", current["state"])


async def _v19_police_refusal(demo: VinDemo) -> None:
    async with _officer_decides(demo):
        app = await _submitted(demo, BUYER)
        await _case(demo, app)
        reason = "ТС числится в розыске"
        decided = answered(await demo.flow.decide(OFFICER, app, approve=False, reason=reason))
        demo.say("V19", OFFICER, f"refuses, signed with ЭЦП: «{reason}»", decided["decision"])
        _refused(demo, decided["application"], "POLICE_REFUSED", "V19")


@contextlib.asynccontextmanager
async def _officer_decides(demo: VinDemo) -> AsyncIterator[None]:
    """The auto-decision rule off for the branch (an officer cannot refuse what the rule has
    already approved), and back on afterwards if it was."""
    was_on = await demo.auto_decision()
    if was_on:
        await demo.set_auto_decision(False)
        demo.note("tester (admin API)", "turns the police desk's auto-decision rule off")
    try:
        yield
    finally:
        if was_on:
            await demo.set_auto_decision(True)
            demo.note("tester (admin API)", "turns the auto-decision rule back on")


async def _v21_wrong_person(demo: VinDemo) -> None:
    app = await _registered(demo, BUYER)
    await _at_the_centre(demo, app, BUYER)
    # The impostor needs a pick-up ticket, which the reception gives only to someone whose
    # own documents wait here: give buyer_2 a registration of their own first.
    demo.quiet = True
    try:
        own = await _registered(demo, OTHER_PERSON)
        await _at_the_centre(demo, own, OTHER_PERSON)
    finally:
        demo.quiet = False
    demo.note(OTHER_PERSON, f"has own documents waiting at {CENTRE}", own["number"])
    iin = persona(OTHER_PERSON)["iin"]
    ticket = await _called(demo, iin)
    demo.say(
        "V20", WORKER, f"checks {OTHER_PERSON} in ГБД ФЛ, issues an e-queue ticket", ticket["code"]
    )
    reply = await _hand_over(demo, ticket, app, iin)
    problem = expect_problem(reply, 422, "PICKUP_WRONG_PERSON", "V21")
    demo.say(
        "V21",
        OTHER_PERSON,
        f"asks for the documents of {app['number']} ({BUYER}'s)",
        f"422 PICKUP_WRONG_PERSON: {english(problem['messages'])}",
        "refused",
    )
    await _unchanged(demo, app, BUYER, "V20_READY_FOR_PICKUP")
    await _at_the_centre(demo, app, BUYER)
    mine = answered(await _hand_over(demo, ticket, own, iin))
    demo.say("V22", WORKER, f"hands {OTHER_PERSON} their own documents", mine["pickup"]["status"])
    await _picked_up(demo, app, BUYER)


async def _called(demo: VinDemo, iin: str) -> Json:
    """V20: a pick-up ticket for `iin`, called to window 1."""
    office = f"/offices/{CENTRE}/queue"
    body = {"kind": "VIN_PICKUP", "visitorIin": iin, "identification": {"kind": "DIGITAL_DOCUMENT"}}
    ticket = await demo.flow.ok(WORKER, "POST", f"{office}/tickets", body, service=FRONTOFFICE)
    return await demo.flow.ok(
        WORKER, "POST", f"{office}/tickets/{ticket['id']}/call", {"window": 1}, service=FRONTOFFICE
    )


async def _hand_over(demo: VinDemo, ticket: Json, app: Json, iin: str) -> httpx.Response:
    body = {
        "ticketId": ticket["id"],
        "applicationNumber": app["number"],
        "visitorIin": iin,
        "identification": {"kind": "DIGITAL_DOCUMENT"},
    }
    path = f"/offices/{CENTRE}/pickups/hand-over"
    return await demo.flow.call(WORKER, "POST", path, body, service=FRONTOFFICE)


NO_EPTS_VIN = "MXAJC4115TK100301"
FOREIGN_MADE_VIN = "X9FHXXEE3SB300401"
CUSTOMS_UNPAID_VIN = "MXAJC4119TK100303"
RECYCLING_UNPAID_VIN = "MXAJC4112TK100305"
NO_CONTRACT_VIN = "MXAJC4114TK100306"
"""The catalogue's vehicles of the refusal branches (personas/catalogue.yaml)."""

BRANCHES: dict[str, Branch[VinDemo]] = {
    branch.name: branch
    for branch in (
        Branch(
            "happy",
            "V1–V22",
            f"a new vehicle sold by {SELLER} to {BUYER}: registered, collected at {CENTRE}",
            _happy,
        ),
        Branch(
            "v1-liquidated",
            "V1",
            "ГБД ЮЛ says the seller is liquidated (X-Test-Scenario) → 422 SELLER_NOT_ACTIVE",
            _v1_liquidated,
        ),
        Branch(
            "v1-no-vehicle-oked",
            "V1",
            f"{OKED_SELLER} trades no vehicles (ОКЭД) → 422 SELLER_NOT_VEHICLE_TRADER",
            _v1_no_vehicle_oked,
        ),
        _vin_refusal(
            "v3-no-epts",
            "V3",
            NO_EPTS_VIN,
            f"no ЭПТС for {NO_EPTS_VIN}",
            "VEHICLE_PASSPORT_MISSING",
        ),
        _vin_refusal(
            "v3-foreign-made",
            "V3",
            FOREIGN_MADE_VIN,
            f"{FOREIGN_MADE_VIN} was made abroad",
            "VEHICLE_NOT_MADE_IN_KAZAKHSTAN",
        ),
        _vin_refusal(
            "v4-customs-unpaid",
            "V4",
            CUSTOMS_UNPAID_VIN,
            f"customs payments of {CUSTOMS_UNPAID_VIN} unpaid",
            "CUSTOMS_UNPAID",
        ),
        _vin_refusal(
            "v5-recycling-unpaid",
            "V5",
            RECYCLING_UNPAID_VIN,
            f"recycling fee of {RECYCLING_UNPAID_VIN} unpaid",
            "RECYCLING_FEE_UNPAID",
        ),
        Branch(
            "v7-unknown-iin-then-retry",
            "V7",
            "an ИИН unknown to ГБД ФЛ → 422 BUYER_NOT_FOUND; the right one goes on to V9",
            _v7_unknown_iin,
        ),
        Branch(
            "v7-deceased",
            "V7",
            "the buyer has died (buyer_deceased) → refused, BUYER_DECEASED",
            _v7_deceased,
        ),
        Branch(
            "v8-no-contract",
            "V8",
            f"no sale contract for {NO_CONTRACT_VIN} → refused, SALE_CONTRACT_MISSING",
            _v8_no_contract,
        ),
        Branch(
            "v10-decline",
            "V10",
            "the buyer declines the application → DECLINED, BUYER_DECLINED",
            _v10_decline,
        ),
        Branch(
            "v14-fines",
            "V14",
            "buyer_with_fines has unpaid fines → V14_AWAITING_FINES_PAYMENT; paid → V15",
            _v14_fines,
        ),
        Branch(
            "v16-reserved-plate",
            "V16",
            "БМГ holds a number for buyer_reserved_plate: it is offered and taken",
            _v16_reserved_plate,
        ),
        Branch(
            "v17-unpaid",
            "V17",
            "the buyer goes on before paying → 409 INVOICE_NOT_PAID",
            _v17_unpaid,
        ),
        Branch(
            "v18-wrong-signer",
            "V18",
            f"the application signed with {OTHER_PERSON}'s ЭЦП → 422 SIGNER_NOT_BUYER",
            _v18_wrong_signer,
        ),
        Branch(
            "v19-police-refusal",
            "V19",
            "the officer refuses with a reason → REFUSED, POLICE_REFUSED",
            _v19_police_refusal,
        ),
        Branch(
            "v21-wrong-person",
            "V21",
            f"{OTHER_PERSON} asks for {BUYER}'s documents → 422 PICKUP_WRONG_PERSON, "
            "nothing handed over",
            _v21_wrong_person,
        ),
    )
}
