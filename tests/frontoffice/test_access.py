"""M3: a ЦОН's desks open only to a front-office worker of that office, signed in with ЭЦП."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from egov.signin import login
from tests.frontoffice.support import ALMALY, BUYER, KOSTANAY, FrontOffice

DESK_CALLS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("POST", "/queue/tickets", {"kind": "SUBMISSION"}),
    ("GET", "/queue", None),
    ("POST", "/queue/call-next", {"window": 1}),
    ("POST", f"/queue/tickets/{uuid.uuid4()}/served", None),
    ("POST", f"/queue/tickets/{uuid.uuid4()}/no-show", None),
    ("GET", "/pickups", None),
    (
        "POST",
        "/pickups/hand-over",
        {
            "ticketId": str(uuid.uuid4()),
            "applicationNumber": "KZ-1",
            "visitorIin": BUYER.iin,
            "identification": BUYER.card(),
        },
    ),
]
IDS = [f"{method} {path.split('/')[-1]}" for method, path, _ in DESK_CALLS]


async def _call(
    office: FrontOffice,
    at: str,
    call: tuple[str, str, dict[str, Any] | None],
    headers: dict[str, str],
) -> Any:
    method, path, body = call
    return await office.http.request(method, f"/offices/{at}{path}", json=body, headers=headers)


@pytest.mark.parametrize("call", DESK_CALLS, ids=IDS)
async def test_m3_no_token_is_401(
    office: FrontOffice, call: tuple[str, str, dict[str, Any] | None]
) -> None:
    reply = await _call(office, ALMALY, call, {})
    assert (reply.status_code, reply.json()["code"]) == (401, "TOKEN_REQUIRED")


@pytest.mark.parametrize("call", DESK_CALLS, ids=IDS)
async def test_m3_another_offices_worker_is_403(
    office: FrontOffice, call: tuple[str, str, dict[str, Any] | None]
) -> None:
    reply = await _call(office, ALMALY, call, await office.worker(KOSTANAY))
    assert (reply.status_code, reply.json()["code"]) == (403, "OFFICE_FORBIDDEN")
    assert reply.json()["field"] == "office"


async def test_m3_a_citizen_is_not_a_worker(office: FrontOffice) -> None:
    reply = await _call(office, ALMALY, DESK_CALLS[1], await office.sign_in("buyer"))
    assert (reply.status_code, reply.json()["code"]) == (403, "FRONTOFFICE_WORKER_REQUIRED")


async def test_m3_an_office_that_does_not_exist_is_nobodys(office: FrontOffice) -> None:
    reply = await _call(office, "ALM-NOWHERE", DESK_CALLS[1], await office.worker(ALMALY))
    assert (reply.status_code, reply.json()["code"]) == (403, "OFFICE_FORBIDDEN")


async def test_m3_a_token_for_the_portal_does_not_open_the_desk(office: FrontOffice) -> None:
    token = await login(office.pki, "frontoffice_worker_almaty", "registration_service")
    reply = await _call(office, ALMALY, DESK_CALLS[1], {"Authorization": f"Bearer {token}"})
    assert (reply.status_code, reply.json()["code"]) == (401, "TOKEN_WRONG_AUDIENCE")


async def test_m3_the_head_of_the_office_works_its_desks(office: FrontOffice) -> None:
    reply = await _call(office, ALMALY, DESK_CALLS[1], await office.sign_in("frontoffice_head"))
    assert reply.status_code == 200, reply.text


async def test_the_offices_are_public(office: FrontOffice) -> None:
    reply = await office.http.get("/offices")
    assert reply.status_code == 200
    assert {ALMALY, KOSTANAY} <= {o["id"] for o in reply.json()}
