"""ЭПТС / ЭПСМ through the real gateway: every seeded vehicle and machine of the persona
catalogue (V3/V12, M10.1–M10.3), the VIN check-digit flag, tester scenarios, malformed VINs
and the admin API. Runs on SQLite and on the real PostgreSQL."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from egov import personas
from egov.launcher import BusPlan
from tests.harness import ADMIN, envelope, send

EPTS = "EPTS_PassportByVin"
EPSM = "EPSM_PassportByVin"
CATALOGUE = personas.load()
VEHICLES = {v["key"]: v["vin"] for v in CATALOGUE["vehicles"]}
MACHINES = CATALOGUE["machines"]
SARYARKA = "090240033217"
DEALER = "150440012354"
FARMER = "700327314440"
FARM_BEREKE = "100543088028"
VIN_OK = VEHICLES["vin_ok"]
VIN_OK_WRONG_CHECK_DIGIT = "MXAJC4110TK100201"  # vin_ok with 0 where its check digit 1 is
TRACTOR = "Y4R082104SB010321"


async def _data(
    client: httpx.AsyncClient, bus: BusPlan, service: str, vin: Any, **headers: str
) -> dict[str, Any]:
    reply = await send(client, bus, envelope(service, {"vin": vin}), headers=headers)
    assert reply.status_code == 200, reply.text
    answer: dict[str, Any] = reply.json()["responseData"]["data"]
    return answer


@pytest.mark.parametrize("key", sorted(VEHICLES))
async def test_v3_every_catalogue_vehicle_answers_its_branch(
    bus: BusPlan, client: httpx.AsyncClient, key: str
) -> None:
    answer = await _data(client, bus, EPTS, VEHICLES[key])
    assert answer["vin"] == VEHICLES[key]
    assert answer["vinCheckDigitValid"] is True
    if key == "vin_no_epts":
        assert (answer["found"], answer["passport"], answer["code"]) == (
            False,
            None,
            "EPTS_NOT_FOUND",
        )
        return
    passport = answer["passport"]
    assert answer["found"] is True
    assert (passport["vin"], passport["kind"]) == (VEHICLES[key], "EPTS")
    if key == "vin_epts_annulled":
        assert (passport["status"], passport["statusLabel"]) == ("ANNULLED", "аннулированный")
        assert passport["statusReason"]
        return
    assert (passport["status"], passport["statusLabel"]) == ("VALID", "действующий")
    if key == "vin_foreign_made":
        assert passport["manufacturer"]["country"] != "KZ"
        assert passport["manufacturer"]["bin"] is None
        assert passport["number"][1:4] == "643"  # issued in Russia
    else:
        assert passport["manufacturer"] == {
            "bin": SARYARKA,
            "name": "ТОО «СарыаркаАвтоПром»",
            "country": "KZ",
        }
        assert passport["yearOfManufacture"] == 2026
        assert passport["number"][:4] == "1398"


async def test_v3_a_passport_carries_every_field(bus: BusPlan, client: httpx.AsyncClient) -> None:
    passport = (await _data(client, bus, EPTS, VIN_OK))["passport"]
    assert len(passport["number"]) == 15
    assert passport["kindLabel"].startswith("ЭПТС")
    assert (passport["make"], passport["commercialName"], passport["category"]) == (
        "JAC",
        "JS4",
        "M1",
    )
    assert passport["engine"] == {
        "type": "PETROL",
        "model": "HFC4GB1.5T",
        "volumeCc": 1499,
        "powerKw": 110.0,
    }
    assert (passport["ecoClass"], passport["colour"]) == ("Евро-5", "Белый")
    assert passport["conformityDocument"]["type"] == "OTTS"
    assert passport["owner"] == {"iin": None, "bin": DEALER, "name": "ТОО «Астана Моторс Алматы»"}
    assert passport["customs"] == {"declarationNumber": None, "restrictions": False}
    assert passport["recyclingFeeMark"]
    assert passport["issueDate"] == "2025-12-06"


async def test_v5_unpaid_recycling_fee_leaves_no_mark(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    passport = (await _data(client, bus, EPTS, VEHICLES["vin_recycling_unpaid"]))["passport"]
    assert passport["recyclingFeeMark"] is None


@pytest.mark.parametrize("machine", MACHINES, ids=lambda m: m["key"])
async def test_m10_every_catalogue_machine_has_its_epsm(
    bus: BusPlan, client: httpx.AsyncClient, machine: dict[str, str]
) -> None:
    answer = await _data(client, bus, EPSM, machine["vin"])
    passport = answer["passport"]
    assert (answer["found"], answer["vinCheckDigitValid"]) == (True, True)
    assert (passport["kind"], passport["number"][0], passport["status"]) == ("EPSM", "3", "VALID")
    assert passport["category"] in {"TRACTOR", "COMBINE", "TRAILER", "ROAD_BUILDING"}
    assert passport["owner"] is not None


async def test_m10_farmer_tractor_and_farm_combine(bus: BusPlan, client: httpx.AsyncClient) -> None:
    tractor = (await _data(client, bus, EPSM, TRACTOR))["passport"]
    assert (tractor["commercialName"], tractor["category"], tractor["categoryLabel"]) == (
        "Беларус-82.1",
        "TRACTOR",
        "трактор",
    )
    assert tractor["owner"]["iin"] == FARMER
    assert tractor["manufacturer"]["country"] == "BY"
    by_key = {m["key"]: m["vin"] for m in MACHINES}
    combine = (await _data(client, bus, EPSM, by_key["combine_bereke"]))["passport"]
    assert (combine["category"], combine["owner"]["bin"]) == ("COMBINE", FARM_BEREKE)
    trailer = (await _data(client, bus, EPSM, by_key["trailer_bereke"]))["passport"]
    assert (trailer["category"], trailer["engine"]) == ("TRAILER", None)


async def test_each_operation_answers_only_its_kind(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    machine_as_vehicle = await _data(client, bus, EPTS, TRACTOR)
    assert (machine_as_vehicle["found"], machine_as_vehicle["code"]) == (False, "EPTS_NOT_FOUND")
    vehicle_as_machine = await _data(client, bus, EPSM, VIN_OK)
    assert (vehicle_as_machine["found"], vehicle_as_machine["code"]) == (False, "EPSM_NOT_FOUND")
    assert VIN_OK in vehicle_as_machine["messages"]["ru"]
    assert set(vehicle_as_machine["messages"]) == {"ru", "kk", "en"}


async def test_wrong_check_digit_is_flagged_not_refused(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    answer = await _data(client, bus, EPTS, VIN_OK_WRONG_CHECK_DIGIT)
    assert (answer["found"], answer["vinCheckDigitValid"]) == (False, False)
    # A lower-case VIN is the same VIN.
    assert (await _data(client, bus, EPTS, VIN_OK.lower()))["found"] is True


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"vin": "MXAJC4111TK10020"}, "VIN_LENGTH"),
        ({"vin": "MXAJC4111TK1002011"}, "VIN_LENGTH"),
        ({"vin": "MXAJC4111TK1002O1"}, "VIN_CHARACTERS"),
        ({"vin": 12345678901234567}, "WRONG_TYPE"),
        ({}, "FIELD_REQUIRED"),
        ({"vin": VIN_OK, "plate": "123ABC02"}, "UNKNOWN_FIELD"),
    ],
)
@pytest.mark.parametrize("service", [EPTS, EPSM])
async def test_malformed_vin_is_a_4xx_naming_the_field(
    bus: BusPlan, client: httpx.AsyncClient, service: str, data: dict[str, Any], code: str
) -> None:
    reply = await send(client, bus, envelope(service, data))
    assert reply.status_code == 422
    problem = reply.json()
    assert problem["code"] == "PROVIDER_ERROR"
    assert problem["errorInfo"]["subError"]["errorCode"] == code
    field = "requestData.data.plate" if code == "UNKNOWN_FIELD" else "requestData.data.vin"
    assert problem["field"] == field


async def test_scenario_not_found(bus: BusPlan, client: httpx.AsyncClient) -> None:
    forced = await _data(
        client, bus, EPTS, VIN_OK, **{"X-Test-Scenario": "eps_passports.not_found"}
    )
    assert (forced["found"], forced["code"]) == (False, "EPTS_NOT_FOUND")
    machine = await _data(
        client, bus, EPSM, TRACTOR, **{"X-Test-Scenario": "eps_passports.not_found"}
    )
    assert machine["found"] is False
    # …for that call only.
    assert (await _data(client, bus, EPTS, VIN_OK))["found"] is True


async def test_scenario_annulled(bus: BusPlan, client: httpx.AsyncClient) -> None:
    scenario = {"X-Test-Scenario": "eps_passports.annulled"}
    passport = (await _data(client, bus, EPTS, VIN_OK, **scenario))["passport"]
    assert (passport["status"], passport["statusLabel"]) == ("ANNULLED", "аннулированный")
    assert (await _data(client, bus, EPSM, TRACTOR, **scenario))["passport"]["status"] == "ANNULLED"
    # A VIN without a passport has none to annul.
    assert (await _data(client, bus, EPTS, VEHICLES["vin_no_epts"], **scenario))["found"] is False
    assert (await _data(client, bus, EPTS, VIN_OK))["passport"]["status"] == "VALID"


async def test_another_registrys_scenario_is_ignored(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    answer = await _data(
        client, bus, EPTS, VIN_OK, **{"X-Test-Scenario": "sale_contracts.not_found"}
    )
    assert answer["found"] is True


@pytest.mark.parametrize(
    ("sender", "password", "service", "status"),
    [
        ("registration_service", "registration-secret", EPTS, 200),
        ("registration_service", "registration-secret", EPSM, 403),
        ("frontoffice_service", "frontoffice-secret", EPSM, 200),
        ("frontoffice_service", "frontoffice-secret", EPTS, 403),
    ],
)
async def test_v3_and_m10_callers_have_access_to_their_operation(
    bus: BusPlan,
    client: httpx.AsyncClient,
    sender: str,
    password: str,
    service: str,
    status: int,
) -> None:
    request = envelope(service, {"vin": VIN_OK}, sender={"senderId": sender, "password": password})
    reply = await send(client, bus, request)
    assert reply.status_code == status
    if status == 403:
        assert reply.json()["code"] == "ACCESS_DENIED"


def _passport(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "EPTS",
        "status": "VALID",
        "vin": "MXAJC4117TK100999",
        "make": "JAC",
        "commercialName": "JS4",
        "category": "M1",
        "yearOfManufacture": 2026,
        "engine": {"type": "PETROL", "volumeCc": 1499, "powerKw": 110.0},
        "conformityDocument": {
            "type": "OTTS",
            "number": "ТС KZ E-KZ.АВ01.00412.Р1",
            "issueDate": "2024-03-12",
        },
        "manufacturer": {"bin": SARYARKA, "name": "ТОО «СарыаркаАвтоПром»", "country": "KZ"},
        "owner": None,
        "customs": {"restrictions": False},
        "issuedBy": "ТОО «СарыаркаАвтоПром»",
        "issueDate": "2026-11-20",
    }
    return body | changes


def _admin(bus: BusPlan, path: str = "") -> str:
    return f"{bus.url('eps_passports')}/admin/passports{path}"


async def test_admin_changes_take_effect_through_the_gateway(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    number, vin = "139800170199901", "MXAJC4110TK100999"  # the VIN's check digit is wrong
    url = _admin(bus, f"/{number}")
    assert (await _data(client, bus, EPTS, vin))["found"] is False
    created = await client.put(url, json=_passport(vin=vin), headers=ADMIN)
    assert created.status_code == 200, created.text
    assert created.json()["statusLabel"] == "действующий"
    answer = await _data(client, bus, EPTS, vin)
    assert (answer["found"], answer["vinCheckDigitValid"]) == (True, False)
    assert answer["passport"]["number"] == number

    owner = {"iin": "900515310005", "name": "Серикбаев Нурлан Маратович"}
    changed = await client.put(
        url, json=_passport(vin=vin, status="RECYCLED", owner=owner), headers=ADMIN
    )
    assert changed.status_code == 200, changed.text
    passport = (await _data(client, bus, EPTS, vin))["passport"]
    assert (passport["status"], passport["statusLabel"]) == ("RECYCLED", "утилизированный")
    assert passport["owner"] == {"bin": None, **owner}
    assert (await client.get(url, headers=ADMIN)).json()["status"] == "RECYCLED"

    assert (await client.delete(url, headers=ADMIN)).status_code == 204
    assert (await _data(client, bus, EPTS, vin))["found"] is False
    gone = await client.delete(url, headers=ADMIN)
    assert (gone.status_code, gone.json()["code"], gone.json()["field"]) == (
        404,
        "NOT_FOUND",
        "number",
    )
    assert (await client.get(url, headers=ADMIN)).status_code == 404


async def test_admin_a_live_passport_wins_over_an_annulled_one(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    vin = VEHICLES["vin_epts_annulled"]
    url = _admin(bus, "/139800170199902")
    assert (await client.put(url, json=_passport(vin=vin), headers=ADMIN)).status_code == 200
    passport = (await _data(client, bus, EPTS, vin))["passport"]
    assert (passport["number"], passport["status"]) == ("139800170199902", "VALID")
    listed = await client.get(_admin(bus), params={"vin": vin}, headers=ADMIN)
    assert {p["status"] for p in listed.json()} == {"ANNULLED", "VALID"}
    assert (await client.delete(url, headers=ADMIN)).status_code == 204
    assert (await _data(client, bus, EPTS, vin))["passport"]["status"] == "ANNULLED"


async def test_admin_adds_a_machine(bus: BusPlan, client: httpx.AsyncClient) -> None:
    vin = "Y4R082104SB019999"
    machine = _passport(
        kind="EPSM",
        vin=vin,
        make="Беларус",
        commercialName="Беларус-82.1",
        category="TRACTOR",
        owner={"iin": FARMER, "name": "Кусаинов Максат Болатович"},
    )
    url = _admin(bus, "/311200450019999")
    assert (await client.put(url, json=machine, headers=ADMIN)).status_code == 200
    answer = await _data(client, bus, EPSM, vin)
    assert (answer["found"], answer["passport"]["owner"]["iin"]) == (True, FARMER)
    assert (await _data(client, bus, EPTS, vin))["found"] is False
    assert (await client.delete(url, headers=ADMIN)).status_code == 204


async def test_admin_lists_by_vin_and_kind(bus: BusPlan, client: httpx.AsyncClient) -> None:
    machines = (await client.get(_admin(bus), params={"kind": "EPSM"}, headers=ADMIN)).json()
    assert {p["vin"] for p in machines} >= {m["vin"] for m in MACHINES}
    assert {p["kind"] for p in machines} == {"EPSM"}
    one = (await client.get(_admin(bus), params={"vin": VIN_OK}, headers=ADMIN)).json()
    assert [p["vin"] for p in one] == [VIN_OK]
    page = (await client.get(_admin(bus), params={"limit": 3}, headers=ADMIN)).json()
    assert len(page) == 3


@pytest.mark.parametrize(
    ("number", "changes", "code", "field"),
    [
        ("13980017019990", {}, "PASSPORT_NUMBER_FORMAT", "number"),
        ("43980017019990X", {}, "PASSPORT_NUMBER_FORMAT", "number"),
        ("339800170199903", {}, "PASSPORT_NUMBER_KIND", "number"),
        ("139800170199903", {"category": "TRACTOR"}, "PASSPORT_CATEGORY_KIND", "category"),
        (
            "139800170199903",
            {"owner": {"iin": FARMER, "bin": DEALER, "name": "x"}},
            "PASSPORT_OWNER_IDENTIFIER",
            "owner",
        ),
        ("139800170199903", {"owner": {"name": "x"}}, "PASSPORT_OWNER_IDENTIFIER", "owner"),
        ("139800170199903", {"vin": "MXAJC4117TK1OO999"}, "VIN_CHARACTERS", "vin"),
        (
            "139800170199903",
            {"manufacturer": {"bin": "090240033218", "name": "x", "country": "KZ"}},
            "BIN_CHECK_DIGIT",
            "manufacturer.bin",
        ),
        ("139800170199903", {"status": "LOST"}, "INVALID_VALUE", "status"),
    ],
)
async def test_admin_refuses_an_inconsistent_passport(
    bus: BusPlan,
    client: httpx.AsyncClient,
    number: str,
    changes: dict[str, Any],
    code: str,
    field: str,
) -> None:
    reply = await client.put(_admin(bus, f"/{number}"), json=_passport(**changes), headers=ADMIN)
    assert reply.status_code == 422, reply.text
    assert (reply.json()["code"], reply.json()["field"]) == (code, field)
    assert set(reply.json()["messages"]) == {"ru", "kk", "en"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", ""),
        ("GET", "/139800170100201"),
        ("PUT", "/139800170100201"),
        ("DELETE", "/139800170100201"),
    ],
)
async def test_admin_needs_the_credential(
    bus: BusPlan, client: httpx.AsyncClient, method: str, path: str
) -> None:
    body = _passport() if method == "PUT" else None
    reply = await client.request(method, _admin(bus, path), json=body)
    assert (reply.status_code, reply.json()["code"]) == (401, "ADMIN_CREDENTIAL_REQUIRED")
    wrong = await client.request(
        method, _admin(bus, path), json=body, headers={"Authorization": "Bearer nope"}
    )
    assert wrong.status_code == 401
    # Nothing changed.
    assert (await _data(client, bus, EPTS, VIN_OK))["passport"]["make"] == "JAC"
