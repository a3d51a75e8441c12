"""`egov demo machinery`: the machinery registration through a ЦОН (M4–M17), or one of its
refusal branches, played by its people against a running bus (`egov up`), each step reported
with its step ID.

The happy path goes from the queue ticket to the SMS and the digital document, then moves the
bus clock past the month the office keeps the paper basis and hands the archive over by an act
signed by the provider and the head of the front office. Machines of the registrations are
minted fresh through ЭПСМ's admin API (a registered machine cannot be registered again); the
bus clock is put back at the end, so any branch can run again on the same bus.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from egov.demo import (
    Branch,
    Demo,
    Outcome,
    Pilot,
    Reporter,
    english,
    expect_problem,
    expect_refusal,
    play_branches,
)
from egov.flow_client import FlowError, Json, answer
from egov.machinery_flow import MachineryClient, expect
from egov.signin import sign_b64
from frontoffice_service.settings import Settings as FrontOfficeSettings
from servicekit.clock import ALMATY
from servicekit.http_clients import async_client
from servicekit.settings import DEFAULT_ADMIN_TOKEN

PILOT_START: date = FrontOfficeSettings.model_fields["machinery_pilot_start"].default
PILOT_END: date = FrontOfficeSettings.model_fields["machinery_pilot_end"].default
PILOT_DAY = datetime(2025, 10, 20, 10, 0, tzinfo=ALMATY)
"""Where the demo stops the bus clock when today is outside the pilot: a Monday of it, in the
ЦОН's working hours."""
PILOT = Pilot(PILOT_START, PILOT_END, PILOT_DAY)

ALM, WORKER_ALM, OFFICER_ALM, HEAD = (
    "ALM-ALMALY",
    "frontoffice_worker_almaty",
    "akimat_officer_almaty",
    "frontoffice_head",
)
KST, WORKER_KST, OFFICER_KST = (
    "KST-KOSTANAY",
    "frontoffice_worker_kostanay",
    "akimat_officer_kostanay",
)
APPLICANT = "buyer"
"""The happy path's applicant: an Almaty resident registering a new tractor."""
PHONE = "+77015550101"
REREGISTERED_TRACTOR, ITS_PLATE = "Y4R122124SB010455", "AGR P 102"
"""The catalogue's Беларус-1221.2, registered in Kostanay with this plate."""


class MachineryDemo(Demo[MachineryClient]):
    """The machinery registration's people, and the bus's time they date their entries by."""

    async def now(self) -> datetime:
        reply = await self.flow.http.get(f"{self.flow.url('gateway')}/clock")
        return datetime.fromisoformat(answer(reply)["now"])


async def run(
    url: Callable[[str], str],
    branches: Sequence[str],
    reporter: Reporter,
    *,
    admin_token: str = DEFAULT_ADMIN_TOKEN,
) -> list[Outcome]:
    """Play `branches` (names of BRANCHES) one after another; NoBus when there is no bus."""
    async with async_client(timeout=30) as http:
        demo = MachineryDemo(MachineryClient(url, http, admin_token=admin_token), reporter)
        return await play_branches(demo, BRANCHES, branches, PILOT)


# --- the steps ------------------------------------------------------------------------------


async def _opened(
    demo: MachineryDemo,
    worker: str,
    office: str,
    applicant: str,
    *,
    action: str = "REGISTRATION",
    machine: Json | None = None,
    visitor: str | None = None,
    **options: Any,
) -> Json:
    """M5 and M6.1: a ticket called to a window, the application opened for it."""
    flow = demo.flow
    if machine is None:
        vin = await flow.new_machine(applicant)
        demo.note("ЭПСМ admin API", f"mints a tractor of {applicant}", vin)
        machine = {"kind": "TRACTOR", "id": vin}
    ticket = await flow.submission_ticket(worker, office)
    demo.say("M5", worker, "issues a submission ticket, calls it to window 2", ticket["code"])
    who = visitor or applicant
    reply = await flow.open(
        worker,
        office,
        action=action,
        applicant_key=applicant,
        visitor=who,
        machine=machine,
        ticket=ticket,
        **options,
    )
    app: Json = answer(reply, 201)
    role = "representative" if options.get("representative") else "applicant"
    face = app.get("biometrics") or {}
    demo.say(
        "M6.1",
        worker,
        f"identifies {who} ({role}): ID in ГБД ФЛ, face match in ГБД ФЛ"
        + (", power of attorney in ЕНИС" if options.get("representative") else ""),
        f"{app['status']} {app['number']}" + (f" (score {face['score']:.2f})" if face else ""),
        "refused" if app["status"] == "REFUSED" else "done",
    )
    return app


async def _to_provider(demo: MachineryDemo, worker: str, app: Json) -> Json:
    """M6.2–M6.5, M9."""
    flow = demo.flow
    app = expect(answer(await flow.package(worker, app)), "PACKAGE_ACCEPTED")
    demo.say(
        "M6.2",
        worker,
        f"checks the package: {len(app['checklist'])} documents of the {app['action']} list",
        app["status"],
    )
    checked = await flow.check_fees(worker, app)
    if checked.status_code == 422:
        problem = expect_problem(checked, 422, "FEES_NOT_PAID", "M6.3")
        demo.say("M6.3", worker, "checks the fees in ПШЭП", f"422 {', '.join(problem['unpaid'])}")
        paid = await flow.pay_fees(worker, app)
        demo.say(
            "M6.3", app["applicantName"], "pays the desk's invoice", paid.get("status", "PAID")
        )
        checked = await flow.check_fees(worker, app)
    app = expect(answer(checked), "FEES_CONFIRMED")
    fees = ", ".join(f"{f['purpose']} {f['amount']} ₸" for f in app["fees"]) or "none due"
    demo.say("M6.3", worker, "checks the fees in ПШЭП by payer and purpose", fees)
    await flow.scan_all(worker, app)
    scanned = await flow.at_desk(worker, app)
    demo.say("M6.4", worker, f"scans {len(scanned['scans'])} documents", "SHA-256 kept")
    app = expect(answer(await flow.sign(worker, app)), "SENT")
    demo.say("M6.5", worker, "signs the application with ЭЦП (НУЦ checks it)", app["status"])
    demo.say(
        "M9", "ИИС ЦОН 2.0 → RabbitMQ", "sends it to the akimat", f"digest {app['digest'][:16]}…"
    )
    return app


async def _received(demo: MachineryDemo, officer: str, app: Json) -> Json:
    received = await demo.flow.received(officer, app)
    demo.say(
        "M3",
        "АРМ ГО",
        "receives it: the digest and the worker's ЭЦП hold over what arrived",
        received["status"],
    )
    demo.say(
        "M14",
        "АРМ ГО",
        f"term: counts from {received['countsFrom']}",
        f"due {datetime.fromisoformat(received['dueAt']).astimezone(ALMATY):%d.%m.%Y %H:%M}",
    )
    for check in received["checks"] or []:
        demo.say(
            check["step"],
            officer,
            f"checks {check['name'].lower()}",
            "passed" if check["passed"] else f"{check['code']}: {english(check['messages'])}",
            "done" if check["passed"] else "refused",
        )
    return received


async def _approved_and_entered(
    demo: MachineryDemo, officer: str, app: Json, region: str, passport: str
) -> Json:
    flow = demo.flow
    expect(answer(await flow.decide(officer, app, approve=True)), "APPROVED")
    demo.say("M10.4", officer, "approves with ЭЦП", "APPROVED")
    plate = await flow.free_plate(region)
    issue_at = (await demo.now()).astimezone(ALMATY) + timedelta(days=1)
    entry = {
        "machineId": app["machineId"],
        "technicalPassport": passport,
        "plate": plate,
        "issueAt": issue_at.replace(hour=11, minute=0, second=0, microsecond=0).isoformat(),
    }
    issued = expect(answer(await flow.enter(officer, app, entry)), "ISSUED")
    demo.say("M12", officer, f"enters technical passport {passport} and plate {plate}", "ISSUED")
    sms = await flow.sms_about(PHONE, app["number"], "Выдача")
    demo.say("M11", "SMS centre", f"SMS to {PHONE}", sms["text"])
    return issued


async def _digital_document(demo: MachineryDemo, holder: str, app: Json) -> None:
    documents = await demo.flow.digital_documents(holder)
    mine = [d for d in documents if d["applicationNumber"] == app["number"]]
    if len(mine) != 1:
        raise FlowError(f"{holder} has {len(mine)} digital documents of {app['number']}")
    pdf = await demo.flow.call(holder, "GET", f"/digital-documents/{mine[0]['id']}/pdf")
    if pdf.status_code != 200 or not pdf.content.startswith(b"%PDF"):
        raise FlowError(f"no PDF of the digital document: {pdf.status_code}")
    demo.say(
        "M15",
        holder,
        "finds it in «Цифровые документы»",
        f"{mine[0]['kind']} {mine[0]['technicalPassport']}, plate {mine[0]['plate']} (PDF)",
    )


async def _archive(demo: MachineryDemo, app: Json) -> None:
    """M16–M17: nothing leaves before the month; after it, the act signed by both."""
    flow = demo.flow
    due = answer(
        await flow.call(OFFICER_ALM, "GET", "/provider/archive/due", params={"office": ALM})
    )
    if app["number"] in _numbers(due):
        raise FlowError(f"{app['number']} is due before its month ended")
    demo.say("M16", OFFICER_ALM, f"asks what {ALM} may hand over now", f"not {app['number']} yet")
    after = datetime.combine(
        date.fromisoformat(app["keepUntil"]) + timedelta(days=1), time(10), ALMATY
    )
    await demo.clock.freeze(after)
    demo.note("bus clock", f"moved past the month the office keeps it: {after:%d.%m.%Y %H:%M}")
    due = answer(
        await flow.call(OFFICER_ALM, "GET", "/provider/archive/due", params={"office": ALM})
    )
    if app["number"] not in _numbers(due):
        raise FlowError(f"{app['number']} is not due after its month: {due}")
    demo.say("M16", OFFICER_ALM, f"asks what {ALM} may hand over now", f"{app['number']} is due")
    act = answer(
        await flow.call(OFFICER_ALM, "POST", "/provider/archive/acts", {"office": ALM}), 201
    )
    demo.say(
        "M17", OFFICER_ALM, "draws up the acceptance act", f"{act['number']} ({act['status']})"
    )
    cms = sign_b64(OFFICER_ALM, act["document"])
    act = answer(
        await flow.call(
            OFFICER_ALM, "POST", f"/provider/archive/acts/{act['id']}/signature", {"cms": cms}
        )
    )
    demo.say("M17", OFFICER_ALM, "signs it with ЭЦП", act["status"])
    cms = sign_b64(HEAD, act["document"])
    act = answer(
        await flow.call(
            HEAD, "POST", f"/offices/{ALM}/archive/acts/{act['id']}/signature", {"cms": cms}
        )
    )
    if act["status"] != "SIGNED":
        raise FlowError(f"the act is {act['status']} after both signatures")
    demo.say("M17", HEAD, "signs it with ЭЦП (head of the front office)", act["status"])
    pdf = await flow.call(OFFICER_ALM, "GET", f"/provider/archive/acts/{act['id']}/pdf")
    if pdf.status_code != 200 or not pdf.content.startswith(b"%PDF"):
        raise FlowError(f"no PDF of the act: {pdf.status_code}")
    demo.say(
        "M17", "АРМ ГО", "the act as a PDF: two copies with the list", f"{len(pdf.content)} bytes"
    )
    handed = await flow.at_desk(WORKER_ALM, app)
    if handed["archiveStatus"] != "HANDED_OVER":
        raise FlowError(f"{app['number']} is {handed['archiveStatus']} after the act")
    demo.say("M17", WORKER_ALM, f"sees {app['number']}'s paper basis", "HANDED_OVER")


def _numbers(due: Any) -> set[str]:
    """The application numbers of M16's list of what is due (a bare array of items)."""
    return {str(item["number"]) for item in due}


# --- the branches ---------------------------------------------------------------------------


async def _happy(demo: MachineryDemo) -> None:
    app = await _opened(demo, WORKER_ALM, ALM, APPLICANT)
    app = await _to_provider(demo, WORKER_ALM, expect(app, "IDENTIFIED"))
    await _received(demo, OFFICER_ALM, app)
    passport = f"AL 1{app['machineId'][-6:]}"
    await _approved_and_entered(demo, OFFICER_ALM, app, "02", passport)
    await _digital_document(demo, APPLICANT, app)
    await _archive(demo, await demo.flow.at_desk(WORKER_ALM, app))


async def _outside_the_period(demo: MachineryDemo) -> None:
    before = await demo.now()
    after_pilot = datetime(2026, 1, 5, 10, 0, tzinfo=ALMATY)
    await demo.clock.freeze(after_pilot)
    demo.note("bus clock", f"moved after the pilot: {after_pilot:%d.%m.%Y}")
    try:
        flow = demo.flow
        ticket = await flow.submission_ticket(WORKER_KST, KST)
        demo.say("M5", WORKER_KST, "issues a submission ticket", ticket["code"])
        reply = await flow.open(
            WORKER_KST,
            KST,
            action="REGISTRATION",
            applicant_key="farmer",
            visitor="farmer",
            machine={"kind": "TRACTOR", "id": "Y4R082104SB010321"},
            ticket=ticket,
        )
        problem = expect_problem(reply, 422, "MACHINERY_PILOT_PERIOD", "M4")
        demo.say(
            "M4",
            WORKER_KST,
            "opens an application",
            f"422 {english(problem['messages'])}",
            "refused",
        )
    finally:
        await demo.clock.freeze(before)
        demo.note("bus clock", f"back at {before.astimezone(ALMATY):%d.%m.%Y %H:%M}")


async def _representative(demo: MachineryDemo) -> None:
    app = await _opened(
        demo,
        WORKER_ALM,
        ALM,
        "represented_applicant",
        visitor="representative",
        representative=True,
    )
    expect(app, "IDENTIFIED")
    power = app["powerOfAttorney"]
    demo.say(
        "M6.1",
        "ЕНИС",
        "power of attorney of the representative",
        f"{power['number']} {power['status']}",
    )


async def _revoked_power(demo: MachineryDemo) -> None:
    app = await _opened(
        demo,
        WORKER_ALM,
        ALM,
        "represented_applicant",
        visitor="representative",
        representative=True,
        power_of_attorney="POA-2025-000057",
    )
    _refused(demo, app, "POWER_OF_ATTORNEY_INVALID", "M6.1")


async def _biometrics(demo: MachineryDemo) -> None:
    app = await _opened(demo, WORKER_KST, KST, "farmer_biometrics_fail")
    _refused(demo, app, "BIOMETRICS_FAILED", "M7")


async def _incomplete(demo: MachineryDemo) -> None:
    app = await _opened(demo, WORKER_KST, KST, "farmer")
    app = answer(await demo.flow.package(WORKER_KST, app, absent=("OWNERSHIP_DOCUMENT",)))
    _refused(demo, app, "PACKAGE_INCOMPLETE", "M8")


async def _plate_conflict(demo: MachineryDemo) -> None:
    """A re-registration naming a plate that is not the tractor's: M10.3, then M13."""
    machine = {"kind": "TRACTOR", "id": REREGISTERED_TRACTOR, "plate": "AGR P 101"}
    app = await _opened(
        demo,
        WORKER_KST,
        KST,
        "farmer",
        action="REREGISTRATION",
        machine=machine,
        first_registration=False,
    )
    app = await _to_provider(demo, WORKER_KST, expect(app, "IDENTIFIED"))
    await _received(demo, OFFICER_KST, app)
    reply = await demo.flow.decide(OFFICER_KST, app, approve=True)
    problem = expect_problem(reply, 409, "MACHINERY_CHECKS_FAILED", "M10.4")
    demo.say(
        "M10.4", OFFICER_KST, "tries to approve", f"409 {english(problem['messages'])}", "refused"
    )
    reason = f"Номерной знак AGR P 101 не принадлежит машине (в реестре {ITS_PLATE})"
    refused = answer(await demo.flow.decide(OFFICER_KST, app, approve=False, reason=reason))
    _refused(demo, refused, "PROVIDER_REFUSED", "M13")
    sms = await demo.flow.sms_about(PHONE, app["number"], "отказ")
    demo.say("M13", "SMS centre", f"SMS to {PHONE}", sms["text"])


async def _bad_entry(demo: MachineryDemo) -> None:
    app = await _opened(demo, WORKER_KST, KST, "farmer")
    app = await _to_provider(demo, WORKER_KST, expect(app, "IDENTIFIED"))
    await _received(demo, OFFICER_KST, app)
    expect(answer(await demo.flow.decide(OFFICER_KST, app, approve=True)), "APPROVED")
    demo.say("M10.4", OFFICER_KST, "approves with ЭЦП", "APPROVED")
    issue_at = ((await demo.now()) + timedelta(days=1)).isoformat()
    wrong = {"machineId": app["machineId"], "technicalPassport": f"KS 2{app['machineId'][-6:]}"}
    reply = await demo.flow.enter(
        OFFICER_KST, app, {**wrong, "plate": "AGR A 001", "issueAt": issue_at}
    )
    body = reply.json()
    if reply.status_code != 422 or body.get("step") != "M12":
        raise FlowError(
            f"expected a 422 at M12 for an Almaty plate: {reply.status_code} {reply.text}"
        )
    demo.say(
        "M12",
        OFFICER_KST,
        "enters an Almaty plate (AGR A 001) in Kostanay",
        f"422 {body['code']}",
        "refused",
    )
    await _approved_tail(demo, app, wrong)


async def _approved_tail(demo: MachineryDemo, app: Json, entry: Json) -> None:
    plate = await demo.flow.free_plate("10")
    issue_at = ((await demo.now()) + timedelta(days=1)).isoformat()
    issued = expect(
        answer(
            await demo.flow.enter(OFFICER_KST, app, {**entry, "plate": plate, "issueAt": issue_at})
        ),
        "ISSUED",
    )
    demo.say("M12", OFFICER_KST, f"enters plate {plate}", issued["status"])


def _refused(demo: MachineryDemo, app: Json, code: str, step: str) -> None:
    refusal = expect_refusal(app, code, step)
    demo.say(
        step,
        "ИИС ЦОН 2.0",
        "motivated refusal",
        f"{code}: {english(refusal.get('messages'))}",
        "refused",
    )


BRANCHES: dict[str, Branch[MachineryDemo]] = {
    branch.name: branch
    for branch in (
        Branch(
            "happy",
            "M5–M17",
            f"{APPLICANT} registers a new tractor at {ALM}: ticket to SMS and digital document, "
            "then the archive handed over after a month",
            _happy,
        ),
        Branch(
            "m4-outside-the-period",
            "M4",
            "after 31.12.2025 the desk refuses: MACHINERY_PILOT_PERIOD",
            _outside_the_period,
        ),
        Branch(
            "m6-representative",
            "M6.1",
            "the representative acts for represented_applicant by a valid power in ЕНИС",
            _representative,
        ),
        Branch(
            "m6-revoked-power",
            "M6.1",
            "the power of attorney named is revoked in ЕНИС → REFUSED, POWER_OF_ATTORNEY_INVALID",
            _revoked_power,
        ),
        Branch(
            "m7-biometrics",
            "M7",
            "the face does not match ГБД ФЛ (farmer_biometrics_fail) → REFUSED, BIOMETRICS_FAILED",
            _biometrics,
        ),
        Branch(
            "m8-incomplete",
            "M8",
            "no ownership document in the package → REFUSED, PACKAGE_INCOMPLETE",
            _incomplete,
        ),
        Branch(
            "m10.3-plate-conflict",
            "M10.3, M13",
            f"re-registration of {REREGISTERED_TRACTOR} naming another machine's plate → "
            "approval 409, motivated refusal and SMS",
            _plate_conflict,
        ),
        Branch(
            "m12-bad-entry",
            "M12",
            "the officer enters an Almaty plate in Kostanay → 422; then a right one → ISSUED",
            _bad_entry,
        ),
    )
}
