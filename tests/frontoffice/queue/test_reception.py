"""V20: the reception gives a pick-up ticket to someone ГБД ФЛ knows alive, whose ID is theirs,
and whose documents wait at this office; anyone else gets a motivated refusal and no ticket."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from tests.frontoffice.support import (
    ALMALY,
    BUYER,
    BUYER_2,
    DECEASED,
    DIGITAL_DOCUMENT,
    INVALIDATED,
    KOSTANAY,
    KOSTANAY_BUYER,
    NOTHING_READY,
    UNKNOWN,
    FrontOffice,
    Visitor,
    refusal,
)


async def _queue(office: FrontOffice, headers: dict[str, str]) -> list[dict[str, Any]]:
    reply = await office.http.get(f"/offices/{ALMALY}/queue", headers=headers)
    assert reply.status_code == 200, reply.text
    tickets: list[dict[str, Any]] = reply.json()
    return tickets


async def test_v20_id_card_of_the_owner_with_documents_here_gets_a_ticket(
    office: FrontOffice, business_day: datetime
) -> None:
    await office.documents_ready(BUYER, ALMALY)
    worker = await office.worker(ALMALY)
    reply = await office.issue(ALMALY, worker, BUYER)
    assert reply.status_code == 201, reply.text
    ticket = reply.json()
    assert (ticket["code"], ticket["kind"], ticket["status"]) == ("P-001", "VIN_PICKUP", "WAITING")
    assert (ticket["visitorIin"], ticket["identification"]) == (BUYER.iin, "ID_CARD")
    assert ticket["serviceDay"] == business_day.date().isoformat()


async def test_v20_a_digital_document_needs_only_the_person(
    office: FrontOffice, business_day: datetime
) -> None:
    await office.documents_ready(BUYER_2, ALMALY)
    worker = await office.worker(ALMALY)
    reply = await office.issue(ALMALY, worker, BUYER_2, identification=DIGITAL_DOCUMENT)
    assert reply.status_code == 201, reply.text
    assert reply.json()["identification"] == "DIGITAL_DOCUMENT"


@pytest.mark.parametrize(
    ("visitor", "documents_at", "identification", "code", "field"),
    [
        (NOTHING_READY, None, None, "PICKUP_NOT_READY", "visitorIin"),
        (KOSTANAY_BUYER, KOSTANAY, None, "PICKUP_AT_OTHER_OFFICE", "office"),
        (BUYER, ALMALY, BUYER_2.card(), "VISITOR_ID_CARD_MISMATCH", "identification.number"),
        (DECEASED, ALMALY, None, "VISITOR_DECEASED", "visitorIin"),
        (INVALIDATED, ALMALY, None, "VISITOR_IIN_INVALIDATED", "visitorIin"),
        (UNKNOWN, None, DIGITAL_DOCUMENT, "VISITOR_NOT_FOUND", "visitorIin"),
    ],
    ids=["nothing ready", "ready elsewhere", "wrong id card", "deceased", "invalidated", "unknown"],
)
async def test_v20_refusals_name_the_step_and_issue_nothing(
    office: FrontOffice,
    business_day: datetime,
    visitor: Visitor,
    documents_at: str | None,
    identification: dict[str, str] | None,
    code: str,
    field: str,
) -> None:
    if documents_at is not None:
        await office.documents_ready(visitor, documents_at)
    worker = await office.worker(ALMALY)
    reply = await office.issue(ALMALY, worker, visitor, identification=identification)
    assert refusal(reply) == (422, code, "V20")
    problem = reply.json()
    assert problem["field"] == field
    assert set(problem["messages"]) == {"ru", "kk", "en"}
    assert await _queue(office, worker) == []


async def test_v20_ready_elsewhere_names_the_office(
    office: FrontOffice, business_day: datetime
) -> None:
    await office.documents_ready(KOSTANAY_BUYER, KOSTANAY)
    reply = await office.issue(ALMALY, await office.worker(ALMALY), KOSTANAY_BUYER)
    problem = reply.json()
    assert problem["office"] == KOSTANAY
    assert "ЦОН г. Костанай" in problem["messages"]["ru"]


async def test_v20_the_id_check_says_which_registry_answered(
    office: FrontOffice, business_day: datetime
) -> None:
    reply = await office.issue(ALMALY, await office.worker(ALMALY), DECEASED)
    assert reply.json()["registry"] == "ГБД ФЛ"


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"kind": "VIN_PICKUP", "identification": BUYER.card()}, "FIELD_REQUIRED", "visitorIin"),
        ({"kind": "VIN_PICKUP", "visitorIin": BUYER.iin}, "FIELD_REQUIRED", "identification"),
        (
            {"kind": "VIN_PICKUP", "visitorIin": BUYER.iin, "identification": {"kind": "ID_CARD"}},
            "FIELD_REQUIRED",
            "identification.number",
        ),
        (
            {
                "kind": "VIN_PICKUP",
                "visitorIin": BUYER.iin,
                "identification": {**DIGITAL_DOCUMENT, "number": BUYER.id_card},
            },
            "UNKNOWN_FIELD",
            "identification.number",
        ),
        ({"kind": "VIN_PICKUP", "visitorIin": "900515310006"}, "IIN_CHECK_DIGIT", "visitorIin"),
    ],
    ids=["no iin", "no identification", "card without number", "number of a digital", "bad iin"],
)
async def test_v20_an_incomplete_request_names_the_field(
    office: FrontOffice, business_day: datetime, body: dict[str, Any], code: str, field: str
) -> None:
    worker = await office.worker(ALMALY)
    reply = await office.http.post(f"/offices/{ALMALY}/queue/tickets", json=body, headers=worker)
    assert (reply.status_code, reply.json()["code"], reply.json()["field"]) == (422, code, field)


async def test_v20_gbd_fl_away_is_try_again_and_issues_nothing(
    office: FrontOffice, business_day: datetime
) -> None:
    await office.documents_ready(BUYER, ALMALY)
    worker = await office.worker(ALMALY)
    async with office.gbd_fl_failing_once("PROVIDER_UNAVAILABLE", 503):
        reply = await office.issue(ALMALY, worker, BUYER)
        assert refusal(reply) == (503, "VISITOR_CHECK_UNAVAILABLE", "V20")
        assert await _queue(office, worker) == []
    retried = await office.issue(ALMALY, worker, BUYER)
    assert (retried.status_code, retried.json()["code"]) == (201, "P-001")
