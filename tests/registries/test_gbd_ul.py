"""ГБД ЮЛ through the real gateway: every legal entity of the persona catalogue (V1: the
seller's status and ОКЭД codes), the entity type the БИН encodes, tester scenarios, malformed
БИН and the admin API. Runs on SQLite and on the real PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from egov import personas
from egov.launcher import BusPlan
from gbd_ul.seed import load_records
from servicekit.clock import bus_clock
from tests.harness import ADMIN, envelope, send

ORGANIZATION = "GBDUL_UniversalServiceSync"
ENTITIES = personas.load()["legal_entities"]
SEEDED = {r["bin"]: r for r in load_records()}
DEALER = "150440012354"
DEALER_DIRECTOR = "751005413707"
LIQUIDATED_DEALER = "120740055185"
UNKNOWN_BIN = "240340001235"  # kz-reference §1: valid, resident head unit of 03.2024, unseeded


async def _data(
    client: httpx.AsyncClient, bus: BusPlan, bin_: Any, **headers: str
) -> dict[str, Any]:
    reply = await send(client, bus, envelope(ORGANIZATION, {"bin": bin_}), headers=headers)
    assert reply.status_code == 200, reply.text
    answer: dict[str, Any] = reply.json()["responseData"]["data"]
    return answer


def _codes(organization: dict[str, Any]) -> list[str]:
    return [organization["okedMain"]["code"], *(c["code"] for c in organization["okedSecondary"])]


@pytest.mark.parametrize("entity", ENTITIES, ids=lambda e: e["key"])
async def test_v1_every_catalogue_entity_answers_as_catalogued(
    bus: BusPlan, client: httpx.AsyncClient, entity: dict[str, Any]
) -> None:
    answer = await _data(client, bus, entity["bin"])
    assert (answer["found"], answer["code"], answer["messages"]) == (True, None, None)
    organization = answer["organization"]
    assert organization["bin"] == entity["bin"]
    assert organization["shortName"] == entity["name"]
    assert organization["status"] == entity["status"]
    # The catalogue's YAML reads ОКЭД as numbers; the registry keeps five-digit codes.
    assert _codes(organization) == [f"{code:05d}" for code in entity["oked"]]
    registered = organization["registrationDate"]
    assert (registered[2:4], registered[5:7]) == (entity["bin"][:2], entity["bin"][2:4])
    assert (organization["liquidationDate"] is None) == (entity["status"] != "LIQUIDATED")


async def test_v1_dealer_in_full(bus: BusPlan, client: httpx.AsyncClient) -> None:
    organization = (await _data(client, bus, DEALER))["organization"]
    assert (
        organization["name"]
        == "Товарищество с ограниченной ответственностью «Астана Моторс Алматы»"
    )
    assert organization["nameKk"] == "«Астана Моторс Алматы» жауапкершілігі шектеулі серіктестігі"
    assert organization["shortNameKk"] == "«Астана Моторс Алматы» ЖШС"
    assert organization["entityType"] == {"residency": "RESIDENT", "division": "HEAD_UNIT"}
    assert organization["head"]["iin"] == DEALER_DIRECTOR  # the catalogue's dealer_director
    assert organization["head"]["lastName"] == "Сулейменова"
    assert organization["address"]["regionCode"] == "02"
    assert organization["okedMain"] == {
        "code": "45112",
        "name": "Розничная торговля легковыми автомобилями и легкими автотранспортными средствами",
        "nameKk": "Жеңіл автомобильдермен және жеңіл автокөлік құралдарымен бөлшек сауда",
    }
    # Whether this is vehicle trade is the state service's call: no such verdict here.
    assert "vehicleTrade" not in organization


@pytest.mark.parametrize(
    ("bin_", "residency", "division", "parent"),
    [
        ("150440012354", "RESIDENT", "HEAD_UNIT", None),
        ("190941234567", "RESIDENT", "BRANCH", "150440012354"),
        ("170552045125", "NON_RESIDENT", "REPRESENTATIVE_OFFICE", None),
        ("210260008718", "JOINT_ENTREPRENEURSHIP", "HEAD_UNIT", None),
        ("100543088028", "RESIDENT", "PEASANT_FARM", None),
        ("160650014403", "NON_RESIDENT", "HEAD_UNIT", None),
    ],
)
async def test_entity_type_is_read_from_the_bin(
    bus: BusPlan,
    client: httpx.AsyncClient,
    bin_: str,
    residency: str,
    division: str,
    parent: str | None,
) -> None:
    organization = (await _data(client, bus, bin_))["organization"]
    assert organization["entityType"] == {"residency": residency, "division": division}
    assert organization["parentBin"] == parent


@pytest.mark.parametrize(
    ("bin_", "status", "codes"),
    [
        ("120740055185", "LIQUIDATED", ["45111"]),
        ("201040318709", "SUSPENDED", ["45112", "45111"]),
        ("140340092149", "IN_LIQUIDATION", ["45112"]),
        ("220640177338", "ACTIVE", ["45320", "45112"]),
        ("190340020468", "ACTIVE", ["41201", "43110"]),
    ],
)
async def test_v1_branches_of_the_seller(
    bus: BusPlan, client: httpx.AsyncClient, bin_: str, status: str, codes: list[str]
) -> None:
    organization = (await _data(client, bus, bin_))["organization"]
    assert (organization["status"], _codes(organization)) == (status, codes)


async def test_liquidated_entity_carries_its_liquidation_date(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    organization = (await _data(client, bus, LIQUIDATED_DEALER))["organization"]
    assert organization["liquidationDate"] == SEEDED[LIQUIDATED_DEALER]["liquidationDate"]


async def test_unknown_bin_is_an_answer_not_a_fault(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    answer = await _data(client, bus, UNKNOWN_BIN)
    assert (answer["found"], answer["organization"], answer["code"]) == (
        False,
        None,
        "ORGANIZATION_NOT_FOUND",
    )
    assert len(set(answer["messages"].values())) == 3
    assert "БИН" in answer["messages"]["ru"]


async def test_scenario_not_found(bus: BusPlan, client: httpx.AsyncClient) -> None:
    answer = await _data(client, bus, DEALER, **{"X-Test-Scenario": "gbd_ul.not_found"})
    assert (answer["found"], answer["code"]) == (False, "ORGANIZATION_NOT_FOUND")


async def test_v1_scenario_liquidated_reports_the_seller_liquidated_today(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    bus_clock.freeze(datetime(2026, 11, 20, 6, 0, tzinfo=UTC))
    scenario = {"X-Test-Scenario": "gbd_ul.liquidated"}
    organization = (await _data(client, bus, DEALER, **scenario))["organization"]
    assert (organization["status"], organization["liquidationDate"]) == (
        "LIQUIDATED",
        "2026-11-20",
    )
    # An entity liquidated already keeps its own date.
    liquidated = (await _data(client, bus, LIQUIDATED_DEALER, **scenario))["organization"]
    assert liquidated["liquidationDate"] == SEEDED[LIQUIDATED_DEALER]["liquidationDate"]
    # Without the header the seed is untouched.
    assert (await _data(client, bus, DEALER))["organization"]["status"] == "ACTIVE"


async def test_scenarios_of_other_registries_are_ignored(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    answer = await _data(client, bus, DEALER, **{"X-Test-Scenario": "customs.not_found"})
    assert answer["organization"]["status"] == "ACTIVE"


@pytest.mark.parametrize(
    ("bin_", "code"),
    [
        ("15044001235", "BIN_LENGTH"),
        ("1504400123545", "BIN_LENGTH"),
        ("15044001235X", "BIN_NOT_DIGITS"),
        ("151340012354", "BIN_MONTH"),
        ("150470012354", "BIN_TYPE"),
        ("150440012355", "BIN_CHECK_DIGIT"),
        (150440012354, "WRONG_TYPE"),
        (None, "WRONG_TYPE"),
    ],
)
async def test_malformed_bin_is_a_4xx_naming_the_field(
    bus: BusPlan, client: httpx.AsyncClient, bin_: Any, code: str
) -> None:
    reply = await send(client, bus, envelope(ORGANIZATION, {"bin": bin_}))
    assert reply.status_code == 422
    assert reply.headers["content-type"] == "application/problem+json"
    problem = reply.json()
    assert problem["code"] == "PROVIDER_ERROR"
    assert problem["field"] == "requestData.data.bin"
    assert problem["errorInfo"]["subError"]["errorCode"] == code


@pytest.mark.parametrize(
    ("data", "code", "field"),
    [
        ({}, "FIELD_REQUIRED", "requestData.data.bin"),
        ({"bin": DEALER, "iin": DEALER_DIRECTOR}, "UNKNOWN_FIELD", "requestData.data.iin"),
    ],
)
async def test_request_data_of_the_wrong_shape(
    bus: BusPlan, client: httpx.AsyncClient, data: dict[str, Any], code: str, field: str
) -> None:
    reply = await send(client, bus, envelope(ORGANIZATION, data))
    assert reply.status_code == 422
    problem = reply.json()
    assert (problem["field"], problem["errorInfo"]["subError"]["errorCode"]) == (field, code)


@pytest.mark.parametrize(
    ("sender", "password", "status"),
    [
        ("registration_service", "registration-secret", 200),
        ("frontoffice_service", "frontoffice-secret", 200),
        ("dealer-crm", "dealer-secret", 403),
    ],
)
async def test_who_may_ask(
    bus: BusPlan, client: httpx.AsyncClient, sender: str, password: str, status: int
) -> None:
    request = envelope(
        ORGANIZATION, {"bin": DEALER}, sender={"senderId": sender, "password": password}
    )
    reply = await send(client, bus, request)
    assert reply.status_code == status
    if status == 403:
        assert reply.json()["code"] == "ACCESS_DENIED"


# --- admin API ------------------------------------------------------------------------------


def _body(**changes: Any) -> dict[str, Any]:
    """A new resident head unit registered in 03.2024, as UNKNOWN_BIN says."""
    body: dict[str, Any] = {
        "name": "Товарищество с ограниченной ответственностью «Тест Авто»",
        "nameKk": "«Тест Авто» жауапкершілігі шектеулі серіктестігі",
        "shortName": "ТОО «Тест Авто»",
        "shortNameKk": "«Тест Авто» ЖШС",
        "status": "ACTIVE",
        "registrationDate": "2024-03-05",
        "head": {
            "iin": "900515310005",
            "lastName": "Серикбаев",
            "firstName": "Нурлан",
            "middleName": "Маратович",
            "position": "Директор",
            "positionKk": "Директор",
        },
        "address": {
            "regionCode": "02",
            "region": "г. Алматы",
            "regionKk": "Алматы қаласы",
            "locality": "Алматы",
            "street": "ул. Толе би",
            "house": "101",
        },
        "okedMain": "45112",
        "okedSecondary": ["45200", "99999"],
    }
    body.update(changes)
    return body


async def test_admin_needs_the_credential(bus: BusPlan, client: httpx.AsyncClient) -> None:
    base = f"{bus.url('gbd_ul')}/admin/organizations"
    for method, url in [
        ("GET", base),
        ("GET", f"{base}/{DEALER}"),
        ("PUT", f"{base}/{UNKNOWN_BIN}"),
        ("DELETE", f"{base}/{DEALER}"),
    ]:
        reply = await client.request(method, url, json=_body() if method == "PUT" else None)
        assert reply.status_code == 401, (method, url)
        assert reply.json()["code"] == "ADMIN_CREDENTIAL_REQUIRED"
    wrong = {"Authorization": "Bearer not-the-token"}
    assert (await client.get(base, headers=wrong)).status_code == 401
    assert (await _data(client, bus, DEALER))["found"] is True


async def test_admin_lists_with_filters(bus: BusPlan, client: httpx.AsyncClient) -> None:
    base = f"{bus.url('gbd_ul')}/admin/organizations"
    everything = (await client.get(base, headers=ADMIN)).json()
    assert {o["bin"] for o in everything} >= {e["bin"] for e in ENTITIES}
    assert all(o["updatedAt"] for o in everything)
    liquidated = (await client.get(base, params={"status": "LIQUIDATED"}, headers=ADMIN)).json()
    assert [o["bin"] for o in liquidated] == [LIQUIDATED_DEALER]
    trade = (await client.get(base, params={"oked": "45111"}, headers=ADMIN)).json()
    assert {DEALER, "181140073105", LIQUIDATED_DEALER} <= {o["bin"] for o in trade}
    assert "190340020468" not in {o["bin"] for o in trade}
    named = (await client.get(base, params={"name": "Кокше"}, headers=ADMIN)).json()
    assert [o["bin"] for o in named] == ["181140073105"]
    two = (await client.get(base, params={"limit": 2}, headers=ADMIN)).json()
    assert len(two) == 2
    bad = await client.get(base, params={"oked": "4511"}, headers=ADMIN)
    assert (bad.status_code, bad.json()["field"]) == (422, "oked")


async def test_admin_get_one(bus: BusPlan, client: httpx.AsyncClient) -> None:
    base = f"{bus.url('gbd_ul')}/admin/organizations"
    entry = (await client.get(f"{base}/{DEALER}", headers=ADMIN)).json()
    assert (entry["bin"], entry["head"]["iin"]) == (DEALER, DEALER_DIRECTOR)
    absent = await client.get(f"{base}/{UNKNOWN_BIN}", headers=ADMIN)
    assert (absent.status_code, absent.json()["code"]) == (404, "NOT_FOUND")
    malformed = await client.get(f"{base}/150440012355", headers=ADMIN)
    assert (malformed.status_code, malformed.json()["code"]) == (422, "BIN_CHECK_DIGIT")


async def test_admin_changes_take_effect_through_the_gateway(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    url = f"{bus.url('gbd_ul')}/admin/organizations/{UNKNOWN_BIN}"
    assert (await _data(client, bus, UNKNOWN_BIN))["found"] is False

    put = await client.put(url, json=_body(), headers=ADMIN)
    assert put.status_code == 200, put.text
    assert put.json()["entityType"] == {"residency": "RESIDENT", "division": "HEAD_UNIT"}
    organization = (await _data(client, bus, UNKNOWN_BIN))["organization"]
    assert (organization["shortName"], organization["status"]) == ("ТОО «Тест Авто»", "ACTIVE")
    assert _codes(organization) == ["45112", "45200", "99999"]
    # A code the classifier has no name for is still answered, without a name.
    assert organization["okedSecondary"][1] == {"code": "99999", "name": None, "nameKk": None}

    replaced = _body(status="LIQUIDATED", liquidationDate="2026-11-01", okedSecondary=[])
    assert (await client.put(url, json=replaced, headers=ADMIN)).status_code == 200
    organization = (await _data(client, bus, UNKNOWN_BIN))["organization"]
    assert (organization["status"], organization["liquidationDate"]) == ("LIQUIDATED", "2026-11-01")
    assert organization["okedSecondary"] == []

    assert (await client.delete(url, headers=ADMIN)).status_code == 204
    assert (await _data(client, bus, UNKNOWN_BIN))["code"] == "ORGANIZATION_NOT_FOUND"
    again = await client.delete(url, headers=ADMIN)
    assert (again.status_code, again.json()["code"]) == (404, "NOT_FOUND")


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"registrationDate": "2024-04-05"}, "REGISTRATION_DATE_NOT_IN_BIN", "registrationDate"),
        ({"liquidationDate": "2026-11-01"}, "LIQUIDATION_DATE_STATUS", "liquidationDate"),
        ({"status": "LIQUIDATED"}, "LIQUIDATION_DATE_STATUS", "liquidationDate"),
        ({"okedSecondary": ["45200", "45112"]}, "OKED_REPEATED", "okedSecondary[1]"),
        ({"okedMain": "4511"}, "INVALID_VALUE", "okedMain"),
        ({"status": "BANKRUPT"}, "INVALID_VALUE", "status"),
        ({"parentBin": "150440012355"}, "BIN_CHECK_DIGIT", "parentBin"),
        ({"vehicleTrade": True}, "UNKNOWN_FIELD", "vehicleTrade"),
    ],
)
async def test_admin_refuses_an_inconsistent_record(
    bus: BusPlan,
    client: httpx.AsyncClient,
    changes: dict[str, Any],
    code: str,
    field: str,
) -> None:
    url = f"{bus.url('gbd_ul')}/admin/organizations/{UNKNOWN_BIN}"
    reply = await client.put(url, json=_body(**changes), headers=ADMIN)
    assert reply.status_code == 422, reply.text
    problem = reply.json()
    assert (problem["code"], problem["field"]) == (code, field)
    assert len(set(problem["messages"].values())) == 3
    assert (await client.get(url, headers=ADMIN)).status_code == 404


async def test_admin_refuses_a_malformed_head_iin(bus: BusPlan, client: httpx.AsyncClient) -> None:
    url = f"{bus.url('gbd_ul')}/admin/organizations/{UNKNOWN_BIN}"
    body = _body()
    body["head"]["iin"] = "900515310006"
    reply = await client.put(url, json=body, headers=ADMIN)
    assert (reply.status_code, reply.json()["code"], reply.json()["field"]) == (
        422,
        "IIN_CHECK_DIGIT",
        "head.iin",
    )
