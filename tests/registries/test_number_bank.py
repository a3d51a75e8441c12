"""БМГ through the real gateway: seeded plates, free numbers, the V16 reservation, issue (V19,
M12), release, the archive (M10.3), idempotency, refusals, expiry by the bus clock, the admin
API, and the atomicity of reserving and issuing under concurrent requests.

Runs on the embedded default (SQLite) and on the real PostgreSQL. The bus is shared by the
module, so every test works on plates and persons of its own.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from egov.launcher import BusPlan
from number_bank.plates import parse_plate
from number_bank.seed import BUYER_RESERVED_PLATE, RESERVED_PLATE
from servicekit.clock import bus_clock
from servicekit.http_clients import async_client
from servicekit.identifiers import Sex, make_iin
from tests.harness import ADMIN, envelope, send

RESERVED_NUMBER = "BMG_ReservedNumber"
FREE_NUMBERS = "BMG_FreeNumbers"
RESERVE = "BMG_Reserve"
ISSUE = "BMG_Issue"
RELEASE = "BMG_Release"
ANNUL = "BMG_Annul"
PLATE_STATUS = "BMG_PlateStatus"

REGISTRATION = {"senderId": "registration_service", "password": "registration-secret"}
FRONTOFFICE = {"senderId": "frontoffice_service", "password": "frontoffice-secret"}

_serials = itertools.count(1)


def person() -> str:
    """A valid ИИН no other test uses."""
    n = next(_serials)
    return make_iin(date(1990, 1, 1) + timedelta(days=n), Sex.FEMALE, n)


def vin(n: int) -> str:
    return f"XW8ZZZ61ZTG{200000 + n:06d}"


def key() -> str:
    return str(uuid.uuid4())


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with async_client(timeout=60) as http:
        yield http


async def call(
    client: httpx.AsyncClient,
    bus: BusPlan,
    service: str,
    data: Any,
    *,
    sender: dict[str, str] | None = None,
    scenario: str | None = None,
) -> httpx.Response:
    info = {"sender": sender} if sender else {}
    headers = {"X-Test-Scenario": scenario} if scenario else {}
    return await send(client, bus, envelope(service, data, **info), headers=headers)


async def answer(
    client: httpx.AsyncClient, bus: BusPlan, service: str, data: Any, **kwargs: Any
) -> dict[str, Any]:
    reply = await call(client, bus, service, data, **kwargs)
    assert reply.status_code == 200, reply.text
    result: dict[str, Any] = reply.json()["responseData"]["data"]
    return result


async def refusal(
    client: httpx.AsyncClient, bus: BusPlan, service: str, data: Any, status: int = 409
) -> tuple[str, str | None]:
    """The registry's code and field of a refused call, as relayed by the gateway."""
    reply = await call(client, bus, service, data)
    assert reply.status_code == status, reply.text
    problem = reply.json()
    assert problem["code"] == "PROVIDER_ERROR"
    assert set(problem["messages"]) == {"ru", "kk", "en"}
    sub = problem["errorInfo"]["subError"]
    return sub["errorCode"], problem.get("field")


async def status_of(client: httpx.AsyncClient, bus: BusPlan, plate: str) -> dict[str, Any]:
    return await answer(client, bus, PLATE_STATUS, {"plate": plate})


async def all_free(
    client: httpx.AsyncClient, bus: BusPlan, region: str, kind: str, **extra: Any
) -> list[str]:
    plates: list[str] = []
    after = None
    while True:
        data = {"regionCode": region, "kind": kind, "limit": 100, "after": after, **extra}
        page = await answer(client, bus, FREE_NUMBERS, data)
        plates += page["plates"]
        after = page["nextAfter"]
        if after is None:
            return plates


# --- seeded branches -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("plate", "expected"),
    [
        (RESERVED_PLATE, {"status": "RESERVED", "iin": BUYER_RESERVED_PLATE}),
        ("426 KZA 10", {"status": "FREE", "iin": None, "reservedUntil": None}),
        ("501 ENS 02", {"status": "ISSUED", "kind": "VEHICLE_INDIVIDUAL"}),
        ("501 LX 02", {"status": "ISSUED", "kind": "VEHICLE_LEGAL", "bin": "181140073105"}),
        ("999 KZ 10", {"status": "ISSUED", "increasedDemand": True}),
        ("601 HRN 10", {"status": "STORED", "regionCode": "10"}),
        ("AGR P 101", {"status": "ISSUED", "kind": "MACHINERY", "machineId": "MTZ-82.1-0801234"}),
        (
            "AGR P 102",
            {"status": "ISSUED", "iin": "821203414816", "machineId": "Y4R122124SB010455"},
        ),
        ("AGR P 201", {"status": "STORED", "kind": "MACHINERY"}),
        ("AGR A 001", {"status": "FREE", "kind": "MACHINERY", "regionCode": "02"}),
        ("101 ADM 02", {"status": "FREE", "increasedDemand": False, "demandCategory": None}),
        ("777 AAA 02", {"status": "FREE", "demandCategory": "ROUND_OR_TRIPLE_DIGITS"}),
        ("001 KZ 02", {"status": "FREE", "demandCategory": "SINGLE_DIGIT"}),
        ("010 ADM 02", {"status": "FREE", "demandCategory": "SPECIAL_DIGITS"}),
        ("077 EEE 10", {"status": "FREE", "demandCategory": "SPECIAL_DIGITS_IDENTICAL_LETTERS"}),
        ("123 AAA 10", {"status": "FREE", "demandCategory": "IDENTICAL_LETTERS"}),
    ],
)
async def test_m10_3_every_seeded_status(
    bus: BusPlan, client: httpx.AsyncClient, plate: str, expected: dict[str, Any]
) -> None:
    result = await status_of(client, bus, plate)
    assert result["found"] is True
    view = result["plate"]
    assert view["plate"] == plate
    assert {k: view[k] for k in expected} == expected
    if view["status"] in ("ISSUED", "STORED", "RESERVED"):
        assert result["history"][-1]["status"] == view["status"]
    if view["status"] == "ISSUED":
        assert view["issuedAt"]
        assert (view["vin"] is None) != (view["machineId"] is None)


async def test_m10_3_unknown_plate_is_an_answer(bus: BusPlan, client: httpx.AsyncClient) -> None:
    result = await status_of(client, bus, " 998  zzz 02 ")  # normalised to 998 ZZZ 02
    assert (result["found"], result["plate"], result["history"]) == (False, None, [])
    assert result["code"] == "PLATE_NOT_FOUND"
    assert "998 ZZZ 02" in result["messages"]["en"]


async def test_v16_seeded_reservation_of_the_buyer(bus: BusPlan, client: httpx.AsyncClient) -> None:
    result = await answer(client, bus, RESERVED_NUMBER, {"iin": BUYER_RESERVED_PLATE})
    assert result["found"] is True
    [reservation] = result["reservations"]
    assert reservation["plate"] == RESERVED_PLATE
    assert reservation["reservedUntil"].startswith("2031-01-01")


@pytest.mark.parametrize(
    ("iin", "scenario"),
    [
        (BUYER_RESERVED_PLATE, "number_bank.no_reservation"),
        ("970125418149", None),  # buyer_kostanay: her reservation ran out in 2024
        ("900515310005", None),  # buyer: nothing reserved
    ],
)
async def test_v16_no_reserved_number_is_an_answer(
    bus: BusPlan, client: httpx.AsyncClient, iin: str, scenario: str | None
) -> None:
    result = await answer(client, bus, RESERVED_NUMBER, {"iin": iin}, scenario=scenario)
    assert (result["found"], result["reservations"], result["code"]) == (
        False,
        [],
        "NO_RESERVED_NUMBER",
    )
    assert set(result["messages"]) == {"ru", "kk", "en"}


# --- free numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize("region", ["02", "10"])
@pytest.mark.parametrize("kind", ["VEHICLE_INDIVIDUAL", "VEHICLE_LEGAL", "MACHINERY"])
async def test_free_numbers_never_offer_increased_demand_or_stored(
    bus: BusPlan, client: httpx.AsyncClient, region: str, kind: str
) -> None:
    offered = await all_free(client, bus, region, kind)
    assert len(offered) >= 40
    assert offered == sorted(offered)
    assert len(set(offered)) == len(offered)
    for plate in offered:
        number = parse_plate(plate)
        assert (number.kind, number.region_code, number.demand_category) == (kind, region, None)
    listed = (
        await client.get(
            f"{bus.url('number_bank')}/admin/plates",
            params={"regionCode": region, "limit": 1000},
            headers=ADMIN,
        )
    ).json()
    never = {p["plate"] for p in listed if p["increasedDemand"] or p["status"] != "FREE"}
    assert never.isdisjoint(offered)
    if region == "02":
        assert {"777 AAA 02", "001 KZ 02", "601 HRN 02", RESERVED_PLATE} <= never


async def test_free_numbers_include_a_lapsed_reservation(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    offered = await all_free(client, bus, "10", "VEHICLE_INDIVIDUAL", pattern="KZA")
    assert offered == ["426 KZA 10"]


async def test_free_numbers_pages_and_pattern(bus: BusPlan, client: httpx.AsyncClient) -> None:
    request = {"regionCode": "02", "kind": "VEHICLE_INDIVIDUAL", "limit": 5, "pattern": "1*BKR"}
    first = await answer(client, bus, FREE_NUMBERS, request)
    second = await answer(client, bus, FREE_NUMBERS, {**request, "after": first["nextAfter"]})
    assert len(first["plates"]) == len(second["plates"]) == 5
    assert first["nextAfter"] == first["plates"][-1] < second["plates"][0]
    assert all("BKR" in p for p in first["plates"] + second["plates"])
    assert first["code"] is None


async def test_region_exhausted_scenario(bus: BusPlan, client: httpx.AsyncClient) -> None:
    data = {"regionCode": "02", "kind": "VEHICLE_INDIVIDUAL", "limit": 10}
    result = await answer(client, bus, FREE_NUMBERS, data, scenario="number_bank.region_exhausted")
    assert (result["plates"], result["nextAfter"], result["code"]) == ([], None, "NO_FREE_NUMBERS")
    assert (await answer(client, bus, FREE_NUMBERS, data))["plates"]


# --- reserve, issue, release -----------------------------------------------------------------


async def test_v16_v19_reserve_issue_lifecycle(bus: BusPlan, client: httpx.AsyncClient) -> None:
    plate, buyer = "121 BKR 02", person()
    reserved = await answer(
        client, bus, RESERVE, {"plate": plate, "iin": buyer, "idempotencyKey": key()}
    )
    assert (reserved["plate"], reserved["iin"], reserved["reference"]) == (plate, buyer, None)
    mine = await answer(client, bus, RESERVED_NUMBER, {"iin": buyer})
    assert [(r["plate"], r["reference"]) for r in mine["reservations"]] == [(plate, None)]
    assert plate not in await all_free(client, bus, "02", "VEHICLE_INDIVIDUAL", pattern="BKR")

    released = await answer(
        client, bus, RELEASE, {"plate": plate, "iin": buyer, "idempotencyKey": key()}
    )
    assert released["status"] == "FREE"
    assert plate in await all_free(client, bus, "02", "VEHICLE_INDIVIDUAL", pattern="BKR")

    # A service may say what the reservation is for; the person's reservations show it.
    held = {"plate": plate, "iin": buyer, "idempotencyKey": key(), "reference": "VR-1"}
    await answer(client, bus, RESERVE, held)
    mine = await answer(client, bus, RESERVED_NUMBER, {"iin": buyer})
    assert [(r["plate"], r["reference"]) for r in mine["reservations"]] == [(plate, "VR-1")]
    issue = {"plate": plate, "iin": buyer, "vin": vin(1), "idempotencyKey": key()}
    issued = await answer(client, bus, ISSUE, issue, sender=REGISTRATION)
    assert (issued["plate"], issued["iin"], issued["vin"], issued["bin"]) == (
        plate,
        buyer,
        vin(1),
        None,
    )

    result = await status_of(client, bus, plate)
    assert (result["plate"]["status"], result["plate"]["vin"]) == ("ISSUED", vin(1))
    assert [e["action"] for e in result["history"]] == [
        "RESERVED",
        "RELEASED",
        "RESERVED",
        "ISSUED",
    ]
    assert (await answer(client, bus, RESERVED_NUMBER, {"iin": buyer}))["found"] is False

    again = {**issue, "idempotencyKey": key()}
    assert (await refusal(client, bus, ISSUE, again))[0] == "PLATE_ALREADY_ISSUED"
    release = {"plate": plate, "iin": buyer, "idempotencyKey": key()}
    assert (await refusal(client, bus, RELEASE, release))[0] == "PLATE_NOT_RESERVED"


async def test_asking_again_for_ones_own_plate_is_the_same_reservation(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    plate, buyer = "122 BKR 02", person()
    first = await answer(
        client, bus, RESERVE, {"plate": plate, "iin": buyer, "idempotencyKey": key()}
    )
    second = await answer(
        client, bus, RESERVE, {"plate": plate, "iin": buyer, "idempotencyKey": key()}
    )
    assert second == first


async def test_idempotency_key_returns_the_first_answer(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    plate, buyer, k = "123 BKR 02", person(), key()
    request = {"plate": plate, "iin": buyer, "idempotencyKey": k, "holdMinutes": 60}
    first = await answer(client, bus, RESERVE, request)
    bus_clock.advance(timedelta(minutes=5))
    assert await answer(client, bus, RESERVE, request) == first  # not a new reservedUntil

    other = {**request, "plate": "124 BKR 02"}
    code, field = await refusal(client, bus, RESERVE, other, status=422)
    assert (code, field) == ("PLATE_IDEMPOTENCY_KEY_REUSED", "requestData.data.idempotencyKey")

    issue = {"plate": plate, "iin": buyer, "vin": vin(2), "idempotencyKey": key()}
    issued = await answer(client, bus, ISSUE, issue)
    assert await answer(client, bus, ISSUE, issue) == issued  # a retry, not a second issue
    history = (await status_of(client, bus, plate))["history"]
    assert [e["action"] for e in history] == ["RESERVED", "ISSUED"]


async def test_a_refusal_is_not_remembered_under_its_key(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    plate, holder, k = "125 BKR 02", person(), key()
    await answer(client, bus, RESERVE, {"plate": plate, "iin": holder, "idempotencyKey": key()})
    request = {"plate": plate, "iin": person(), "idempotencyKey": k}
    assert (await refusal(client, bus, RESERVE, request))[0] == "PLATE_TAKEN"
    await answer(client, bus, RELEASE, {"plate": plate, "iin": holder, "idempotencyKey": key()})
    assert (await answer(client, bus, RESERVE, request))["iin"] == request["iin"]


@pytest.mark.parametrize(
    ("plate", "code", "status"),
    [
        (RESERVED_PLATE, "PLATE_TAKEN", 409),
        ("501 ENS 10", "PLATE_TAKEN", 409),
        ("777 AAA 02", "PLATE_INCREASED_DEMAND", 409),
        ("123 AAA 10", "PLATE_INCREASED_DEMAND", 409),
        ("601 HRN 02", "PLATE_STORED", 409),
        ("301 KT 02", "PLATE_KIND_NOT_RESERVABLE", 409),
        ("AGR P 002", "PLATE_KIND_NOT_RESERVABLE", 409),
        ("998 ZZZ 02", "PLATE_NOT_FOUND", 404),
    ],
)
async def test_v16_reserve_refusals_have_distinct_codes(
    bus: BusPlan, client: httpx.AsyncClient, plate: str, code: str, status: int
) -> None:
    request = {"plate": plate, "iin": person(), "idempotencyKey": key()}
    assert await refusal(client, bus, RESERVE, request, status) == (code, "requestData.data.plate")


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"plate": "126 BKR 02", "iin": "PERSON", "vin": vin(3)}, "PLATE_NOT_RESERVED"),
        ({"plate": RESERVED_PLATE, "iin": "PERSON", "vin": vin(4)}, "PLATE_TAKEN"),
        ({"plate": "302 KT 02", "iin": "PERSON", "vin": vin(5)}, "PLATE_NOT_RESERVED"),
        ({"plate": "502 ENS 02", "iin": "PERSON", "vin": vin(6)}, "PLATE_ALREADY_ISSUED"),
        ({"plate": "AGR P 101", "bin": "100543088028", "machineId": "X1"}, "PLATE_ALREADY_ISSUED"),
        ({"plate": "AGR P 201", "bin": "100543088028", "machineId": "X2"}, "PLATE_STORED"),
        ({"plate": "001 KZ 02", "bin": "181140073105", "vin": vin(7)}, "PLATE_INCREASED_DEMAND"),
    ],
)
async def test_issue_refusals_have_distinct_codes(
    bus: BusPlan, client: httpx.AsyncClient, data: dict[str, str], code: str
) -> None:
    data = {k: person() if v == "PERSON" else v for k, v in data.items()}
    request = {**data, "idempotencyKey": key()}
    assert await refusal(client, bus, ISSUE, request) == (code, "requestData.data.plate")


async def test_v16_a_person_holds_at_most_two_reservations(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    buyer = person()
    for plate in ("131 BKR 02", "132 BKR 02"):
        await answer(client, bus, RESERVE, {"plate": plate, "iin": buyer, "idempotencyKey": key()})
    third = {"plate": "133 BKR 02", "iin": buyer, "idempotencyKey": key()}
    assert await refusal(client, bus, RESERVE, third) == (
        "RESERVATION_LIMIT",
        "requestData.data.iin",
    )
    assert (await status_of(client, bus, "133 BKR 02"))["plate"]["status"] == "FREE"
    await answer(
        client, bus, RELEASE, {"plate": "131 BKR 02", "iin": buyer, "idempotencyKey": key()}
    )
    assert (await answer(client, bus, RESERVE, third))["plate"] == "133 BKR 02"


async def test_v16_reservation_runs_out_by_the_bus_clock(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    plate, first, second = "141 BKR 02", person(), person()
    request = {"plate": plate, "iin": first, "idempotencyKey": key(), "holdMinutes": 10}
    await answer(client, bus, RESERVE, request)
    bus_clock.advance(timedelta(minutes=9))
    assert (await answer(client, bus, RESERVED_NUMBER, {"iin": first}))["found"] is True
    taken = {"plate": plate, "iin": second, "idempotencyKey": key()}
    assert (await refusal(client, bus, RESERVE, taken))[0] == "PLATE_TAKEN"

    bus_clock.advance(timedelta(minutes=2))
    assert (await answer(client, bus, RESERVED_NUMBER, {"iin": first}))["found"] is False
    assert (await status_of(client, bus, plate))["plate"]["status"] == "FREE"
    assert plate in await all_free(client, bus, "02", "VEHICLE_INDIVIDUAL", pattern="141")
    late = {"plate": plate, "iin": first, "vin": vin(8), "idempotencyKey": key()}
    assert (await refusal(client, bus, ISSUE, late))[0] == "PLATE_NOT_RESERVED"
    release = {"plate": plate, "iin": first, "idempotencyKey": key()}
    assert (await refusal(client, bus, RELEASE, release))[0] == "PLATE_NOT_RESERVED"

    assert (await answer(client, bus, RESERVE, taken))["iin"] == second
    actions = [e["action"] for e in (await status_of(client, bus, plate))["history"]]
    assert actions == ["RESERVED", "RESERVATION_EXPIRED", "RESERVED"]


async def test_m12_machinery_and_legal_plates_are_issued_directly(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    machinery = (await all_free(client, bus, "10", "MACHINERY"))[0]
    issued = await answer(
        client,
        bus,
        ISSUE,
        {
            "plate": machinery,
            "iin": "700327314440",
            "machineId": "mtz-1221-77",
            "idempotencyKey": key(),
        },
        sender=FRONTOFFICE,
    )
    assert (issued["kind"], issued["machineId"], issued["vin"]) == (
        "MACHINERY",
        "MTZ-1221-77",
        None,
    )
    found = (await status_of(client, bus, machinery))["plate"]
    assert (found["status"], found["iin"], found["machineId"]) == (
        "ISSUED",
        "700327314440",
        "MTZ-1221-77",
    )

    legal = (await all_free(client, bus, "02", "VEHICLE_LEGAL", pattern="NR"))[0]
    issue = {"plate": legal, "bin": "150440012354", "vin": vin(9), "idempotencyKey": key()}
    assert (await answer(client, bus, ISSUE, issue))["bin"] == "150440012354"


@pytest.mark.parametrize(
    ("service", "data", "code", "field"),
    [
        (PLATE_STATUS, {"plate": "12 ABC 02"}, "PLATE_FORMAT", "plate"),
        (PLATE_STATUS, {"plate": "000 ABC 02"}, "PLATE_FORMAT", "plate"),
        (PLATE_STATUS, {"plate": "123 ABCD 02"}, "PLATE_FORMAT", "plate"),
        (PLATE_STATUS, {"plate": "123 ABC 21"}, "PLATE_REGION", "plate"),
        (PLATE_STATUS, {"plate": "ABC X 123"}, "PLATE_REGION", "plate"),
        (FREE_NUMBERS, {"regionCode": "21", "kind": "MACHINERY"}, "REGION_CODE", "regionCode"),
        (FREE_NUMBERS, {"regionCode": "02", "kind": "BUS"}, "INVALID_VALUE", "kind"),
        (
            FREE_NUMBERS,
            {"regionCode": "02", "kind": "MACHINERY", "limit": 0},
            "INVALID_VALUE",
            "limit",
        ),
        (
            FREE_NUMBERS,
            {"regionCode": "02", "kind": "MACHINERY", "pattern": "7%"},
            "INVALID_VALUE",
            "pattern",
        ),
        (RESERVED_NUMBER, {"iin": "900515300019"}, "IIN_CHECK_DIGIT", "iin"),
        (
            RESERVE,
            {"plate": "151 BKR 02", "iin": "900515310005", "idempotencyKey": ""},
            "TOO_SHORT",
            "idempotencyKey",
        ),
        (
            RESERVE,
            {
                "plate": "151 BKR 02",
                "iin": "900515310005",
                "idempotencyKey": "k",
                "holdMinutes": 50000,
            },
            "INVALID_VALUE",
            "holdMinutes",
        ),
        (
            ISSUE,
            {
                "plate": "151 BKR 02",
                "iin": "900515310005",
                "bin": "150440012354",
                "vin": vin(10),
                "idempotencyKey": "k",
            },
            "ONE_RECIPIENT",
            "iin",
        ),
        (
            ISSUE,
            {"plate": "151 BKR 02", "iin": "900515310005", "idempotencyKey": "k"},
            "FIELD_REQUIRED",
            "vin",
        ),
        (
            ISSUE,
            {"plate": "AGR P 003", "bin": "150440012354", "vin": vin(11), "idempotencyKey": "k"},
            "UNKNOWN_FIELD",
            "vin",
        ),
        (
            ISSUE,
            {"plate": "151 BKR 02", "iin": "900515310005", "vin": "SHORT", "idempotencyKey": "k"},
            "VIN_LENGTH",
            "vin",
        ),
        (
            RELEASE,
            {"plate": "151 BKR 02", "iin": "90051531000", "idempotencyKey": "k"},
            "IIN_LENGTH",
            "iin",
        ),
    ],
)
async def test_bad_input_is_a_4xx_naming_the_field(
    bus: BusPlan, client: httpx.AsyncClient, service: str, data: Any, code: str, field: str
) -> None:
    assert await refusal(client, bus, service, data, 422) == (code, f"requestData.data.{field}")


async def test_senders_reach_what_the_registry_allows(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    for service, data in [
        (RESERVED_NUMBER, {"iin": BUYER_RESERVED_PLATE}),
        (FREE_NUMBERS, {"regionCode": "02", "kind": "VEHICLE_INDIVIDUAL", "limit": 1}),
        (PLATE_STATUS, {"plate": RESERVED_PLATE}),
    ]:
        reply = await call(client, bus, service, data, sender=REGISTRATION)
        assert reply.status_code == 200, service
    for service, allowed in [
        (PLATE_STATUS, True),
        (FREE_NUMBERS, True),
        (RESERVE, False),
        (RELEASE, False),
        (ANNUL, False),
    ]:
        reply = await call(client, bus, service, {}, sender=FRONTOFFICE)
        assert (reply.status_code != 403) == allowed, service
        if not allowed:
            assert reply.json()["code"] == "ACCESS_DENIED"


# --- one issued plate per vehicle; annulment (V19) ------------------------------------------


async def test_v19_a_vehicle_holds_one_issued_plate_until_it_is_annulled(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    buyer, car, first, second = person(), vin(31), "161 BKR 02", "162 BKR 02"
    for plate in (first, second):
        await answer(client, bus, RESERVE, {"plate": plate, "iin": buyer, "idempotencyKey": key()})
    await answer(
        client, bus, ISSUE, {"plate": first, "iin": buyer, "vin": car, "idempotencyKey": key()}
    )
    issue = {"plate": second, "iin": buyer, "vin": car, "idempotencyKey": key()}
    assert await refusal(client, bus, ISSUE, issue) == (
        "VEHICLE_ALREADY_HAS_PLATE",
        "requestData.data.vin",
    )

    annul = {"plate": first, "iin": buyer, "vin": car, "idempotencyKey": key()}
    other_car = {**annul, "vin": vin(32)}
    assert (await refusal(client, bus, ANNUL, other_car))[0] == "PLATE_NOT_ISSUED_TO_OBJECT"
    annulled = await answer(client, bus, ANNUL, annul, sender=REGISTRATION)
    assert annulled["status"] == "ANNULLED"
    # Asked again, under its key or another: the same annulment, not a conflict.
    for again in (annul, {**annul, "idempotencyKey": key()}):
        assert (await answer(client, bus, ANNUL, again)) == annulled
    result = await status_of(client, bus, first)
    assert (result["plate"]["status"], result["plate"]["vin"]) == ("ANNULLED", car)
    assert [e["action"] for e in result["history"]] == ["RESERVED", "ISSUED", "ANNULLED"]

    # The vehicle may be issued another plate now; the annulled one is never issued again.
    assert (await answer(client, bus, ISSUE, issue))["plate"] == second
    reissue = {"plate": first, "iin": buyer, "vin": vin(33), "idempotencyKey": key()}
    assert (await refusal(client, bus, ISSUE, reissue))[0] == "PLATE_ALREADY_ISSUED"
    reserve = {"plate": first, "iin": person(), "idempotencyKey": key()}
    assert (await refusal(client, bus, RESERVE, reserve))[0] == "PLATE_ALREADY_ISSUED"


async def test_v19_only_an_issued_plate_is_annulled(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    buyer = person()
    await answer(
        client, bus, RESERVE, {"plate": "163 BKR 02", "iin": buyer, "idempotencyKey": key()}
    )
    for plate, status in (("163 BKR 02", 409), ("164 BKR 02", 409), ("554 ZZZ 02", 404)):
        annul = {"plate": plate, "iin": buyer, "vin": vin(34), "idempotencyKey": key()}
        code = "PLATE_NOT_FOUND" if status == 404 else "PLATE_NOT_ISSUED_TO_OBJECT"
        assert (await refusal(client, bus, ANNUL, annul, status))[0] == code
    annul = {"plate": "AGR P 037", "iin": buyer, "vin": vin(34), "idempotencyKey": key()}
    assert await refusal(client, bus, ANNUL, annul, 422) == (
        "UNKNOWN_FIELD",
        "requestData.data.vin",
    )


async def test_admin_cannot_issue_a_second_plate_to_a_vehicle(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    """The admin API checks nothing about the VIN in Python: the database's index refuses,
    and the refusal is a 409 with a code."""
    car = vin(35)
    body = {"status": "ISSUED", "iin": person(), "vin": car}
    base = f"{bus.url('number_bank')}/admin/plates"
    first = await client.put(f"{base}/{quote('557 XYZ 02')}", json=body, headers=ADMIN)
    assert first.status_code == 200, first.text
    second = await client.put(f"{base}/{quote('558 XYZ 02')}", json=body, headers=ADMIN)
    assert (second.status_code, second.json()["code"], second.json()["field"]) == (
        409,
        "VEHICLE_ALREADY_HAS_PLATE",
        "vin",
    )
    listed = await client.get(base, params={"vin": car}, headers=ADMIN)
    assert [(p["plate"], p["status"]) for p in listed.json()] == [("557 XYZ 02", "ISSUED")]


# --- admin API -------------------------------------------------------------------------------


async def test_admin_arranges_plates(bus: BusPlan, client: httpx.AsyncClient) -> None:
    base = f"{bus.url('number_bank')}/admin/plates"
    url = f"{base}/{quote('554 XYZ 02')}"
    assert (await client.get(base)).status_code == 401

    created = await client.put(url, json={"status": "FREE"}, headers=ADMIN)
    assert created.status_code == 200, created.text
    assert (created.json()["kind"], created.json()["regionCode"]) == ("VEHICLE_INDIVIDUAL", "02")
    assert await all_free(client, bus, "02", "VEHICLE_INDIVIDUAL", pattern="XYZ") == ["554 XYZ 02"]

    buyer = person()
    body = {"status": "RESERVED", "iin": buyer, "reservedUntil": "2030-01-01T00:00:00Z"}
    assert (await client.put(url, json=body, headers=ADMIN)).json()["status"] == "RESERVED"
    assert (await answer(client, bus, RESERVED_NUMBER, {"iin": buyer}))["found"] is True
    released = await client.post(f"{url}/release", headers=ADMIN)
    assert released.json()["status"] == "FREE"

    detail = (await client.get(url, headers=ADMIN)).json()
    assert [e["action"] for e in detail["history"]] == ["CREATED", "ADMIN_CHANGED", "RELEASED"]
    listed = await client.get(base, params={"status": "STORED", "regionCode": "10"}, headers=ADMIN)
    assert {p["plate"] for p in listed.json()} >= {"601 HRN 10", "AGR P 201"}
    assert all(p["status"] == "STORED" for p in listed.json())

    assert (await client.delete(url, headers=ADMIN)).status_code == 204
    assert (await client.get(url, headers=ADMIN)).status_code == 404
    archive = await status_of(client, bus, "554 XYZ 02")
    assert (archive["found"], archive["history"][-1]["action"]) == (False, "ADMIN_DELETED")


@pytest.mark.parametrize(
    ("plate", "body", "field"),
    [
        ("556 XYZ 02", {"status": "FREE", "iin": "900515310005"}, "iin"),
        ("556 XYZ 02", {"status": "RESERVED", "iin": "900515310005"}, "reservedUntil"),
        ("556 XYZ 02", {"status": "ISSUED", "iin": "900515310005"}, "vin"),
        ("556 XYZ 02", {"status": "ISSUED", "vin": "XW8ZZZ61ZTG200001"}, "iin"),
        (
            "AGR A 301",
            {"status": "ISSUED", "bin": "100543088028", "vin": "XW8ZZZ61ZTG200001"},
            "vin",
        ),
    ],
)
async def test_admin_refuses_a_state_contradicting_the_status(
    bus: BusPlan, client: httpx.AsyncClient, plate: str, body: dict[str, str], field: str
) -> None:
    url = f"{bus.url('number_bank')}/admin/plates/{quote(plate)}"
    reply = await client.put(url, json=body, headers=ADMIN)
    assert reply.status_code == 422
    assert (reply.json()["code"], reply.json()["field"]) == ("PLATE_STATE_INVALID", field)


async def test_admin_never_frees_an_issued_plate(bus: BusPlan, client: httpx.AsyncClient) -> None:
    url = f"{bus.url('number_bank')}/admin/plates/{quote('503 ENS 02')}"
    for reply in (
        await client.post(f"{url}/release", headers=ADMIN),
        await client.put(url, json={"status": "FREE"}, headers=ADMIN),
    ):
        assert (reply.status_code, reply.json()["code"]) == (409, "PLATE_ALREADY_ISSUED")
    # Deleted and created again, the plate still carries its archive: never issued twice.
    assert (await client.delete(url, headers=ADMIN)).status_code == 204
    reply = await client.put(url, json={"status": "FREE"}, headers=ADMIN)
    assert (reply.status_code, reply.json()["code"]) == (409, "PLATE_ALREADY_ISSUED")


async def test_admin_bad_plate_in_the_path(bus: BusPlan, client: httpx.AsyncClient) -> None:
    reply = await client.get(f"{bus.url('number_bank')}/admin/plates/ABC", headers=ADMIN)
    assert (reply.status_code, reply.json()["code"]) == (422, "PLATE_FORMAT")


# --- atomicity under concurrency ---------------------------------------------------------------

CONTENDERS = 20
"""Callers at once, four for each of five plates. Any number past one per plate shows the
atomicity; fifty missed the gateway's 5 s provider deadline on SQLite on a loaded 2-core
machine, where each write waits for the one before (a 504 is a fair answer then, not what
these tests are about)."""


async def test_concurrent_reservations_take_each_plate_once(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    plates = [f"{d} CTE 10" for d in range(161, 166)]
    buyers = [person() for _ in range(CONTENDERS)]
    replies = await asyncio.gather(
        *(
            call(
                client, bus, RESERVE, {"plate": plates[i % 5], "iin": iin, "idempotencyKey": key()}
            )
            for i, iin in enumerate(buyers)
        )
    )
    winners: dict[str, str] = {}
    for i, reply in enumerate(replies):
        if reply.status_code == 200:
            assert plates[i % 5] not in winners
            winners[plates[i % 5]] = buyers[i]
        else:
            assert reply.status_code == 409, reply.text
            assert reply.json()["errorInfo"]["subError"]["errorCode"] == "PLATE_TAKEN"
    assert set(winners) == set(plates)
    for plate, buyer in winners.items():
        result = await status_of(client, bus, plate)
        assert (result["plate"]["status"], result["plate"]["iin"]) == ("RESERVED", buyer)
        assert [e["action"] for e in result["history"]] == ["RESERVED"]


async def test_concurrent_issues_issue_each_plate_once(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    plates = [f"AGR P {d:03d}" for d in range(31, 36)]
    replies = await asyncio.gather(
        *(
            call(
                client,
                bus,
                ISSUE,
                {
                    "plate": plates[i % 5],
                    "iin": person(),
                    "machineId": f"M-{i}",
                    "idempotencyKey": key(),
                },
            )
            for i in range(CONTENDERS)
        )
    )
    codes = Counter(
        "ISSUED" if r.status_code == 200 else r.json()["errorInfo"]["subError"]["errorCode"]
        for r in replies
    )
    assert codes == {"ISSUED": 5, "PLATE_ALREADY_ISSUED": CONTENDERS - 5}
    for plate in plates:
        history = (await status_of(client, bus, plate))["history"]
        assert [e["action"] for e in history] == ["ISSUED"]


async def test_concurrent_retries_with_one_key_act_once(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    request = {
        "plate": "AGR P 036",
        "bin": "100543088028",
        "machineId": "M-RETRY",
        "idempotencyKey": key(),
    }
    replies = await asyncio.gather(*(call(client, bus, ISSUE, request) for _ in range(20)))
    assert {r.status_code for r in replies} == {200}
    assert len({r.json()["responseData"]["data"]["issuedAt"] for r in replies}) == 1
    history = (await status_of(client, bus, "AGR P 036"))["history"]
    assert [e["action"] for e in history] == ["ISSUED"]


async def test_concurrent_reservations_of_one_person_keep_the_limit(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    buyer = person()
    plates = [f"{d} CTE 10" for d in range(171, 181)]
    replies = await asyncio.gather(
        *(
            call(client, bus, RESERVE, {"plate": p, "iin": buyer, "idempotencyKey": key()})
            for p in plates
        )
    )
    assert sum(r.status_code == 200 for r in replies) == 2
    refused = {
        r.json()["errorInfo"]["subError"]["errorCode"] for r in replies if r.status_code != 200
    }
    assert refused == {"RESERVATION_LIMIT"}
    mine = await answer(client, bus, RESERVED_NUMBER, {"iin": buyer})
    assert len(mine["reservations"]) == 2
