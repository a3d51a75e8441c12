"""ЕНИС through the real gateway: the representative's power of attorney (M6.1) and every
seeded branch — valid, revoked, expired, granting other powers only, not found — the status by
the bus clock, tester scenarios, malformed identifiers, access rights and the admin API,
revocation included. Runs on SQLite and on the real PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from egov import personas
from egov.launcher import BusPlan
from gbd_fl.seed import load_records as gbd_fl_records
from notary.seed import load_records
from servicekit.clock import ALMATY, bus_clock
from tests.harness import ADMIN, envelope, send

POWER = "NOTARY_PowerOfAttorney"
PERSONS = {p["key"]: p["iin"] for p in personas.load()["persons"]}
REPRESENTATIVE = PERSONS["representative"]
APPLICANT = PERSONS["represented_applicant"]
BUYER = PERSONS["buyer"]
VALID = "POA-2025-000118"
REPLACED = "POA-2025-000057"
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ALMATY)
NOW_UTC = "2026-11-25T05:00:00Z"
NAMES = {r["iin"]: f"{r['lastName']} {r['firstName']} {r['middleName']}" for r in gbd_fl_records()}
"""ГБД ФЛ's full names by ИИН: ЕНИС writes the persons as ГБД ФЛ knows them."""

# principal's persona → (number, status, valid, code) of what ЕНИС answers for the
# representative persona
EXPECTED = {
    "represented_applicant": (VALID, "ACTIVE", True, None),
    "farmer": ("POA-2022-000391", "EXPIRED", False, "POWER_OF_ATTORNEY_EXPIRED"),
    "farmer_biometrics_fail": ("POA-2025-000094", "REVOKED", False, "POWER_OF_ATTORNEY_REVOKED"),
    "buyer_kostanay": (
        "POA-2025-000102",
        "ACTIVE",
        False,
        "POWER_OF_ATTORNEY_NO_MACHINERY_POWERS",
    ),
}


@pytest.fixture(autouse=True)
def _bus_time() -> None:
    """A fixed day inside every seeded validity these tests read, so the answers do not age;
    the suite's conftest puts the clock back after each test."""
    bus_clock.freeze(NOW)


def _query(
    principal: str = APPLICANT, representative: str = REPRESENTATIVE, **extra: str
) -> dict[str, Any]:
    return {"principalIin": principal, "representativeIin": representative, **extra}


async def _data(
    client: httpx.AsyncClient, bus: BusPlan, data: dict[str, Any], **headers: str
) -> dict[str, Any]:
    reply = await send(client, bus, envelope(POWER, data), headers=headers)
    assert reply.status_code == 200, reply.text
    answer: dict[str, Any] = reply.json()["responseData"]["data"]
    return answer


def _admin(bus: BusPlan, path: str = "") -> str:
    return f"{bus.url('notary')}/admin/powers-of-attorney{path}"


def _power(principal: str = BUYER, /, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "notary": {"name": "Абенова Гульмира Токтаровна", "licence": "0001289"},
        "principal": {"iin": principal, "name": NAMES[principal]},
        "representative": {"iin": REPRESENTATIVE, "name": NAMES[REPRESENTATIVE]},
        "issuedOn": "2026-11-02",
        "validUntil": "2027-11-01",
        "powers": ["MACHINERY_REGISTRATION"],
    }
    return body | changes


def test_seed_names_the_catalogue_persons_as_gbd_fl_does() -> None:
    catalogue = set(PERSONS.values())
    for record in load_records():
        for role in ("principal", "representative"):
            person = record[role]
            assert person["iin"] in catalogue, (record["number"], role)
            assert person["name"] == NAMES[person["iin"]], (record["number"], role)


@pytest.mark.parametrize("principal", sorted(EXPECTED))
async def test_m6_1_every_seeded_principal_answers_its_branch(
    bus: BusPlan, client: httpx.AsyncClient, principal: str
) -> None:
    number, status, valid, code = EXPECTED[principal]
    answer = await _data(client, bus, _query(PERSONS[principal]))
    assert (answer["found"], answer["valid"], answer["code"]) == (True, valid, code)
    power = answer["powerOfAttorney"]
    assert (power["number"], power["status"]) == (number, status)
    assert (power["principal"]["iin"], power["representative"]["iin"]) == (
        PERSONS[principal],
        REPRESENTATIVE,
    )
    if code is None:
        assert answer["messages"] is None
    else:
        assert set(answer["messages"]) == {"ru", "kk", "en"}
        assert number in answer["messages"]["ru"]


async def test_m6_1_a_valid_power_of_attorney_carries_every_field(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    answer = await _data(client, bus, _query())
    # The revoked one it replaced is on record too; the one that serves is answered.
    assert answer == {
        "found": True,
        "valid": True,
        "powerOfAttorney": {
            "notary": {"name": "Власенко Ирина Петровна", "licence": "0000734"},
            "principal": {"iin": APPLICANT, "name": "Рахимжанов Ильяс Маликович"},
            "representative": {"iin": REPRESENTATIVE, "name": "Нургалиева Жанар Сериковна"},
            "issuedOn": "2025-08-18",
            "validUntil": "2028-08-17",
            "powers": ["MACHINERY_REGISTRATION", "VEHICLE_REGISTRATION"],
            "revokedAt": None,
            "revocationReason": None,
            "number": VALID,
            "status": "ACTIVE",
            "statusLabel": "действует",
        },
        "code": None,
        "messages": None,
    }
    assert await _data(client, bus, _query(number=VALID)) == answer


async def test_m6_1_the_revoked_predecessor_by_its_number(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    answer = await _data(client, bus, _query(number=REPLACED))
    assert (answer["found"], answer["valid"], answer["code"]) == (
        True,
        False,
        "POWER_OF_ATTORNEY_REVOKED",
    )
    power = answer["powerOfAttorney"]
    assert (power["status"], power["statusLabel"], power["revokedAt"]) == (
        "REVOKED",
        "отменена доверителем",
        "2025-08-18T05:05:00Z",
    )
    assert power["revocationReason"].startswith("отменена доверителем")
    assert "18.08.2025" in answer["messages"]["ru"]


@pytest.mark.parametrize(
    "query",
    [
        _query(BUYER),
        _query(REPRESENTATIVE, APPLICANT),
        _query(number="POA-2022-000391"),
        _query(number="POA-2099-000001"),
    ],
    ids=["no power of attorney", "roles swapped", "another pair's number", "unknown number"],
)
async def test_g3_not_found_is_an_answer(
    bus: BusPlan, client: httpx.AsyncClient, query: dict[str, Any]
) -> None:
    answer = await _data(client, bus, query)
    assert (answer["found"], answer["valid"], answer["powerOfAttorney"], answer["code"]) == (
        False,
        False,
        None,
        "POWER_OF_ATTORNEY_NOT_FOUND",
    )
    assert "не могут быть получены" in answer["messages"]["ru"]
    assert set(answer["messages"]) == {"ru", "kk", "en"}


async def test_m6_1_expires_by_the_bus_clock_after_its_last_day(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    bus_clock.freeze(datetime(2028, 8, 17, 23, 59, tzinfo=ALMATY))
    last_day = await _data(client, bus, _query())
    assert (last_day["valid"], last_day["powerOfAttorney"]["status"]) == (True, "ACTIVE")

    bus_clock.advance(timedelta(minutes=1))
    expired = await _data(client, bus, _query())
    assert (expired["found"], expired["valid"], expired["code"]) == (
        True,
        False,
        "POWER_OF_ATTORNEY_EXPIRED",
    )
    power = expired["powerOfAttorney"]
    assert (power["number"], power["status"], power["statusLabel"]) == (
        VALID,
        "EXPIRED",
        "срок действия истёк",
    )
    assert "17.08.2028" in expired["messages"]["ru"]


async def test_m6_1_not_in_force_before_the_day_it_is_issued(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    bus_clock.freeze(datetime(2025, 8, 17, 12, 0, tzinfo=ALMATY))
    answer = await _data(client, bus, _query())
    assert (answer["found"], answer["valid"], answer["code"]) == (
        True,
        False,
        "POWER_OF_ATTORNEY_NOT_YET_VALID",
    )
    assert (answer["powerOfAttorney"]["number"], answer["powerOfAttorney"]["status"]) == (
        VALID,
        "ACTIVE",
    )
    assert "18.08.2025" in answer["messages"]["ru"]


async def test_m6_1_the_power_that_serves_wins_over_a_newer_one(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    newer = _power(APPLICANT, powers=["VEHICLE_SALE"])
    reply = await client.put(_admin(bus, "/POA-TEST-000010"), json=newer, headers=ADMIN)
    assert reply.status_code == 200, reply.text
    try:
        answer = await _data(client, bus, _query())
        assert (answer["valid"], answer["powerOfAttorney"]["number"]) == (True, VALID)
        by_number = await _data(client, bus, _query(number="POA-TEST-000010"))
        assert (by_number["valid"], by_number["code"]) == (
            False,
            "POWER_OF_ATTORNEY_NO_MACHINERY_POWERS",
        )
    finally:
        await client.delete(_admin(bus, "/POA-TEST-000010"), headers=ADMIN)


async def test_m6_1_a_revocation_through_the_admin_api(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    number = "POA-TEST-000020"
    assert (await _data(client, bus, _query(BUYER)))["found"] is False
    put = await client.put(_admin(bus, f"/{number}"), json=_power(), headers=ADMIN)
    assert put.status_code == 200, put.text
    assert (await _data(client, bus, _query(BUYER)))["valid"] is True

    revoked = await client.post(
        _admin(bus, f"/{number}/revoke"),
        json={"reason": "отменена доверителем у нотариуса"},
        headers=ADMIN,
    )
    assert revoked.status_code == 200, revoked.text
    assert (
        revoked.json()["status"],
        revoked.json()["revokedAt"],
        revoked.json()["revocationReason"],
    ) == ("REVOKED", NOW_UTC, "отменена доверителем у нотариуса")
    answer = await _data(client, bus, _query(BUYER))
    assert (answer["valid"], answer["code"], answer["powerOfAttorney"]["status"]) == (
        False,
        "POWER_OF_ATTORNEY_REVOKED",
        "REVOKED",
    )
    assert "25.11.2026" in answer["messages"]["ru"]

    again = await client.post(_admin(bus, f"/{number}/revoke"), headers=ADMIN)
    assert (again.status_code, again.json()["code"], again.json()["field"]) == (
        409,
        "POWER_OF_ATTORNEY_ALREADY_REVOKED",
        "number",
    )
    stored = (await client.get(_admin(bus, f"/{number}"), headers=ADMIN)).json()
    assert stored["revocationReason"] == "отменена доверителем у нотариуса"

    assert (await client.delete(_admin(bus, f"/{number}"), headers=ADMIN)).status_code == 204
    missing = await client.post(_admin(bus, f"/{number}/revoke"), headers=ADMIN)
    assert (missing.status_code, missing.json()["code"]) == (404, "NOT_FOUND")


async def test_scenario_not_found(bus: BusPlan, client: httpx.AsyncClient) -> None:
    scenario = {"X-Test-Scenario": "notary.not_found"}
    forced = await _data(client, bus, _query(), **scenario)
    assert (forced["found"], forced["valid"], forced["code"]) == (
        False,
        False,
        "POWER_OF_ATTORNEY_NOT_FOUND",
    )
    assert (await _data(client, bus, _query(number=VALID), **scenario))["found"] is False
    assert (await _data(client, bus, _query()))["valid"] is True


async def test_scenario_revoked(bus: BusPlan, client: httpx.AsyncClient) -> None:
    forced = await _data(client, bus, _query(), **{"X-Test-Scenario": "notary.revoked"})
    assert (forced["found"], forced["valid"], forced["code"]) == (
        True,
        False,
        "POWER_OF_ATTORNEY_REVOKED",
    )
    power = forced["powerOfAttorney"]
    assert (power["number"], power["status"], power["revokedAt"]) == (VALID, "REVOKED", NOW_UTC)
    assert "notary.revoked" in power["revocationReason"]
    assert (await _data(client, bus, _query()))["powerOfAttorney"]["status"] == "ACTIVE"


async def test_scenario_expired(bus: BusPlan, client: httpx.AsyncClient) -> None:
    scenario = {"X-Test-Scenario": "notary.expired"}
    forced = await _data(client, bus, _query(), **scenario)
    assert (forced["valid"], forced["code"]) == (False, "POWER_OF_ATTORNEY_EXPIRED")
    power = forced["powerOfAttorney"]
    assert (power["status"], power["issuedOn"], power["validUntil"]) == (
        "EXPIRED",
        "2025-08-18",
        "2026-11-24",
    )
    # A revoked one stays revoked.
    revoked = await _data(client, bus, _query(PERSONS["farmer_biometrics_fail"]), **scenario)
    assert revoked["powerOfAttorney"]["status"] == "REVOKED"
    assert (await _data(client, bus, _query()))["valid"] is True


async def test_scenario_other_powers(bus: BusPlan, client: httpx.AsyncClient) -> None:
    scenario = {"X-Test-Scenario": "notary.other_powers"}
    forced = await _data(client, bus, _query(), **scenario)
    assert (forced["valid"], forced["code"]) == (False, "POWER_OF_ATTORNEY_NO_MACHINERY_POWERS")
    assert forced["powerOfAttorney"]["powers"] == ["VEHICLE_REGISTRATION"]
    # The only power was machinery: another takes its place, so the list is never empty.
    only = await _data(client, bus, _query(PERSONS["farmer"]), **scenario)
    assert only["powerOfAttorney"]["powers"] == ["VEHICLE_REGISTRATION"]
    assert (await _data(client, bus, _query()))["powerOfAttorney"]["powers"] == [
        "MACHINERY_REGISTRATION",
        "VEHICLE_REGISTRATION",
    ]


async def test_another_registrys_scenario_changes_nothing(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    answer = await _data(client, bus, _query(), **{"X-Test-Scenario": "eps_passports.not_found"})
    assert (answer["valid"], answer["powerOfAttorney"]["number"]) == (True, VALID)


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"principalIin": "580714318518"}, "IIN_CHECK_DIGIT", "principalIin"),
        ({"representativeIin": "011231612220"}, "IIN_CHECK_DIGIT", "representativeIin"),
        ({"representativeIin": "01123161222"}, "IIN_LENGTH", "representativeIin"),
        ({"principalIin": "58071431851X"}, "IIN_NOT_DIGITS", "principalIin"),
        ({"principalIin": None}, "WRONG_TYPE", "principalIin"),
        ({"number": "poa-2025-000118"}, "POWER_OF_ATTORNEY_NUMBER_FORMAT", "number"),
        ({"validUntil": "2028-08-17"}, "UNKNOWN_FIELD", "validUntil"),
    ],
)
async def test_malformed_data_is_a_4xx_naming_the_field(
    bus: BusPlan, client: httpx.AsyncClient, changes: dict[str, Any], code: str, field: str
) -> None:
    reply = await send(client, bus, envelope(POWER, _query() | changes))
    assert reply.status_code == 422
    problem = reply.json()
    assert problem["code"] == "PROVIDER_ERROR"
    assert problem["errorInfo"]["subError"]["errorCode"] == code
    assert problem["field"] == f"requestData.data.{field}"


async def test_missing_field_is_named(bus: BusPlan, client: httpx.AsyncClient) -> None:
    reply = await send(client, bus, envelope(POWER, {"principalIin": APPLICANT}))
    assert reply.status_code == 422
    problem = reply.json()
    assert (problem["errorInfo"]["subError"]["errorCode"], problem["field"]) == (
        "FIELD_REQUIRED",
        "requestData.data.representativeIin",
    )


@pytest.mark.parametrize(
    ("sender", "password", "status"),
    [
        ("frontoffice_service", "frontoffice-secret", 200),
        ("registration_service", "registration-secret", 403),
        ("dealer-crm", "dealer-secret", 403),
    ],
)
async def test_m6_1_the_front_office_has_access(
    bus: BusPlan, client: httpx.AsyncClient, sender: str, password: str, status: int
) -> None:
    request = envelope(POWER, _query(), sender={"senderId": sender, "password": password})
    reply = await send(client, bus, request)
    assert reply.status_code == status
    if status == 403:
        assert reply.json()["code"] == "ACCESS_DENIED"


async def test_admin_lists_and_reads(bus: BusPlan, client: httpx.AsyncClient) -> None:
    of_representative = await client.get(
        _admin(bus), params={"representativeIin": REPRESENTATIVE}, headers=ADMIN
    )
    assert [(p["number"], p["status"]) for p in of_representative.json()] == [
        ("POA-2022-000391", "EXPIRED"),
        (REPLACED, "REVOKED"),
        ("POA-2025-000094", "REVOKED"),
        ("POA-2025-000102", "ACTIVE"),
        (VALID, "ACTIVE"),
    ]
    of_applicant = await client.get(_admin(bus), params={"principalIin": APPLICANT}, headers=ADMIN)
    assert [p["number"] for p in of_applicant.json()] == [REPLACED, VALID]
    one = await client.get(_admin(bus, f"/{VALID}"), headers=ADMIN)
    assert (one.json()["number"], one.json()["status"]) == (VALID, "ACTIVE")
    missing = await client.get(_admin(bus, "/POA-2099-000001"), headers=ADMIN)
    assert (missing.status_code, missing.json()["code"], missing.json()["field"]) == (
        404,
        "NOT_FOUND",
        "number",
    )
    bad_filter = await client.get(_admin(bus), params={"principalIin": "1"}, headers=ADMIN)
    assert (bad_filter.status_code, bad_filter.json()["field"]) == (422, "principalIin")


async def test_admin_adds_replaces_and_removes(bus: BusPlan, client: httpx.AsyncClient) -> None:
    number = "POA-TEST-000030"
    body = _power(revokedAt="2026-11-20T12:00:00+05:00", revocationReason="отменена")
    created = await client.put(_admin(bus, f"/{number}"), json=body, headers=ADMIN)
    assert created.status_code == 200, created.text
    assert created.json() == body | {
        "revokedAt": "2026-11-20T07:00:00Z",
        "number": number,
        "status": "REVOKED",
        "statusLabel": "отменена доверителем",
    }
    assert (await client.get(_admin(bus, f"/{number}"), headers=ADMIN)).json() == created.json()

    replaced = await client.put(
        _admin(bus, f"/{number}"),
        json=_power(powers=["VEHICLE_REGISTRATION", "MACHINERY_REGISTRATION"]),
        headers=ADMIN,
    )
    assert (replaced.json()["status"], replaced.json()["revokedAt"]) == ("ACTIVE", None)
    answer = await _data(client, bus, _query(BUYER, number=number))
    assert answer["valid"] is True
    assert answer["powerOfAttorney"]["powers"] == ["VEHICLE_REGISTRATION", "MACHINERY_REGISTRATION"]

    assert (await client.delete(_admin(bus, f"/{number}"), headers=ADMIN)).status_code == 204
    assert (await _data(client, bus, _query(BUYER)))["found"] is False
    gone = await client.delete(_admin(bus, f"/{number}"), headers=ADMIN)
    assert (gone.status_code, gone.json()["field"]) == (404, "number")


@pytest.mark.parametrize(
    ("number", "changes", "code", "field"),
    [
        ("poa-1", {}, "POWER_OF_ATTORNEY_NUMBER_FORMAT", "number"),
        ("ДОВ-2026-1", {}, "POWER_OF_ATTORNEY_NUMBER_FORMAT", "number"),
        (
            "POA-TEST-000040",
            {"validUntil": "2026-11-01"},
            "POWER_OF_ATTORNEY_VALIDITY",
            "validUntil",
        ),
        (
            "POA-TEST-000040",
            {"representative": {"iin": BUYER, "name": "Серикбаев Нурлан Маратович"}},
            "POWER_OF_ATTORNEY_SELF",
            "representative.iin",
        ),
        ("POA-TEST-000040", {"revocationReason": "x"}, "INVALID_VALUE", "revocationReason"),
        (
            "POA-TEST-000040",
            {"revokedAt": "2026-11-01T23:00:00+05:00"},
            "INVALID_VALUE",
            "revokedAt",
        ),
        ("POA-TEST-000040", {"revokedAt": "2026-11-20T12:00:00"}, "INVALID_VALUE", "revokedAt"),
        ("POA-TEST-000040", {"powers": []}, "TOO_SHORT", "powers"),
        (
            "POA-TEST-000040",
            {"powers": ["MACHINERY_REGISTRATION", "MACHINERY_REGISTRATION"]},
            "INVALID_VALUE",
            "powers",
        ),
        ("POA-TEST-000040", {"powers": ["FLYING"]}, "INVALID_VALUE", "powers[0]"),
        (
            "POA-TEST-000040",
            {"principal": {"iin": "900515310006", "name": "x"}},
            "IIN_CHECK_DIGIT",
            "principal.iin",
        ),
    ],
)
async def test_admin_refuses_an_inconsistent_power_of_attorney(
    bus: BusPlan,
    client: httpx.AsyncClient,
    number: str,
    changes: dict[str, Any],
    code: str,
    field: str,
) -> None:
    reply = await client.put(_admin(bus, f"/{number}"), json=_power(**changes), headers=ADMIN)
    assert reply.status_code == 422, reply.text
    assert (reply.json()["code"], reply.json()["field"]) == (code, field)
    assert set(reply.json()["messages"]) == {"ru", "kk", "en"}
    assert (await client.get(_admin(bus, f"/{number}"), headers=ADMIN)).status_code in (404, 422)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", ""),
        ("GET", f"/{VALID}"),
        ("PUT", f"/{VALID}"),
        ("DELETE", f"/{VALID}"),
        ("POST", f"/{VALID}/revoke"),
    ],
)
async def test_admin_needs_the_credential(
    bus: BusPlan, client: httpx.AsyncClient, method: str, path: str
) -> None:
    body = _power(APPLICANT, powers=["COURT"]) if method == "PUT" else None
    reply = await client.request(method, _admin(bus, path), json=body)
    assert (reply.status_code, reply.json()["code"]) == (401, "ADMIN_CREDENTIAL_REQUIRED")
    # Nothing changed: the representative still acts for the applicant.
    assert (await _data(client, bus, _query()))["valid"] is True
