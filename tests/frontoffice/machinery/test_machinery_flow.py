"""The machinery registration end to end (M4–M15) through the real gateway and registries, on
the embedded bus and on PostgreSQL + RabbitMQ: the front-office desk, the bus, the provider's
desk, the registry, the SMS centre and the digital documents.

Every test works on machines it mints (a new VIN with its ЭПСМ), so tests sharing a bus do not
register each other's machines; the clock is frozen on a working day inside the pilot.
"""

from __future__ import annotations

import asyncio
import itertools
from datetime import datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest

from egov.flow_client import FlowError, answer, persona
from egov.launcher import BusPlan
from egov.machinery_flow import MachineryClient, expect
from frontoffice_service.machinery.catalogue import MACHINE_KINDS, MachineKind
from servicekit.bus import Message, MessageBus, create_bus
from servicekit.clock import ALMATY, bus_clock
from servicekit.documents import sha256
from servicekit.events import MachineryApplicationSent
from servicekit.messages import texts_for
from tests.documents import pdf_text
from tests.fixtures.clock import MACHINERY_PILOT_DAY, day_fixture, working_days
from tests.fixtures.flows import farmers_new_tractor, flow_fixture
from tests.harness import ADMIN, conversation

KOSTANAY, ALMALY = "KST-KOSTANAY", "ALM-ALMALY"
WORKER_KST, WORKER_ALM = "frontoffice_worker_kostanay", "frontoffice_worker_almaty"
OFFICER_KST, OFFICER_ALM = "akimat_officer_kostanay", "akimat_officer_almaty"
TRACTOR: dict[str, Any] = {"kind": "TRACTOR"}

# Working days of the pilot, one per test; a day may serve two tests, since nothing here
# depends on being alone on a day. They come round again after about eight weeks: both
# backends' tests fit in the pilot.
pilot_day = day_fixture(itertools.cycle(working_days(MACHINERY_PILOT_DAY, 40)))
flow = flow_fixture(MachineryClient)


async def _issued(
    flow: MachineryClient,
    app: dict[str, Any],
    *,
    officer: str,
    entry: dict[str, Any],
    now: datetime,
) -> dict[str, Any]:
    """M10–M12 approved and entered."""
    received = await flow.received(officer, app)
    assert received["status"] == "RECEIVED"
    assert all(c["passed"] for c in received["checks"]), received["checks"]
    expect(answer(await flow.decide(officer, app, approve=True)), "APPROVED")
    issue_at = (now + timedelta(days=1)).isoformat()
    body = {"machineId": app["machineId"], "issueAt": issue_at, **entry}
    return expect(answer(await flow.enter(officer, app, body)), "ISSUED")


async def _sent_registration(flow: MachineryClient) -> tuple[str, dict[str, Any]]:
    """M5–M9 at the Kostanay desk: the farmer's registration of a tractor minted for it, sent;
    the tractor's VIN and the application."""
    registration = await farmers_new_tractor(flow)
    return registration["machine"]["id"], await flow.sent(WORKER_KST, KOSTANAY, **registration)


async def _registered(
    flow: MachineryClient, app: dict[str, Any], *, now: datetime
) -> tuple[str, dict[str, Any]]:
    """M10–M12 of a Kostanay registration: a free plate of the region and a technical passport
    named for the machine; the plate and the issued application."""
    plate = await flow.free_plate("10")
    entry = {"technicalPassport": f"KS 1{app['machineId'][-6:]}", "plate": plate}
    return plate, await _issued(flow, app, officer=OFFICER_KST, entry=entry, now=now)


@pytest.mark.step("M10.1")
@pytest.mark.step("M10.2")
@pytest.mark.step("M10.4")
@pytest.mark.step("M11")
async def test_registration_from_ticket_to_digital_document(
    flow: MachineryClient, pilot_day: datetime
) -> None:
    """M5–M15, M16: the farmer registers a new tractor in Kostanay."""
    _, app = await _sent_registration(flow)
    assert app["digest"]
    assert app["archiveStatus"] == "AT_OFFICE"
    assert app["keepUntil"] == (pilot_day + timedelta(days=31)).date().isoformat()
    assert {s["documentCode"] for s in app["scans"]} == {
        d["code"] for d in app["package"] if d["present"]
    }

    queue = answer(await flow.call(WORKER_KST, "GET", f"/offices/{KOSTANAY}/queue"))
    (ticket,) = [t for t in queue if t["id"] == app["ticketId"]]
    assert ticket["status"] == "SERVED"  # the visit is over once the application left
    received = await flow.received(OFFICER_KST, app)
    # M14: arrived at 10:00 on a working day → counts from today, due by the end of the next.
    assert received["countsFrom"] == pilot_day.date().isoformat()
    assert not received["overdue"]
    assert [c["step"] for c in received["checks"]] == ["M10.1", "M10.2", "M10.3"]

    plate, issued = await _registered(flow, app, now=pilot_day)
    assert issued["entry"]["plate"] == plate
    # M11: the time and the place of issue.
    sms = await flow.sms_about("+77015550101", app["number"], "Выдача")
    assert issued["entry"]["place"] in sms["text"]
    assert (pilot_day + timedelta(days=1)).strftime("%d.%m.%Y %H:%M") in sms["text"]

    documents = await flow.digital_documents("farmer")
    mine = [d for d in documents if d["applicationNumber"] == app["number"]]
    assert len(mine) == 1
    assert mine[0]["plate"] == plate
    assert mine[0]["kind"] == "MACHINE_TECHNICAL_PASSPORT"
    pdf = await flow.call("farmer", "GET", f"/digital-documents/{mine[0]['id']}/pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    # In Russian, with the machine's make and model: labels, not the codes it is stored with.
    printed = pdf_text(pdf.content)
    assert "Марка, модель Беларус-82.1" in printed
    assert f"Вид {MACHINE_KINDS[MachineKind.TRACTOR].ru}" in printed
    assert "Регион Костанайская область" in printed
    assert not {"TRACTOR", "10"} & set(printed.split())
    # Nobody else sees it.
    other = await flow.call("buyer", "GET", f"/digital-documents/{mine[0]['id']}")
    assert other.status_code == 404


async def test_every_action_on_one_machine(flow: MachineryClient, pilot_day: datetime) -> None:
    """The happy path of each action, as a machine lives: registration by the farmer,
    re-registration by a buyer of it, a duplicate of the technical passport, a new plate, and
    the deregistration."""
    vin = await flow.new_machine("farmer")
    machine = {**TRACTOR, "id": vin}
    first = await flow.free_plate("10")

    async def through(action: str, applicant: str, entry: dict[str, Any], **kw: Any) -> Any:
        app = await flow.sent(
            WORKER_KST,
            KOSTANAY,
            action=action,
            applicant_key=applicant,
            visitor=applicant,
            machine=machine,
            **kw,
        )
        return await _issued(flow, app, officer=OFFICER_KST, entry=entry, now=pilot_day)

    registered = await through(
        "REGISTRATION", "farmer", {"technicalPassport": "KS 1000001", "plate": first}
    )
    machine["plate"] = first
    assert registered["entry"]["plate"] == first
    # Sold to buyer_kostanay, who re-registers it: the plate stays, a new passport.
    await through(
        "REREGISTRATION",
        "buyer_kostanay",
        {"technicalPassport": "KS 1000002"},
        first_registration=False,
    )
    await through(
        "DUPLICATE", "buyer_kostanay", {"technicalPassport": "KS 1000003"}, first_registration=False
    )
    second = await flow.free_plate("10")
    await through("PLATE", "buyer_kostanay", {"plate": second}, first_registration=False)
    machine["plate"] = second
    gone = await through("DEREGISTRATION", "buyer_kostanay", {}, first_registration=False)
    assert gone["entry"]["plate"] in (None, second)
    documents = await flow.digital_documents("buyer_kostanay")
    kinds = [d["kind"] for d in documents if d["machine"]["id"] == vin]
    assert kinds == [
        "MACHINE_TECHNICAL_PASSPORT",
        "MACHINE_TECHNICAL_PASSPORT",
        "MACHINE_PLATE_CERTIFICATE",
        "MACHINE_DEREGISTRATION_CERTIFICATE",
    ]


async def test_m6_1_gbd_fls_refusal_of_the_photo_is_passed_on_in_its_words(
    flow: MachineryClient, pilot_day: datetime
) -> None:
    """ГБД ФЛ refuses a photo that is not a JPEG or PNG: the desk answers ГБД ФЛ's problem as
    ГБД ФЛ put it (its status, code and texts) on the desk's own field, naming the step, the
    registry and the registry's field; the whole document is pinned."""
    vin = await flow.new_machine("farmer")
    ticket = await flow.submission_ticket(WORKER_KST, KOSTANAY)
    farmer = persona("farmer")["iin"]
    path = f"/offices/{KOSTANAY}/machinery/applications"
    body = {
        "ticketId": ticket["id"],
        "action": "REGISTRATION",
        "applicant": {"kind": "PERSON", "iin": farmer},
        "phone": "+77015550101",
        "visitor": {
            "iin": farmer,
            "role": "APPLICANT",
            "identification": {"kind": "DIGITAL_DOCUMENT"},
            "photo": "R0lGODlhAQABAAAAACw=",  # a GIF
        },
        "machine": {**TRACTOR, "id": vin},
    }
    reply = await flow.call(WORKER_KST, "POST", path, body, headers={"Accept-Language": "kk"})
    texts = texts_for("PHOTO_INVALID").render({})
    assert (reply.status_code, reply.json()) == (
        422,
        {
            "type": "urn:egov-bus:problem:PHOTO_INVALID",
            "title": texts["en"],
            "status": 422,
            "detail": texts["kk"],
            "code": "PHOTO_INVALID",
            "messages": texts,
            "field": "visitor.photo",
            "step": "M6.1",
            "registry": "ГБД ФЛ",
            "registryField": "requestData.data.photo",
            "instance": path,
        },
    )


@pytest.mark.step("M7", "BIOMETRICS_FAILED")
async def test_m7_biometric_failure_is_a_kept_refusal(
    flow: MachineryClient, pilot_day: datetime
) -> None:
    vin = await flow.new_machine("farmer_biometrics_fail")
    reply = await flow.open(
        WORKER_KST,
        KOSTANAY,
        action="REGISTRATION",
        applicant_key="farmer_biometrics_fail",
        visitor="farmer_biometrics_fail",
        machine={**TRACTOR, "id": vin},
    )
    app = answer(reply, 201)
    assert app["status"] == "REFUSED"
    assert app["refusal"]["step"] == "M7"
    assert app["refusal"]["code"] == "BIOMETRICS_FAILED"
    assert set(app["refusal"]["messages"]) == {"ru", "kk", "en"}
    queue = answer(await flow.call(WORKER_KST, "GET", f"/offices/{KOSTANAY}/queue"))
    assert [t["status"] for t in queue if t["id"] == app["ticketId"]] == ["SERVED"]
    # Nothing more can be done with it.
    assert (await flow.package(WORKER_KST, app)).status_code == 409


async def test_representative_with_a_valid_power_of_attorney(
    flow: MachineryClient, pilot_day: datetime
) -> None:
    """M6.1: the representative acts for represented_applicant by POA-2025-000118 (ЕНИС)."""
    vin = await flow.new_machine("represented_applicant")
    app = answer(
        await flow.open(
            WORKER_ALM,
            ALMALY,
            action="REGISTRATION",
            applicant_key="represented_applicant",
            visitor="representative",
            representative=True,
            machine={**TRACTOR, "id": vin},
        ),
        201,
    )
    expect(app, "IDENTIFIED")
    assert app["powerOfAttorney"]["number"] == "POA-2025-000118"
    assert app["visitorRole"] == "REPRESENTATIVE"
    assert app["applicantName"] == persona("represented_applicant")["name"]


@pytest.mark.parametrize(
    ("applicant", "visitor", "number", "registry_code"),
    [
        # The farmer's power to the representative ran out in April 2025.
        ("farmer", "representative", None, "POWER_OF_ATTORNEY_EXPIRED"),
        ("buyer_2", "representative", None, "POWER_OF_ATTORNEY_NOT_FOUND"),
        ("buyer_kostanay", "representative", None, "POWER_OF_ATTORNEY_NO_MACHINERY_POWERS"),
        # The revoked one, named.
        ("represented_applicant", "representative", "POA-2025-000057", "POWER_OF_ATTORNEY_REVOKED"),
    ],
)
async def test_representative_without_a_valid_power_of_attorney(
    flow: MachineryClient,
    pilot_day: datetime,
    applicant: str,
    visitor: str,
    number: str | None,
    registry_code: str,
) -> None:
    vin = await flow.new_machine(applicant)
    app = answer(
        await flow.open(
            WORKER_KST,
            KOSTANAY,
            action="REGISTRATION",
            applicant_key=applicant,
            visitor=visitor,
            representative=True,
            power_of_attorney=number,
            machine={**TRACTOR, "id": vin},
        ),
        201,
    )
    assert app["status"] == "REFUSED"
    assert app["refusal"]["code"] == "POWER_OF_ATTORNEY_INVALID"
    assert app["refusal"]["registryCode"] == registry_code


@pytest.mark.step("M8", "PACKAGE_INCOMPLETE")
@pytest.mark.parametrize(
    ("action", "absent", "first_registration"),
    [
        ("REGISTRATION", ("OWNERSHIP_DOCUMENT",), True),
        ("REGISTRATION", ("PRODUCER_OBLIGATIONS", "MACHINE_PASSPORT"), True),
        ("REREGISTRATION", ("TECHNICAL_PASSPORT",), False),
        ("DEREGISTRATION", ("PLATES",), False),
        ("DUPLICATE", ("LOSS_STATEMENT",), False),
        ("PLATE", ("FEE_RECEIPT",), False),
    ],
)
async def test_m8_incomplete_package_per_action(
    flow: MachineryClient,
    pilot_day: datetime,
    action: str,
    absent: tuple[str, ...],
    first_registration: bool,
) -> None:
    machine = {**TRACTOR, "id": await flow.new_machine("farmer")}
    if action != "REGISTRATION":
        machine["plate"] = "AGR P 777"  # never checked: the desk refuses first
    app = answer(
        await flow.open(
            WORKER_KST,
            KOSTANAY,
            action=action,
            applicant_key="farmer",
            visitor="farmer",
            machine=machine,
            first_registration=first_registration,
        ),
        201,
    )
    refused = answer(await flow.package(WORKER_KST, app, absent=absent))
    assert refused["status"] == "REFUSED"
    assert (refused["refusal"]["code"], refused["refusal"]["step"]) == ("PACKAGE_INCOMPLETE", "M8")
    assert refused["refusal"]["missing"] == list(absent)
    for language in ("ru", "kk", "en"):
        assert refused["refusal"]["messages"][language]


async def test_invalid_document_counts_as_missing(
    flow: MachineryClient, pilot_day: datetime
) -> None:
    app = await _opened(flow, "farmer")
    refused = answer(await flow.package(WORKER_KST, app, invalid=("IDENTITY_DOCUMENT",)))
    assert refused["refusal"]["missing"] == ["IDENTITY_DOCUMENT"]


async def test_m6_2_a_document_outside_the_actions_list_is_named_in_words(
    flow: MachineryClient, pilot_day: datetime
) -> None:
    app = await _opened(flow, "farmer")
    package = {"documents": [{"code": "LOSS_STATEMENT", "present": True, "valid": True}]}
    path = f"/offices/{app['office']}/machinery/applications/{app['number']}/package"
    reply = await flow.call(WORKER_KST, "PUT", path, package)
    assert reply.status_code == 422, reply.text
    problem = reply.json()
    assert (problem["code"], problem["step"]) == ("DOCUMENT_NOT_IN_CHECKLIST", "M6.2")
    assert problem["field"] == "documents[0].code"
    assert "для действия регистрация" in problem["messages"]["ru"]
    assert "the action registration" in problem["messages"]["en"]
    assert all("REGISTRATION" not in text for text in problem["messages"].values())


@pytest.mark.step("M6.3", "FEES_NOT_PAID")
async def test_unpaid_fee_then_paid(flow: MachineryClient, pilot_day: datetime) -> None:
    """M6.3: buyer_kostanay has paid nothing; the desk's invoice is paid, and it passes."""
    app = await _opened(flow, "buyer_kostanay")
    app = answer(await flow.package(WORKER_KST, app))
    unpaid = await flow.check_fees(WORKER_KST, app)
    assert unpaid.status_code == 422, unpaid.text
    assert unpaid.json()["code"] == "FEES_NOT_PAID"
    assert unpaid.json()["unpaid"] == [
        "MACHINERY_REGISTRATION",
        "MACHINERY_TECHNICAL_PASSPORT",
        "MACHINERY_PLATE",
    ]
    # Signing before the fees is not possible.
    assert (await flow.call(WORKER_KST, "GET", f"{_path(app)}/document")).status_code == 409
    await flow.pay_fees(WORKER_KST, app)
    paid = answer(await flow.check_fees(WORKER_KST, app))
    assert paid["status"] == "FEES_CONFIRMED"
    assert {f["purpose"] for f in paid["fees"]} == set(unpaid.json()["unpaid"])


async def test_m6_3_a_payment_serves_the_application_whose_invoice_it_is(
    flow: MachineryClient, pilot_day: datetime
) -> None:
    """M6.3: two open applications of one payer. The invoice the desk made for the first, once
    paid, is the first's: the second, checked before it, does not take it; the second pays its
    own invoice."""
    apps = []
    for _ in range(2):
        vin = await flow.new_machine("buyer_kostanay")
        app = answer(
            await flow.open(
                WORKER_KST,
                KOSTANAY,
                action="DUPLICATE",
                applicant_key="buyer_kostanay",
                visitor="buyer_kostanay",
                machine={**TRACTOR, "id": vin, "plate": "AGR P 778"},
                first_registration=False,
            ),
            201,
        )
        apps.append(answer(await flow.package(WORKER_KST, app)))
    first_paid = (await flow.pay_fees(WORKER_KST, apps[0]))["invoiceNumber"]
    second = await flow.check_fees(WORKER_KST, apps[1])
    assert second.status_code == 422, second.text
    assert second.json()["code"] == "FEES_NOT_PAID"
    first = answer(await flow.check_fees(WORKER_KST, apps[0]))
    assert first["status"] == "FEES_CONFIRMED"
    assert {f["invoiceNumber"] for f in first["fees"]} == {first_paid}
    second_paid = (await flow.pay_fees(WORKER_KST, apps[1]))["invoiceNumber"]
    assert second_paid != first_paid
    second = answer(await flow.check_fees(WORKER_KST, apps[1]))
    assert {f["invoiceNumber"] for f in second["fees"]} == {second_paid}


async def _opened(flow: MachineryClient, applicant: str) -> dict[str, Any]:
    """M5, M6.1 passed at the Kostanay desk: a registration of a machine minted for it."""
    vin = await flow.new_machine(applicant)
    machine = {**TRACTOR, "id": vin}
    reply = await flow.open(
        WORKER_KST,
        KOSTANAY,
        action="REGISTRATION",
        applicant_key=applicant,
        visitor=applicant,
        machine=machine,
    )
    opened: dict[str, Any] = answer(reply, 201)
    return opened


def _path(app: dict[str, Any]) -> str:
    return f"/offices/{app['office']}/machinery/applications/{app['number']}"


async def _ready_to_scan(flow: MachineryClient) -> dict[str, Any]:
    app = await _opened(flow, "farmer")
    app = answer(await flow.package(WORKER_KST, app))
    return await flow.fees(WORKER_KST, app)


@pytest.mark.parametrize(
    ("content", "content_type", "status", "code"),
    [
        (b"GIF89a\x01\x00\x01\x00", "image/gif", 415, "SCAN_TYPE_NOT_ALLOWED"),
        (b"%PDF-1.7\n", "image/png", 422, "SCAN_TYPE_MISMATCH"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png", 422, "SCAN_CORRUPT"),
        (b"%PDF-1.4\n1 0 obj\n", "application/pdf", 422, "SCAN_CORRUPT"),
        (b"", "application/pdf", 422, "SCAN_EMPTY"),
        (b"%PDF" + b"0" * (10 * 1024 * 1024 + 1), "application/pdf", 413, "SCAN_TOO_LARGE"),
    ],
)
async def test_scan_limits(
    flow: MachineryClient,
    pilot_day: datetime,
    content: bytes,
    content_type: str,
    status: int,
    code: str,
) -> None:
    app = await _ready_to_scan(flow)
    reply = await flow.upload(WORKER_KST, app, "APPLICATION_FORM", content, content_type)
    assert reply.status_code == status, reply.text
    assert reply.json()["code"] == code
    assert reply.json()["step"] == "M6.4"


async def test_scan_is_kept_and_signing_needs_every_scan(
    flow: MachineryClient, pilot_day: datetime
) -> None:
    app = await _ready_to_scan(flow)
    scanned = answer(await flow.upload(WORKER_KST, app, "APPLICATION_FORM", b"", "image/png"), 422)
    assert scanned["code"] == "SCAN_EMPTY"
    from egov.machinery_flow import scan_png

    stored = answer(await flow.upload(WORKER_KST, app, "APPLICATION_FORM", scan_png(3)))
    assert stored["contentType"] == "image/png"
    assert len(stored["sha256"]) == 64
    back = await flow.call(WORKER_KST, "GET", f"{_path(app)}/scans/APPLICATION_FORM")
    assert back.content == scan_png(3)
    missing = await flow.call(WORKER_KST, "GET", f"{_path(app)}/document")
    assert missing.status_code == 409
    assert missing.json()["code"] == "SCANS_MISSING"
    # A document not presented is not scanned.
    other = await flow.upload(WORKER_KST, app, "LOSS_STATEMENT", scan_png(1))
    assert other.status_code == 422
    assert other.json()["code"] == "SCAN_NOT_IN_PACKAGE"


async def test_worker_signature_must_be_the_workers(
    flow: MachineryClient, pilot_day: datetime
) -> None:
    app = await _ready_to_scan(flow)
    await flow.scan_all(WORKER_KST, app)
    wrong = await flow.sign(WORKER_KST, app, signer="frontoffice_worker_almaty")
    assert wrong.status_code == 422
    assert wrong.json()["code"] == "SIGNATURE_NOT_ACCEPTED"
    assert "IIN_MISMATCH" in wrong.json()["detail"]
    signed = answer(await flow.sign(WORKER_KST, app))
    assert signed["status"] == "SENT"


@pytest.mark.step("M10.4", "MACHINERY_CHECKS_FAILED")
@pytest.mark.step("M13", "PROVIDER_REFUSED")
async def test_m10_3_plate_conflict_blocks_approval_and_m13_refusal(
    flow: MachineryClient, pilot_day: datetime
) -> None:
    """A re-registration naming a plate that is not the machine's: M10.3 fails, approval is
    409, the provider refuses with a motivated reason (M13) and the applicant gets an SMS."""
    vin, registered = await _sent_registration(flow)
    await _registered(flow, registered, now=pilot_day)
    app = await flow.sent(
        WORKER_KST,
        KOSTANAY,
        action="DUPLICATE",
        applicant_key="farmer",
        visitor="farmer",
        machine={**TRACTOR, "id": vin, "plate": "AGR P 101"},  # Береке's tractor's plate
        first_registration=False,
    )
    received = await flow.received(OFFICER_KST, app)
    plate_check = next(c for c in received["checks"] if c["step"] == "M10.3")
    assert not plate_check["passed"]
    assert plate_check["code"]
    approve = await flow.decide(OFFICER_KST, app, approve=True)
    assert approve.status_code == 409
    assert approve.json()["code"] == "MACHINERY_CHECKS_FAILED"
    no_reason = await flow.decide(OFFICER_KST, app, approve=False)
    assert no_reason.status_code == 422
    refused = answer(
        await flow.decide(
            OFFICER_KST, app, approve=False, reason="Номерной знак не принадлежит этой машине"
        )
    )
    assert refused["status"] == "REFUSED"
    assert (refused["refusal"]["code"], refused["refusal"]["step"]) == ("PROVIDER_REFUSED", "M13")
    sms = await flow.sms_about("+77015550101", app["number"], "Номерной знак не принадлежит")
    assert "отказ" in sms["text"]


async def test_m12_bad_manual_entry(flow: MachineryClient, pilot_day: datetime) -> None:
    vin, app = await _sent_registration(flow)
    await flow.received(OFFICER_KST, app)
    expect(answer(await flow.decide(OFFICER_KST, app, approve=True)), "APPROVED")
    issue_at = (pilot_day + timedelta(days=1)).isoformat()
    base = {"machineId": vin, "issueAt": issue_at, "technicalPassport": "KS 2000001"}
    bad: list[tuple[dict[str, Any], int, str]] = [
        ({**base, "plate": "AGR A 001"}, 422, "plate"),  # Almaty's letter in Kostanay
        ({**base, "plate": "AGR P 101"}, 409, "plate"),  # Береке's tractor carries it
        ({**base, "plate": "AGR P 201"}, 409, "plate"),  # archived, never given again
        ({**base, "plate": "AGR P 5"}, 422, "plate"),  # not the form
        ({**base, "machineId": "Y4R082104SB010321", "plate": "AGR P 009"}, 422, "machineId"),
        ({**base}, 422, "plate"),  # a registration needs a plate
    ]
    for body, status, field in bad:
        reply = await flow.enter(OFFICER_KST, app, body)
        assert reply.status_code == status, (body, reply.text)
        problem = reply.json()
        assert field in (problem.get("field") or "") or any(
            field in str(e.get("field", "")) for e in problem.get("errors", [])
        ), problem
    still = await flow.received(OFFICER_KST, app)
    assert still["status"] == "APPROVED"


@pytest.mark.step("M3", "APPLICATION_ALTERED")
async def test_m3_tampered_application_is_rejected_on_arrival(
    flow: MachineryClient, pilot_day: datetime, bus: BusPlan
) -> None:
    """What arrives must be what the worker signed: an application published again with its
    document altered (its own digest recomputed, so only the signature and the stored digest
    can tell) is not received."""
    app = await _ready_to_scan(flow)
    await flow.scan_all(WORKER_KST, app)
    signed = await flow.ok(WORKER_KST, "GET", f"{_path(app)}/document")
    from egov.signin import sign_b64

    cms = sign_b64(WORKER_KST, signed["document"])
    content = dict(signed["content"])
    content["applicant"] = {**content["applicant"], "name": "Подставное Лицо"}
    text = orjson.dumps(content, option=orjson.OPT_SORT_KEYS).decode()
    await _publish_as_sent(bus, app, text, cms=cms, now=pilot_day)
    # Not received, whatever the wait; the genuine one, sent next, is.
    with pytest.raises(FlowError):
        await flow.received(OFFICER_KST, app, seconds=1.5)
    sent = answer(await flow.sign(WORKER_KST, app))
    assert sent["status"] == "SENT"
    received = await flow.received(OFFICER_KST, app)
    assert received["applicantName"] == persona("farmer")["name"]


async def test_m3_a_forgery_of_a_received_application_changes_nothing(
    flow: MachineryClient, pilot_day: datetime, bus: BusPlan
) -> None:
    """A message with a received application's number but another document (its own digest
    recomputed, no valid signature): recorded as rejected (M3, in the metrics), and the
    application in the provider's desk stays what the worker signed."""
    app = await _ready_to_scan(flow)
    await flow.scan_all(WORKER_KST, app)
    sent = answer(await flow.sign(WORKER_KST, app))
    received = await flow.received(OFFICER_KST, app)
    assert received["digest"] == sent["digest"]
    metrics_url = f"{bus.url('frontoffice_service')}/metrics"
    before = _rejected(await flow.http.get(metrics_url))
    text = '{"kind":"MACHINERY_SERVICE_APPLICATION","number":"' + app["number"] + '"}'
    await _publish_as_sent(bus, app, text, cms=received["digest"], now=pilot_day)
    for _ in range(100):
        if _rejected(await flow.http.get(metrics_url)) > before:
            break
        await asyncio.sleep(0.05)
    assert _rejected(await flow.http.get(metrics_url)) == before + 1
    again = await flow.received(OFFICER_KST, app)
    assert again["status"] == "RECEIVED"
    assert again["digest"] == sent["digest"]


async def test_m3_an_event_delivered_again_is_not_checked_with_nuc_again(
    flow: MachineryClient, pilot_day: datetime, bus: BusPlan
) -> None:
    """M3 judges an event once: the same event delivered again is dropped before НУЦ is asked
    (were НУЦ away, asking would also hold the redelivery in retries for nothing). Each copy
    under a new event id is judged, and asks НУЦ."""
    app = await _ready_to_scan(flow)
    await flow.scan_all(WORKER_KST, app)
    signed = await flow.ok(WORKER_KST, "GET", f"{_path(app)}/document")
    answer(await flow.sign(WORKER_KST, app))
    await flow.received(OFFICER_KST, app)
    from egov.signin import sign_b64

    text = orjson.dumps(signed["content"], option=orjson.OPT_SORT_KEYS).decode()

    def copy() -> MachineryApplicationSent:
        return _sent_event(app, text, cms=sign_b64(WORKER_KST, signed["document"]), now=pilot_day)

    async def nuc_calls() -> int:
        reply = await flow.http.get(
            f"{bus.url('gateway')}/admin/journal",
            params={"correlationId": app["id"], "serviceId": "PKI_VerifyCms", "limit": "1000"},
            headers=ADMIN,
        )
        return len(reply.raise_for_status().json())

    async def settled_at(count: int) -> None:
        for _ in range(200):
            if await nuc_calls() >= count:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"НУЦ was not asked {count} times")

    before = await nuc_calls()  # the worker's check (M6.5) and the arrival's (M3)
    again, other = copy(), copy()
    async with create_bus(bus.amqp_url, bus.broker) as broker:
        await _publish(broker, again)
        await settled_at(before + 1)
        await _publish(broker, again)  # the broker delivers it once more
        await _publish(broker, other)
        await settled_at(before + 2)
    assert await nuc_calls() == before + 2
    assert (await flow.received(OFFICER_KST, app))["status"] == "RECEIVED"


def _sent_event(
    app: dict[str, Any], document: str, *, cms: str, now: datetime
) -> MachineryApplicationSent:
    """The Kostanay worker's sending of the application with this document, as the bus carries
    it: its digest computed here, so only the signature tells a forgery."""
    return MachineryApplicationSent(
        occurred_at=now,
        application_number=app["number"],
        region="10",
        office=KOSTANAY,
        document=document,
        digest=sha256(document.encode()),
        cms=cms,
        worker_iin=persona(WORKER_KST)["iin"],
    )


async def _publish(broker: MessageBus, event: MachineryApplicationSent) -> None:
    """Publishes the event past the desk, to Kostanay's provider."""
    body = orjson.dumps(event.model_dump(mode="json", by_alias=True))
    await broker.publish(
        f"{event.routing_key}.10",
        Message(body=body, message_id=str(event.event_id), type=event.routing_key),
    )


async def _publish_as_sent(
    bus: BusPlan, app: dict[str, Any], document: str, *, cms: str, now: datetime
) -> None:
    """Publishes a sending of the application with this document on its own connection."""
    async with create_bus(bus.amqp_url, bus.broker) as broker:
        await _publish(broker, _sent_event(app, document, cms=cms, now=now))


def _rejected(metrics: httpx.Response) -> float:
    name = 'frontoffice_machinery_deliveries_rejected_total{region="10"}'
    lines = [x for x in metrics.text.splitlines() if x.startswith(name)]
    return float(lines[0].split()[-1]) if lines else 0.0


async def test_authorization(flow: MachineryClient, pilot_day: datetime) -> None:
    """M3: other office, other region, other roles."""
    _, app = await _sent_registration(flow)
    await flow.received(OFFICER_KST, app)
    # A worker of another office: the path's office is not theirs.
    assert (await flow.call(WORKER_ALM, "GET", _path(app))).status_code == 403
    alm_path = f"/offices/{ALMALY}/machinery/applications/{app['number']}"
    assert (await flow.call(WORKER_ALM, "GET", alm_path)).status_code == 404
    # The other region's officer does not see it, and cannot decide it.
    provider_path = f"/provider/machinery/applications/{app['number']}"
    assert (await flow.call(OFFICER_ALM, "GET", provider_path)).status_code == 404
    document = await flow.call(
        OFFICER_ALM, "GET", f"{provider_path}/decision-document", params={"approve": "true"}
    )
    assert document.status_code == 404
    decision = {"approve": True, "cms": "MIIB"}
    decided = await flow.call(OFFICER_ALM, "POST", f"{provider_path}/decision", decision)
    assert decided.status_code == 404
    inbox = answer(await flow.call(OFFICER_ALM, "GET", "/provider/machinery/applications"))
    assert app["number"] not in {a["number"] for a in inbox}
    # A worker is not an officer, an officer is not a worker.
    assert (await flow.call(WORKER_KST, "GET", provider_path)).status_code == 403
    assert (await flow.call(OFFICER_KST, "GET", _path(app))).status_code == 403
    # Signing the decision as somebody else.
    wrong = await flow.decide(OFFICER_KST, app, approve=True, signer=OFFICER_ALM)
    assert wrong.status_code == 422
    assert wrong.json()["code"] == "SIGNATURE_NOT_ACCEPTED"


@pytest.mark.parametrize(
    ("office", "worker", "day", "code"),
    [
        (
            KOSTANAY,
            WORKER_KST,
            datetime(2026, 1, 5, 10, 0, tzinfo=ALMATY),
            "MACHINERY_PILOT_PERIOD",
        ),
        (
            KOSTANAY,
            WORKER_KST,
            datetime(2025, 8, 29, 10, 0, tzinfo=ALMATY),
            "MACHINERY_PILOT_PERIOD",
        ),
    ],
)
async def test_pilot_scope(
    flow: MachineryClient, office: str, worker: str, day: datetime, code: str
) -> None:
    """M4: outside the pilot's period the desk refuses, with nothing kept."""
    bus_clock.freeze(day)
    try:
        ticket = await flow.submission_ticket(worker, office)
        reply = await flow.open(
            worker,
            office,
            action="REGISTRATION",
            applicant_key="farmer",
            visitor="farmer",
            machine={**TRACTOR, "id": "Y4R082104SB010321"},
            ticket=ticket,
        )
        assert reply.status_code == 422, reply.text
        assert reply.json()["code"] == code
        assert reply.json()["step"] == "M4"
    finally:
        bus_clock.reset()


async def test_m14_term_after_17_and_overdue(flow: MachineryClient, bus: BusPlan) -> None:
    """Received Monday 15.12.2025 17:30 → counts from Wednesday 17.12 (16.12 is a holiday) →
    due by the end of 18.12; from 19.12 00:00 it is overdue in the inbox and in the metrics."""
    arrived = datetime(2025, 12, 15, 17, 30, tzinfo=ALMATY)
    bus_clock.freeze(arrived)
    try:
        _, app = await _sent_registration(flow)
        received = await flow.received(OFFICER_KST, app)
        assert received["countsFrom"] == "2025-12-17"
        assert datetime.fromisoformat(received["dueAt"]) == datetime(
            2025, 12, 19, 0, 0, tzinfo=ALMATY
        )
        assert not received["overdue"]

        bus_clock.freeze(datetime(2025, 12, 18, 23, 59, 59, tzinfo=ALMATY))
        assert not (await flow.received(OFFICER_KST, app))["overdue"]

        bus_clock.freeze(datetime(2025, 12, 19, 0, 0, 1, tzinfo=ALMATY))
        overdue = answer(
            await flow.call(
                OFFICER_KST, "GET", "/provider/machinery/applications", params={"overdue": "true"}
            )
        )
        mine = [a for a in overdue if a["number"] == app["number"]]
        assert len(mine) == 1
        assert mine[0]["overdue"]
        metrics = await flow.http.get(f"{bus.url('frontoffice_service')}/metrics")
        line = next(
            x
            for x in metrics.text.splitlines()
            if x.startswith('frontoffice_machinery_overdue_applications{region="10"}')
        )
        assert float(line.split()[-1]) >= 1

        # Decided late, it counts as out of term.
        refused = answer(
            await flow.decide(OFFICER_KST, app, approve=False, reason="Проверка просрочена тестом")
        )
        assert refused["status"] == "REFUSED"
        assert not refused["overdue"]
        metrics = await flow.http.get(f"{bus.url('frontoffice_service')}/metrics")
        assert (
            'frontoffice_machinery_decisions_total{in_term="no",outcome="refused",region="10"}'
            in (metrics.text)
        )
    finally:
        bus_clock.reset()


async def test_m6_to_m12_every_registry_call_of_the_application_is_one_conversation(
    flow: MachineryClient, bus: BusPlan, pilot_day: datetime
) -> None:
    """The application's id is the correlationId of every registry call made for it: the desk's
    (M6.1 before it has a number, M6.3, M6.5), the provider's on its arrival over the bus (M3,
    M10.1–M10.3) and its decision and entry (M10.4, M12) the next day."""
    _, app = await _sent_registration(flow)
    await flow.received(OFFICER_KST, app)
    bus_clock.freeze(pilot_day + timedelta(days=1))
    await _registered(flow, app, now=pilot_day + timedelta(days=1))

    entries = await conversation(flow.http, bus, app["id"])
    assert {e["correlationId"] for e in entries} == {app["id"]}
    assert {(e["senderId"], e["status"]) for e in entries} == {("frontoffice_service", 200)}
    services = [e["serviceId"] for e in entries]
    # M6.3: a check per purpose, and an invoice and checks again when the applicant's
    # payments were already counted by another application of theirs.
    fees = [s for s in services[3:] if s.startswith("PAYMENTS_")]
    assert "PAYMENTS_CheckByPayerPurpose" in fees, services
    assert services == [
        *("GBDFL_UniversalServiceSync", "GBDFL_UniversalServiceSync"),  # M6.1: the ID, the name
        "GBDFL_BiometricVerification",  # M7
        *fees,
        "PKI_VerifyCms",  # M6.5: the worker's signature
        "PKI_VerifyCms",  # M3: the same, as it arrived at the provider
        "EPSM_PassportByVin",  # M10.1
        "GBDFL_UniversalServiceSync",  # M10.2
        "PKI_VerifyCms",  # M10.4: the officer's signature
        *("BMG_PlateStatus", "BMG_Issue"),  # M12
    ]
