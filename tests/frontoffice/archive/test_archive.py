"""M16–M17: the paper basis of a machinery application stays at its front office for one month
(by the bus clock, Asia/Almaty), then the provider takes it away by an acceptance act in two
copies that the provider and the head of the front office both sign with ЭЦП.

The applications are written straight into the service's database, as the desk leaves them
once sent (M9): the archive needs nothing else of them. Offices keep tests apart where a test
asserts the whole of an office's archive (ALM-BOSTANDYK, ALM-MEDEU are used here only); at
ALM-ALMALY, the office of the only head persona, tests assert about their own applications.
There is no head of a Kostanay office among the personas (their keys come from one
`python -m pki.generate` run), so a Kostanay act is signed by its provider only.
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from egov.flow_client import persona
from egov.launcher import BusPlan
from egov.signin import login, sign
from frontoffice_service import archive
from frontoffice_service.access import ProviderOfficer
from frontoffice_service.archive.models import ActStatus, ArchiveAct
from frontoffice_service.machinery.catalogue import Action, Applicant, MachineKind
from frontoffice_service.machinery.models import (
    ApplicationStatus,
    ArchiveStatus,
    MachineryApplication,
    VisitorRole,
)
from frontoffice_service.models import IdentificationKind
from frontoffice_service.settings import Settings
from servicekit.clock import ALMATY, bus_clock
from servicekit.db import Database
from servicekit.documents import canonical
from servicekit.http_clients import async_client
from servicekit.service_centres import service_centre
from servicekit.topology import spec

ALMALY, BOSTANDYK, MEDEU, KOSTANAY = "ALM-ALMALY", "ALM-BOSTANDYK", "ALM-MEDEU", "KST-KOSTANAY"
OFFICER, OTHER_OFFICER = "akimat_officer_almaty", "akimat_officer_kostanay"
HEAD, WORKER = "frontoffice_head", "frontoffice_worker_almaty"
OTHER_WORKER = "frontoffice_worker_kostanay"
PACKAGE = [
    {"code": "APPLICATION_FORM", "present": True, "valid": True},
    {"code": "IDENTITY_DOCUMENT", "present": True, "valid": True},
    {"code": "FEE_RECEIPT", "present": True, "valid": True},
    {"code": "PRODUCER_OBLIGATIONS", "present": False, "valid": False},
]


def almaty(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ALMATY)


# --- the month (M16) --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent_at", "kept_until"),
    [
        (almaty(2027, 3, 15, 10, 0), date(2027, 4, 15)),
        (almaty(2027, 3, 31, 10, 0), date(2027, 4, 30)),
        (almaty(2027, 1, 31, 17, 59), date(2027, 2, 28)),
        (almaty(2028, 1, 31, 9, 0), date(2028, 2, 29)),
        (almaty(2028, 1, 30, 9, 0), date(2028, 2, 29)),
        (almaty(2027, 12, 31, 23, 59), date(2028, 1, 31)),
        (almaty(2027, 12, 15, 0, 0), date(2028, 1, 15)),
        # The day is Almaty's: 19:00 UTC is already the next day there (UTC+5).
        (datetime(2027, 3, 14, 18, 59, 59, tzinfo=UTC), date(2027, 4, 14)),
        (datetime(2027, 3, 14, 19, 0, tzinfo=UTC), date(2027, 4, 15)),
        (datetime(2027, 1, 30, 19, 30, tzinfo=UTC), date(2027, 2, 28)),
    ],
    ids=lambda value: value.isoformat(),
)
def test_m16_keep_until_is_one_calendar_month_after_the_sending_day(
    sent_at: datetime, kept_until: date
) -> None:
    assert archive.keep_until(sent_at) == kept_until


def test_m16_keep_until_refuses_a_naive_time() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        archive.keep_until(datetime(2027, 3, 15, 10, 0))


def test_m16_the_paper_leaves_the_day_after_keep_until() -> None:
    kept_until = archive.keep_until(almaty(2027, 1, 31, 12, 0))
    assert archive.leave_from(kept_until) == date(2027, 3, 1)
    assert not archive.is_due(kept_until, date(2027, 2, 28))
    assert archive.is_due(kept_until, date(2027, 3, 1))


# --- the PDF (M17) ----------------------------------------------------------------------------


def _pages(content: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b", content))


def _application(number: str, kept_until: date) -> MachineryApplication:
    return MachineryApplication(
        number=number,
        applicant_name="Сейткали Марат Ерланович",
        action=Action.REGISTRATION,
        machine_id="MTZ-82.1-0801234",
        sent_at=almaty(2027, 10, 1, 11, 0),
        keep_until=kept_until,
        package=PACKAGE,
    )


def _act() -> ArchiveAct:
    officer = persona(OFFICER)
    centre = service_centre(ALMALY)
    assert centre is not None
    applications = [_application(f"ALM-ALMALY-20271001-{i}", date(2027, 11, 1)) for i in (1, 2)]
    document = archive.act_document(
        number="ALM-ALMALY-20271105-1",
        day=date(2027, 11, 5),
        centre=centre,
        officer=ProviderOfficer(officer["iin"], "02", "010840022114"),
        applications=applications,
    )
    return ArchiveAct(
        id=str(uuid.uuid4()),
        number="ALM-ALMALY-20271105-1",
        office=ALMALY,
        region="02",
        status=ActStatus.DRAFT,
        document=document,
        created_at=almaty(2027, 11, 5, 10, 0),
        created_by=officer["iin"],
    )


def test_m17_the_act_lists_what_was_present_and_no_head_in_advance() -> None:
    document = _act().document
    assert (document["number"], document["date"], document["copies"]) == (
        "ALM-ALMALY-20271105-1",
        "2027-11-05",
        2,
    )
    assert document["office"]["address"] == "г. Алматы, ул. Толе би, 155"
    assert (document["provider"]["bin"], document["provider"]["region"]) == ("010840022114", "02")
    first = document["applications"][0]
    assert (first["keepUntil"], first["sentOn"], first["action"]) == (
        "2027-11-01",
        "2027-10-01",
        "REGISTRATION",
    )
    # What the worker did not find present is not paper the office holds.
    assert [d["code"] for d in first["documents"]] == [
        "APPLICATION_FORM",
        "IDENTITY_DOCUMENT",
        "FEE_RECEIPT",
    ]
    assert document["documentCount"] == 6
    assert "head" not in document


def test_m17_the_pdf_has_both_copies_and_the_signature_blocks() -> None:
    act = _act()
    printed = archive.pdf_document(act)
    assert list(printed.copies) == [
        "Экземпляр № 1 — для фронт-офиса",
        "Экземпляр № 2 — для услугодателя",
    ]
    (listed,) = [s for s in printed.sections if s.heading.startswith("Перечень")]
    assert "заявлений 2, документов 6" in listed.heading
    assert any("ALM-ALMALY-20271001-2" in line for line in listed.lines)
    (signatures,) = [s for s in printed.sections if s.heading == "Подписи"]
    assert all(line.endswith("не подписано") for line in signatures.lines)

    draft = archive.render_pdf(act)
    assert draft.startswith(b"%PDF-")
    assert _pages(draft) == 2  # one page per copy
    assert archive.render_pdf(act) == draft  # the same act, the same bytes

    act.provider_cms = sign(OFFICER, canonical(act.document))
    act.provider_signed_by = persona(OFFICER)["iin"]
    act.provider_signed_at = almaty(2027, 11, 5, 11, 30)
    (signatures,) = [s for s in archive.pdf_document(act).sections if s.heading == "Подписи"]
    provider, head = signatures.lines
    # The certificate names the signer as НУЦ РК writes it: surname and name, the employer.
    assert provider.startswith("Услугодатель: ДЖАКСЫБЕКОВ АРМАН, ГУ «Управление ")
    assert "; сертификат № " in provider
    assert "05.11.2027 11:30 (Алматы)" in provider
    assert "SHA-256 подписи (CMS) " in provider
    assert head.endswith("не подписано")
    signed = archive.render_pdf(act)
    assert signed != draft
    assert _pages(signed) == 2


# --- on the bus -------------------------------------------------------------------------------


@dataclass
class Archive:
    """The archive's two sides over HTTP, the personas, and the service's database."""

    http: httpx.AsyncClient
    pki: httpx.AsyncClient
    database: Database

    async def as_(self, who: str, key: str | None = None) -> dict[str, str]:
        """A fresh token: a test moves the clock by months, past any earlier token's expiry."""
        headers = {"Authorization": f"Bearer {await login(self.pki, who, 'frontoffice_service')}"}
        return headers if key is None else {**headers, "Idempotency-Key": key}

    async def kept(self, sent_at: datetime, office: str = ALMALY) -> str:
        """An application sent (M9) at `sent_at` whose paper the office keeps; its number."""
        centre = service_centre(office)
        assert centre is not None
        number = f"{office}-T{uuid.uuid4().hex[:10].upper()}"
        async with self.database.transaction() as session:
            session.add(
                MachineryApplication(
                    id=str(uuid.uuid4()),
                    number=number,
                    office=office,
                    region=centre.region_code,
                    ticket_id=str(uuid.uuid4()),
                    status=ApplicationStatus.ISSUED,
                    action=Action.REGISTRATION,
                    machine_kind=MachineKind.TRACTOR,
                    first_registration=False,
                    machine_id="MTZ-82.1-0801234",
                    applicant_kind=Applicant.PERSON,
                    applicant_iin=persona("farmer")["iin"],
                    applicant_name=persona("farmer")["name"],
                    phone="+77012345601",
                    visitor_iin=persona("farmer")["iin"],
                    visitor_name=persona("farmer")["name"],
                    visitor_role=VisitorRole.APPLICANT,
                    identification=IdentificationKind.ID_CARD,
                    package=PACKAGE,
                    document={"number": number},
                    digest="0" * 64,
                    worker_cms="MIIB",
                    signed_by=persona(WORKER)["iin"],
                    sent_at=sent_at,
                    received_at=sent_at,
                    due_at=sent_at + timedelta(days=1),
                    archive_status=ArchiveStatus.AT_OFFICE,
                    keep_until=archive.keep_until(sent_at),
                    created_at=sent_at,
                    created_by=persona(WORKER)["iin"],
                    updated_at=sent_at,
                )
            )
        return number

    async def status(self, number: str) -> tuple[ArchiveStatus | None, str | None]:
        async with self.database.transaction() as session:
            row = (
                await session.execute(
                    select(MachineryApplication.archive_status, MachineryApplication.act_id).where(
                        MachineryApplication.number == number
                    )
                )
            ).one()
        return row.archive_status, row.act_id

    async def draw_up(self, office: str, who: str = OFFICER) -> httpx.Response:
        return await self.http.post(
            "/provider/archive/acts", json={"office": office}, headers=await self.as_(who)
        )

    async def act(self, office: str) -> dict[str, Any]:
        reply = await self.draw_up(office)
        assert reply.status_code == 201, reply.text
        act: dict[str, Any] = reply.json()
        return act

    async def sign(
        self, act: dict[str, Any], party: str, *, who: str, signer: str | None = None
    ) -> httpx.Response:
        """`who` signs in and sends a CMS of the act's document by `signer`'s key (theirs by
        default), on the provider's side or the office's."""
        path = (
            f"/provider/archive/acts/{act['id']}/signature"
            if party == "provider"
            else f"/offices/{act['office']}/archive/acts/{act['id']}/signature"
        )
        cms = sign(signer or who, base64.b64decode(act["document"]))
        return await self.http.post(path, json={"cms": cms}, headers=await self.as_(who))


def _numbers(act: dict[str, Any]) -> list[str]:
    return [a["number"] for a in act["content"]["applications"]]


def _problem(reply: httpx.Response) -> tuple[int, str, str | None]:
    problem = reply.json()
    return reply.status_code, problem["code"], problem.get("step")


@pytest.fixture(scope="module")
async def desk(bus: BusPlan) -> AsyncIterator[Archive]:
    settings = Settings(**bus.settings(spec("frontoffice_service")))
    database = Database(settings.sqlalchemy_url(), pool_size=2)
    try:
        async with (
            async_client(base_url=bus.url("pki"), timeout=15) as pki,
            async_client(base_url=bus.url("frontoffice_service"), timeout=15) as http,
        ):
            yield Archive(http, pki, database)
    finally:
        await database.dispose()


async def test_m16_nothing_leaves_before_the_month_ends(desk: Archive) -> None:
    number = await desk.kept(almaty(2027, 5, 10, 16, 30), office=BOSTANDYK)

    bus_clock.freeze(almaty(2027, 6, 10, 23, 59))  # keep_until, its last minute
    reply = await desk.http.get(
        "/provider/archive/due", params={"office": BOSTANDYK}, headers=await desk.as_(OFFICER)
    )
    assert reply.status_code == 200, reply.text
    assert number not in [item["number"] for item in reply.json()]
    assert _problem(await desk.draw_up(BOSTANDYK)) == (409, "ARCHIVE_NOTHING_DUE", "M16")

    bus_clock.freeze(almaty(2027, 6, 11, 0, 0))
    reply = await desk.http.get(
        "/provider/archive/due", params={"office": BOSTANDYK}, headers=await desk.as_(OFFICER)
    )
    (item,) = [item for item in reply.json() if item["number"] == number]
    assert (item["keepUntil"], item["leaveFrom"], item["due"], item["actId"]) == (
        "2027-06-10",
        "2027-06-11",
        True,
        None,
    )
    assert item["documents"] == ["APPLICATION_FORM", "IDENTITY_DOCUMENT", "FEE_RECEIPT"]
    everywhere = await desk.http.get("/provider/archive/due", headers=await desk.as_(OFFICER))
    assert number in [i["number"] for i in everywhere.json()]

    act = await desk.act(BOSTANDYK)
    assert (act["status"], act["office"], act["region"]) == ("DRAFT", BOSTANDYK, "02")
    assert act["number"] == f"{BOSTANDYK}-20270611-1"
    assert _numbers(act) == [number]  # the office's whole archive: only this test uses it
    document = act["content"]
    assert (document["number"], document["date"], document["step"]) == (
        act["number"],
        "2027-06-11",
        "M17",
    )
    assert document["office"]["name"] == "ЦОН Бостандыкского района г. Алматы"
    assert document["provider"] == {
        "bin": "010840022114",
        "name": "Акимат города Алматы",
        "region": "02",
        "drawnUpBy": persona(OFFICER)["iin"],
    }
    assert (act["providerSignedBy"], act["headSignedBy"]) == (None, None)
    assert await desk.status(number) == (ArchiveStatus.AT_OFFICE, act["id"])
    # Listed once: a second act finds nothing left.
    assert _problem(await desk.draw_up(BOSTANDYK)) == (409, "ARCHIVE_NOTHING_DUE", "M16")
    due = await desk.http.get(
        "/provider/archive/due", params={"office": BOSTANDYK}, headers=await desk.as_(OFFICER)
    )
    assert due.json() == []
    listed = await desk.http.get(
        "/provider/archive/acts", params={"office": BOSTANDYK}, headers=await desk.as_(OFFICER)
    )
    assert [a["id"] for a in listed.json()] == [act["id"]]


async def test_m16_an_office_with_nothing_kept_has_nothing_due(desk: Archive) -> None:
    bus_clock.freeze(almaty(2027, 8, 2, 10, 0))
    assert _problem(await desk.draw_up(MEDEU)) == (409, "ARCHIVE_NOTHING_DUE", "M16")


async def test_m17_both_signatures_hand_the_archive_over(desk: Archive) -> None:
    old = await desk.kept(almaty(2027, 7, 1, 12, 0))
    recent = await desk.kept(almaty(2027, 7, 20, 12, 0))
    bus_clock.freeze(almaty(2027, 8, 2, 9, 0))

    kept = await desk.http.get(f"/offices/{ALMALY}/archive", headers=await desk.as_(WORKER))
    assert kept.status_code == 200, kept.text
    due = {i["number"]: (i["keepUntil"], i["due"]) for i in kept.json()}
    assert (due[old], due[recent]) == (("2027-08-01", True), ("2027-08-20", False))

    act = await desk.act(ALMALY)
    assert old in _numbers(act)
    assert recent not in _numbers(act)  # its month is not over: it stays
    draft_pdf = await desk.http.get(
        f"/provider/archive/acts/{act['id']}/pdf", headers=await desk.as_(OFFICER)
    )
    assert (draft_pdf.status_code, draft_pdf.headers["content-type"]) == (200, "application/pdf")

    signed = await desk.sign(act, "provider", who=OFFICER)
    assert signed.status_code == 200, signed.text
    assert (signed.json()["status"], signed.json()["providerSignedBy"]) == (
        "DRAFT",
        persona(OFFICER)["iin"],
    )
    # One signature is not enough: the paper is still at the office, listed in the act.
    assert await desk.status(old) == (ArchiveStatus.AT_OFFICE, act["id"])
    again = await desk.sign(act, "provider", who=OFFICER)
    assert _problem(again) == (409, "ARCHIVE_ACT_ALREADY_SIGNED", "M17")
    assert again.json()["party"] == "PROVIDER"

    done = await desk.sign(act, "head", who=HEAD)
    assert done.status_code == 200, done.text
    record = done.json()
    assert (record["status"], record["headSignedBy"]) == ("SIGNED", persona(HEAD)["iin"])
    assert record["headSignedAt"] is not None
    for number in _numbers(act):
        assert await desk.status(number) == (ArchiveStatus.HANDED_OVER, act["id"])
    assert await desk.status(recent) == (ArchiveStatus.AT_OFFICE, None)
    assert _problem(await desk.sign(act, "head", who=HEAD)) == (
        409,
        "ARCHIVE_ACT_ALREADY_SIGNED",
        "M17",
    )

    kept = await desk.http.get(f"/offices/{ALMALY}/archive", headers=await desk.as_(WORKER))
    numbers = [i["number"] for i in kept.json()]
    assert old not in numbers
    assert recent in numbers
    seen = await desk.http.get(
        f"/offices/{ALMALY}/archive/acts/{act['id']}", headers=await desk.as_(WORKER)
    )
    assert seen.json() == record
    for path, who in (
        (f"/provider/archive/acts/{act['id']}/pdf", OFFICER),
        (f"/offices/{ALMALY}/archive/acts/{act['id']}/pdf", WORKER),
    ):
        printed = await desk.http.get(path, headers=await desk.as_(who))
        assert (printed.status_code, printed.headers["content-type"]) == (200, "application/pdf")
        assert printed.content.startswith(b"%PDF-")
        assert _pages(printed.content) >= 2
        assert printed.content != draft_pdf.content  # the signature blocks are filled in
    listed = await desk.http.get(
        "/provider/archive/acts",
        params={"office": ALMALY, "status": "SIGNED"},
        headers=await desk.as_(OFFICER),
    )
    assert act["id"] in [a["id"] for a in listed.json()]


async def test_m17_the_head_may_sign_first_and_the_provider_completes(desk: Archive) -> None:
    number = await desk.kept(almaty(2027, 9, 1, 12, 0))
    bus_clock.freeze(almaty(2027, 10, 4, 9, 0))
    act = await desk.act(ALMALY)
    assert number in _numbers(act)

    first = await desk.sign(act, "head", who=HEAD)
    assert (first.status_code, first.json()["status"]) == (200, "DRAFT")
    assert await desk.status(number) == (ArchiveStatus.AT_OFFICE, act["id"])
    again = await desk.sign(act, "head", who=HEAD)
    assert (_problem(again), again.json()["party"]) == (
        (409, "ARCHIVE_ACT_ALREADY_SIGNED", "M17"),
        "HEAD",
    )

    done = await desk.sign(act, "provider", who=OFFICER)
    assert (done.status_code, done.json()["status"]) == (200, "SIGNED")
    assert await desk.status(number) == (ArchiveStatus.HANDED_OVER, act["id"])


async def test_m17_a_signature_by_anyone_else_or_of_another_document_is_refused(
    desk: Archive,
) -> None:
    number = await desk.kept(almaty(2027, 11, 1, 12, 0))
    bus_clock.freeze(almaty(2027, 12, 6, 9, 0))
    act = await desk.act(ALMALY)

    as_head = await desk.sign(act, "provider", who=OFFICER, signer=HEAD)
    assert _problem(as_head) == (422, "SIGNATURE_NOT_ACCEPTED", "M17")
    as_officer = await desk.sign(act, "head", who=HEAD, signer=OFFICER)
    assert _problem(as_officer) == (422, "SIGNATURE_NOT_ACCEPTED", "M17")
    forged_content = {**act["content"], "number": "ALM-ALMALY-FORGED-1"}
    other = {**act, "document": base64.b64encode(canonical(forged_content)).decode()}
    forged = await desk.sign(other, "provider", who=OFFICER)
    assert _problem(forged) == (422, "SIGNATURE_NOT_ACCEPTED", "M17")

    seen = await desk.http.get(
        f"/provider/archive/acts/{act['id']}", headers=await desk.as_(OFFICER)
    )
    assert (
        seen.json()["status"],
        seen.json()["providerSignedBy"],
        seen.json()["headSignedBy"],
    ) == (
        "DRAFT",
        None,
        None,
    )
    assert await desk.status(number) == (ArchiveStatus.AT_OFFICE, act["id"])


async def test_m16_nothing_is_signed_away_while_the_clock_stands_before_the_month_end(
    desk: Archive,
) -> None:
    number = await desk.kept(almaty(2028, 1, 31, 12, 0))  # kept through 29.02.2028
    bus_clock.freeze(almaty(2028, 3, 1, 9, 0))
    act = await desk.act(ALMALY)
    assert number in _numbers(act)

    bus_clock.freeze(almaty(2028, 2, 29, 18, 0))  # a tester sets the clock back
    for party, who in (("provider", OFFICER), ("head", HEAD)):
        refused = await desk.sign(act, party, who=who)
        assert _problem(refused) == (409, "ARCHIVE_NOT_DUE_YET", "M16")
    assert await desk.status(number) == (ArchiveStatus.AT_OFFICE, act["id"])

    bus_clock.freeze(almaty(2028, 3, 1, 9, 5))
    assert (await desk.sign(act, "provider", who=OFFICER)).status_code == 200


async def test_m17_draw_up_is_idempotent(desk: Archive) -> None:
    await desk.kept(almaty(2028, 4, 1, 12, 0))
    bus_clock.freeze(almaty(2028, 5, 3, 9, 0))
    key = str(uuid.uuid4())
    first = await desk.http.post(
        "/provider/archive/acts", json={"office": ALMALY}, headers=await desk.as_(OFFICER, key)
    )
    assert first.status_code == 201, first.text
    again = await desk.http.post(
        "/provider/archive/acts", json={"office": ALMALY}, headers=await desk.as_(OFFICER, key)
    )
    assert (again.status_code, again.json()) == (201, first.json())


async def test_m17_who_may_see_and_sign_which_act(desk: Archive) -> None:
    await desk.kept(almaty(2028, 6, 1, 12, 0))
    await desk.kept(almaty(2028, 6, 1, 12, 0), office=KOSTANAY)
    bus_clock.freeze(almaty(2028, 7, 3, 9, 0))
    act = await desk.act(ALMALY)
    reply = await desk.draw_up(KOSTANAY, who=OTHER_OFFICER)
    assert reply.status_code == 201, reply.text
    kostanay = reply.json()
    assert kostanay["region"] == "10"
    assert (await desk.sign(kostanay, "provider", who=OTHER_OFFICER)).status_code == 200

    # The head signs for the own office only; a worker who is not the head does not sign.
    not_head = await desk.sign(act, "head", who=WORKER)
    assert _problem(not_head)[:2] == (403, "FRONTOFFICE_HEAD_REQUIRED")
    kostanay_worker = await desk.sign(kostanay, "head", who=OTHER_WORKER)
    assert _problem(kostanay_worker)[:2] == (403, "FRONTOFFICE_HEAD_REQUIRED")
    other_office = await desk.sign(kostanay, "head", who=HEAD)
    assert _problem(other_office)[:2] == (403, "OFFICE_FORBIDDEN")
    for method, path in (
        ("GET", f"/offices/{ALMALY}/archive/acts/{kostanay['id']}"),
        ("GET", f"/offices/{ALMALY}/archive/acts/{kostanay['id']}/pdf"),
    ):
        reply = await desk.http.request(method, path, headers=await desk.as_(HEAD))
        assert _problem(reply) == (404, "ARCHIVE_ACT_NOT_FOUND", "M17")
    wrong_path = await desk.http.post(
        f"/offices/{ALMALY}/archive/acts/{kostanay['id']}/signature",
        json={"cms": sign(HEAD, base64.b64decode(kostanay["document"]))},
        headers=await desk.as_(HEAD),
    )
    assert _problem(wrong_path) == (404, "ARCHIVE_ACT_NOT_FOUND", "M17")
    elsewhere = await desk.http.get(
        f"/offices/{ALMALY}/archive", headers=await desk.as_(OTHER_WORKER)
    )
    assert _problem(elsewhere)[:2] == (403, "OFFICE_FORBIDDEN")

    # An officer of another region: the act is not there, the office is not theirs.
    for method, path in (
        ("GET", f"/provider/archive/acts/{act['id']}"),
        ("GET", f"/provider/archive/acts/{act['id']}/pdf"),
    ):
        reply = await desk.http.request(method, path, headers=await desk.as_(OTHER_OFFICER))
        assert _problem(reply) == (404, "ARCHIVE_ACT_NOT_FOUND", "M17")
    assert _problem(await desk.sign(act, "provider", who=OTHER_OFFICER)) == (
        404,
        "ARCHIVE_ACT_NOT_FOUND",
        "M17",
    )
    listed = await desk.http.get("/provider/archive/acts", headers=await desk.as_(OTHER_OFFICER))
    assert {a["region"] for a in listed.json()} == {"10"}
    for office in (ALMALY, "ALM-NOWHERE"):
        refused = await desk.draw_up(office, who=OTHER_OFFICER)
        assert (_problem(refused)[:2], refused.json()["field"]) == (
            (403, "PROVIDER_OFFICE_FORBIDDEN"),
            "office",
        )
    due = await desk.http.get(
        "/provider/archive/due", params={"office": ALMALY}, headers=await desk.as_(OTHER_OFFICER)
    )
    assert _problem(due)[:2] == (403, "PROVIDER_OFFICE_FORBIDDEN")

    # Nobody but an akimat officer works the provider's side; nobody without a token at all.
    for who in ("buyer", WORKER, HEAD):
        for method, path in (
            ("GET", "/provider/archive/due"),
            ("GET", "/provider/archive/acts"),
            ("GET", f"/provider/archive/acts/{act['id']}"),
        ):
            reply = await desk.http.request(method, path, headers=await desk.as_(who))
            assert _problem(reply)[:2] == (403, "PROVIDER_OFFICER_REQUIRED"), (who, path)
        assert _problem(await desk.draw_up(ALMALY, who=who))[:2] == (
            403,
            "PROVIDER_OFFICER_REQUIRED",
        )
    assert _problem(await desk.http.get("/provider/archive/due"))[:2] == (401, "TOKEN_REQUIRED")
    assert _problem(await desk.http.get(f"/offices/{ALMALY}/archive"))[:2] == (
        401,
        "TOKEN_REQUIRED",
    )
    citizen = await desk.http.get(f"/offices/{ALMALY}/archive", headers=await desk.as_("buyer"))
    assert _problem(citizen)[:2] == (403, "FRONTOFFICE_WORKER_REQUIRED")
