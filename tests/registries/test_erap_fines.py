"""ЕРАП through the real gateway: every seeded branch of V14 (the buyer with unpaid fines,
the happy-path buyer with a paid one, everyone else none), pay and submit again, tester
scenarios, bad input and the admin API. Runs on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from egov import personas
from egov.launcher import BusPlan
from erap_fines.seed import load_records
from payments.seed import load_data as payments_data
from servicekit.clock import bus_clock
from tests.harness import ADMIN, envelope, send

FINES = "ERAP_FinesByIin"
PAY = "ERAP_PayFine"
PERSONS = {p["key"]: p["iin"] for p in personas.load()["persons"]}
BUYER = PERSONS["buyer"]
WITH_FINES = PERSONS["buyer_with_fines"]
BUYER_2 = PERSONS["buyer_2"]
SEEDED = {r["caseNumber"]: r for r in load_records()}
UNPAID_OF_WITH_FINES = sorted(
    n for n, r in SEEDED.items() if r["iin"] == WITH_FINES and r["paidAt"] is None
)
DUE_SOON = "2602000004812"  # due 2026-03-30, after the VIN pilot day (2026-03-02)


async def _data(
    client: httpx.AsyncClient, bus: BusPlan, service: str, data: Any, **headers: str
) -> dict[str, Any]:
    reply = await send(client, bus, envelope(service, data), headers=headers)
    assert reply.status_code == 200, reply.text
    answer: dict[str, Any] = reply.json()["responseData"]["data"]
    return answer


def _admin(bus: BusPlan, path: str) -> str:
    return f"{bus.url('erap_fines')}/admin{path}"


def _fine_in(iin: str, *, amount_mrp: str = "5", amount: int = 21625) -> dict[str, Any]:
    return {
        "iin": iin,
        "article": "ст. 592 ч. 1",
        "description": "Превышение установленной скорости движения на 10–20 км/ч",
        "descriptionKk": "Белгіленген жүру жылдамдығын сағатына 10–20 км-ге асыру",
        "decisionDate": "2026-10-01",
        "amountMrp": amount_mrp,
        "amount": amount,
        "dueDate": "2026-12-10",
    }


async def _restore_seeded(client: httpx.AsyncClient, bus: BusPlan, case_number: str) -> None:
    record = SEEDED[case_number]
    body = {k: v for k, v in record.items() if k not in ("caseNumber", "paidAt", "payerIin")}
    reply = await client.put(_admin(bus, f"/fines/{case_number}"), json=body, headers=ADMIN)
    assert reply.status_code == 200, reply.text


def test_seeded_amounts_are_mrp_times_the_mrp_of_the_decision_year() -> None:
    mrp = {r["year"]: r["amount"] for r in payments_data()["mrp"]}
    for record in SEEDED.values():
        year = date.fromisoformat(record["decisionDate"]).year
        assert Decimal(record["amountMrp"]) * mrp[year] == record["amount"], record["caseNumber"]


async def test_v14_buyer_with_fines_has_two_unpaid_and_one_paid(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    answer = await _data(client, bus, FINES, {"iin": WITH_FINES})
    assert answer["iin"] == WITH_FINES
    fines = {f["caseNumber"]: f for f in answer["fines"]}
    assert set(fines) == {n for n, r in SEEDED.items() if r["iin"] == WITH_FINES}
    assert sorted(n for n, f in fines.items() if not f["paid"]) == UNPAID_OF_WITH_FINES
    assert (answer["unpaidCount"], answer["unpaidTotal"]) == (2, 39320 + 21625)
    assert answer["code"] == "UNPAID_FINES"
    assert "60945" in answer["messages"]["ru"]
    assert "подайте заявление снова" in answer["messages"]["ru"]
    assert set(answer["messages"]) == {"ru", "kk", "en"}
    speeding = fines[DUE_SOON]
    assert (speeding["article"], speeding["amountMrp"], speeding["amount"]) == (
        "ст. 592 ч. 1",
        "5.00",
        21625,
    )
    assert speeding["descriptionKk"]
    assert (speeding["decisionDate"], speeding["dueDate"]) == ("2026-01-19", "2026-03-30")
    assert (speeding["paid"], speeding["paidAt"]) == (False, None)
    paid = next(f for f in answer["fines"] if f["paid"])
    assert datetime.fromisoformat(paid["paidAt"]) == datetime(2025, 6, 25, 4, 12, tzinfo=UTC)
    assert paid["overdue"] is False


async def test_v14_happy_path_buyer_has_one_paid_fine_only(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    answer = await _data(client, bus, FINES, {"iin": BUYER})
    assert [f["paid"] for f in answer["fines"]] == [True]
    assert (answer["unpaidCount"], answer["unpaidTotal"], answer["code"]) == (0, 0, None)


@pytest.mark.parametrize(
    "key", sorted(k for k, iin in PERSONS.items() if iin not in (BUYER, WITH_FINES))
)
async def test_v14_everyone_else_has_no_fines(
    bus: BusPlan, client: httpx.AsyncClient, key: str
) -> None:
    answer = await _data(client, bus, FINES, {"iin": PERSONS[key]})
    assert answer == {
        "iin": PERSONS[key],
        "fines": [],
        "unpaidCount": 0,
        "unpaidTotal": 0,
        "code": None,
        "messages": None,
    }


@pytest.mark.parametrize(
    ("today", "overdue"),
    [
        (datetime(2026, 3, 30, 18, 59, tzinfo=UTC), False),
        (datetime(2026, 3, 30, 19, 0, tzinfo=UTC), True),
    ],
)
async def test_overdue_by_the_bus_clock_in_almaty(
    bus: BusPlan, client: httpx.AsyncClient, today: datetime, overdue: bool
) -> None:
    """Due 2026-03-30: overdue from midnight of the 31st in Almaty (19:00 UTC)."""
    bus_clock.freeze(today)
    answer = await _data(client, bus, FINES, {"iin": WITH_FINES})
    fine = next(f for f in answer["fines"] if f["caseNumber"] == DUE_SOON)
    assert fine["overdue"] is overdue


async def test_v14_pay_the_fines_and_submit_again(bus: BusPlan, client: httpx.AsyncClient) -> None:
    bus_clock.freeze(datetime(2026, 11, 22, 10, 0, tzinfo=UTC))
    try:
        for case_number in UNPAID_OF_WITH_FINES:
            paid = await _data(
                client, bus, PAY, {"caseNumber": case_number, "payerIin": WITH_FINES}
            )
            assert (paid["found"], paid["alreadyPaid"]) == (True, False)
            assert paid["fine"]["paid"] is True
            assert paid["fine"]["paidAt"] == "2026-11-22T10:00:00Z"
        again = await _data(client, bus, FINES, {"iin": WITH_FINES})
        assert (again["unpaidCount"], again["unpaidTotal"], again["code"]) == (0, 0, None)
        assert all(f["paid"] for f in again["fines"])
    finally:
        for case_number in UNPAID_OF_WITH_FINES:
            await _restore_seeded(client, bus, case_number)
    restored = await _data(client, bus, FINES, {"iin": WITH_FINES})
    assert restored["unpaidCount"] == 2


async def test_paying_a_paid_fine_again_changes_nothing(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    await client.put(_admin(bus, "/fines/2611000000001"), json=_fine_in(BUYER_2), headers=ADMIN)
    first = await _data(client, bus, PAY, {"caseNumber": "2611000000001", "payerIin": BUYER})
    bus_clock.freeze(datetime(2027, 1, 1, tzinfo=UTC))
    second = await _data(client, bus, PAY, {"caseNumber": "2611000000001", "payerIin": BUYER_2})
    assert (first["alreadyPaid"], second["alreadyPaid"]) == (False, True)
    assert second["fine"]["paidAt"] == first["fine"]["paidAt"]
    stored = (await client.get(_admin(bus, "/fines/2611000000001"), headers=ADMIN)).json()
    assert stored["paidAt"] == first["fine"]["paidAt"]


async def test_two_concurrent_payments_of_one_fine_pay_it_once(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    await client.put(_admin(bus, "/fines/2611000000002"), json=_fine_in(BUYER_2), headers=ADMIN)
    answers = await asyncio.gather(
        *(
            _data(client, bus, PAY, {"caseNumber": "2611000000002", "payerIin": BUYER_2})
            for _ in range(6)
        )
    )
    assert sorted(a["alreadyPaid"] for a in answers) == [False] + [True] * 5
    assert len({a["fine"]["paidAt"] for a in answers}) == 1


async def test_paying_an_unknown_fine_is_an_answer(bus: BusPlan, client: httpx.AsyncClient) -> None:
    answer = await _data(client, bus, PAY, {"caseNumber": "2699999999999", "payerIin": BUYER})
    assert (answer["found"], answer["fine"], answer["code"]) == (False, None, "FINE_NOT_FOUND")
    assert "2699999999999" in answer["messages"]["kk"]


async def test_scenario_unpaid_fines(bus: BusPlan, client: httpx.AsyncClient) -> None:
    scenario = {"X-Test-Scenario": "erap_fines.unpaid_fines"}
    answer = await _data(client, bus, FINES, {"iin": BUYER}, **scenario)
    assert (answer["unpaidCount"], answer["unpaidTotal"], answer["code"]) == (
        1,
        21625,
        "UNPAID_FINES",
    )
    assert [(f["iin"], f["paid"]) for f in answer["fines"]] == [(BUYER, False)]
    # …for that call only.
    assert (await _data(client, bus, FINES, {"iin": BUYER}))["unpaidCount"] == 0


async def test_scenario_none(bus: BusPlan, client: httpx.AsyncClient) -> None:
    answer = await _data(
        client, bus, FINES, {"iin": WITH_FINES}, **{"X-Test-Scenario": "erap_fines.none"}
    )
    assert (answer["fines"], answer["unpaidCount"], answer["code"]) == ([], 0, None)


async def test_another_registrys_scenario_is_ignored(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    answer = await _data(
        client, bus, FINES, {"iin": WITH_FINES}, **{"X-Test-Scenario": "eps_passports.annulled"}
    )
    assert answer["unpaidCount"] == 2


async def test_unknown_scenario_of_erap_is_refused(bus: BusPlan, client: httpx.AsyncClient) -> None:
    reply = await send(
        client,
        bus,
        envelope(FINES, {"iin": BUYER}),
        headers={"X-Test-Scenario": "erap_fines.paid"},
    )
    assert reply.status_code == 422
    assert reply.json()["errorInfo"]["subError"]["errorCode"] == "UNKNOWN_SCENARIO"
    assert "erap_fines.unpaid_fines" in reply.json()["messages"]["en"]


@pytest.mark.parametrize(
    ("service", "data", "code", "field"),
    [
        (FINES, {"iin": "79112331074"}, "IIN_LENGTH", "iin"),
        (FINES, {"iin": "791123310746"}, "IIN_CHECK_DIGIT", "iin"),
        (FINES, {"iin": "79112331074X"}, "IIN_NOT_DIGITS", "iin"),
        (FINES, {}, "FIELD_REQUIRED", "iin"),
        (FINES, {"iin": WITH_FINES, "vin": "x"}, "UNKNOWN_FIELD", "vin"),
        (PAY, {"caseNumber": "2602000004812"}, "FIELD_REQUIRED", "payerIin"),
        (
            PAY,
            {"caseNumber": "2602000004812", "payerIin": "791123310746"},
            "IIN_CHECK_DIGIT",
            "payerIin",
        ),
        (PAY, {"caseNumber": "", "payerIin": WITH_FINES}, "TOO_SHORT", "caseNumber"),
        (PAY, {"caseNumber": "26 02", "payerIin": WITH_FINES}, "INVALID_VALUE", "caseNumber"),
    ],
)
async def test_bad_input_is_a_4xx_naming_the_field(
    bus: BusPlan, client: httpx.AsyncClient, service: str, data: Any, code: str, field: str
) -> None:
    reply = await send(client, bus, envelope(service, data))
    assert reply.status_code == 422
    problem = reply.json()
    assert problem["code"] == "PROVIDER_ERROR"
    assert problem["errorInfo"]["subError"]["errorCode"] == code
    assert problem["field"] == f"requestData.data.{field}"


@pytest.mark.parametrize(
    ("sender", "password", "service", "status"),
    [
        ("registration_service", "registration-secret", FINES, 200),
        ("registration_service", "registration-secret", PAY, 403),
        ("frontoffice_service", "frontoffice-secret", FINES, 403),
        ("dealer-crm", "dealer-secret", FINES, 403),
    ],
)
async def test_access_of_the_state_services(
    bus: BusPlan, client: httpx.AsyncClient, sender: str, password: str, service: str, status: int
) -> None:
    data = (
        {"iin": BUYER} if service == FINES else {"caseNumber": "2699999999999", "payerIin": BUYER}
    )
    request = envelope(service, data, sender={"senderId": sender, "password": password})
    reply = await send(client, bus, request)
    assert reply.status_code == status, reply.text
    if status == 403:
        assert reply.json()["code"] == "ACCESS_DENIED"


# --- admin API ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/fines"),
        ("GET", "/fines/2602000004812"),
        ("PUT", "/fines/2602000004812"),
        ("DELETE", "/fines/2602000004812"),
        ("POST", "/fines/2602000004812/pay"),
    ],
)
async def test_admin_needs_the_credential(
    bus: BusPlan, client: httpx.AsyncClient, method: str, path: str
) -> None:
    body = _fine_in(WITH_FINES) if method == "PUT" else None
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        reply = await client.request(method, _admin(bus, path), json=body, headers=headers)
        assert reply.status_code == 401
        assert reply.json()["code"] == "ADMIN_CREDENTIAL_REQUIRED"
    unpaid = await _data(client, bus, FINES, {"iin": WITH_FINES})
    assert unpaid["unpaidCount"] == 2  # nothing was changed


async def test_admin_lists_and_gets_fines(bus: BusPlan, client: httpx.AsyncClient) -> None:
    listed = await client.get(
        _admin(bus, "/fines"), params={"iin": WITH_FINES, "paid": "false"}, headers=ADMIN
    )
    assert sorted(f["caseNumber"] for f in listed.json()) == UNPAID_OF_WITH_FINES
    every = (await client.get(_admin(bus, "/fines"), headers=ADMIN)).json()
    assert set(SEEDED) <= {f["caseNumber"] for f in every}
    one = await client.get(_admin(bus, f"/fines/{DUE_SOON}"), headers=ADMIN)
    assert (one.status_code, one.json()["iin"]) == (200, WITH_FINES)
    missing = await client.get(_admin(bus, "/fines/2699999999998"), headers=ADMIN)
    assert (missing.status_code, missing.json()["code"]) == (404, "FINE_NOT_FOUND")
    bad = await client.get(_admin(bus, "/fines"), params={"iin": "791123310746"}, headers=ADMIN)
    assert (bad.status_code, bad.json()["code"], bad.json()["field"]) == (
        422,
        "IIN_CHECK_DIGIT",
        "iin",
    )


async def test_admin_puts_pays_and_deletes_a_fine(bus: BusPlan, client: httpx.AsyncClient) -> None:
    path = _admin(bus, "/fines/2611000000003")
    put = await client.put(path, json=_fine_in(BUYER_2), headers=ADMIN)
    assert (put.status_code, put.json()["paid"]) == (200, False)
    asked = await _data(client, bus, FINES, {"iin": BUYER_2})
    assert "2611000000003" in {f["caseNumber"] for f in asked["fines"] if not f["paid"]}

    bus_clock.freeze(datetime(2026, 11, 25, 6, 0, tzinfo=UTC))
    paid = await client.post(f"{path}/pay", json={"payerIin": BUYER}, headers=ADMIN)
    assert (paid.status_code, paid.json()["paid"], paid.json()["paidAt"]) == (
        200,
        True,
        "2026-11-25T06:00:00Z",
    )
    again = await client.post(f"{path}/pay", headers=ADMIN)  # no body: the offender pays
    assert again.json()["paidAt"] == "2026-11-25T06:00:00Z"
    asked = await _data(client, bus, FINES, {"iin": BUYER_2})
    assert "2611000000003" not in {f["caseNumber"] for f in asked["fines"] if not f["paid"]}

    assert (await client.delete(path, headers=ADMIN)).status_code == 204
    assert (await client.get(path, headers=ADMIN)).status_code == 404
    assert (await client.delete(path, headers=ADMIN)).status_code == 404
    assert (await client.post(f"{path}/pay", headers=ADMIN)).status_code == 404


async def test_admin_put_of_a_paid_fine(bus: BusPlan, client: httpx.AsyncClient) -> None:
    bus_clock.freeze(datetime(2026, 11, 25, 6, 0, tzinfo=UTC))
    body = {**_fine_in(BUYER_2), "paid": True}
    put = await client.put(_admin(bus, "/fines/2611000000004"), json=body, headers=ADMIN)
    assert (put.json()["paid"], put.json()["paidAt"]) == (True, "2026-11-25T06:00:00Z")
    await client.delete(_admin(bus, "/fines/2611000000004"), headers=ADMIN)


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"dueDate": "2026-09-01"}, "INVALID_VALUE", "dueDate"),
        ({"paidAt": "2026-10-02T10:00:00+05:00"}, "INVALID_VALUE", "paidAt"),
        ({"amount": 0}, "INVALID_VALUE", "amount"),
        ({"amount": 1.5}, "INVALID_VALUE", "amount"),
        ({"iin": "791123310746"}, "IIN_CHECK_DIGIT", "iin"),
        ({"decisionDate": "yesterday"}, "WRONG_TYPE", "decisionDate"),
    ],
)
async def test_admin_put_refuses_bad_fines(
    bus: BusPlan, client: httpx.AsyncClient, change: dict[str, Any], code: str, field: str
) -> None:
    body = {**_fine_in(BUYER_2), **change}
    reply = await client.put(_admin(bus, "/fines/2611000000005"), json=body, headers=ADMIN)
    assert reply.status_code == 422, reply.text
    assert (reply.json()["code"], reply.json()["field"]) == (code, field)
