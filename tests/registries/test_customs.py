"""Customs payments through the real gateway: every vehicle of the persona catalogue (V4),
the record of a Kazakh-made vehicle's imported kit, the VIN check-digit flag, tester
scenarios, malformed VINs and the admin API. Runs on SQLite and on the real PostgreSQL."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from customs.seed import load_records
from egov import personas
from egov.launcher import BusPlan
from tests.harness import ADMIN, envelope, send

PAYMENTS = "CUSTOMS_PaymentsByVin"
VEHICLES = {v["key"]: v["vin"] for v in personas.load()["vehicles"]}
SEEDED = {r["vin"]: r for r in load_records()}
SARYARKA = "090240033217"
VIN_OK = VEHICLES["vin_ok"]
VIN_OK_WRONG_CHECK_DIGIT = "MXAJC4110TK100201"  # vin_ok with 0 where its check digit 1 is
PARTLY_PAID = "MXAJC4116TK100601"
NO_CHECK_DIGIT = "WVWZZZCDZRW012345"  # a European VIN: Z where North America wants a digit
UNSEEDED = "MXAJC4116TK100701"  # valid check digit, no record


async def _data(
    client: httpx.AsyncClient, bus: BusPlan, vin: Any, **headers: str
) -> dict[str, Any]:
    reply = await send(client, bus, envelope(PAYMENTS, {"vin": vin}), headers=headers)
    assert reply.status_code == 200, reply.text
    answer: dict[str, Any] = reply.json()["responseData"]["data"]
    return answer


@pytest.mark.parametrize("key", sorted(VEHICLES))
async def test_v4_every_catalogue_vehicle_answers_its_branch(
    bus: BusPlan, client: httpx.AsyncClient, key: str
) -> None:
    answer = await _data(client, bus, VEHICLES[key])
    assert (answer["vin"], answer["vinCheckDigitValid"]) == (VEHICLES[key], True)
    if key == "vin_customs_no_record":
        assert (answer["found"], answer["paid"], answer["declaration"], answer["code"]) == (
            False,
            False,
            None,
            "CUSTOMS_RECORD_NOT_FOUND",
        )
        return
    declaration = answer["declaration"]
    assert answer["found"] is True
    if key == "vin_customs_unpaid":
        assert (answer["paid"], answer["code"]) == (False, "CUSTOMS_NOT_PAID")
        assert (declaration["paymentStatus"], declaration["paidAmount"]) == ("UNPAID", 0)
        assert declaration["outstanding"] == declaration["total"] > 0
        assert declaration["paymentDate"] is None
        assert "734" in answer["messages"]["ru"]  # the amount due, 734 000 ₸
        return
    assert (answer["paid"], answer["code"], answer["messages"]) == (True, None, None)
    assert (declaration["paymentStatus"], declaration["outstanding"]) == ("PAID", 0)
    assert declaration["paidAmount"] == declaration["total"]
    assert declaration["paymentDate"] is not None


async def test_v4_kazakh_made_vehicle_has_its_kit_record(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    declaration = (await _data(client, bus, VIN_OK))["declaration"]
    assert declaration["goodsKind"] == "VEHICLE_KIT"
    assert declaration["declarationNumber"] == "55210100/181025/0027311"
    assert declaration["declarationDate"] == "2025-10-18"
    assert declaration["customsPost"]["code"] == "55210100"
    assert declaration["customsPost"]["nameKk"]
    assert declaration["payer"] == {"bin": SARYARKA, "iin": None, "name": "ТОО «СарыаркаАвтоПром»"}
    # Industrial assembly: no duty or excise; VAT and the customs fee are paid.
    assert (declaration["duty"], declaration["excise"]) == (0, 0)
    assert declaration["vat"] == 696_000
    assert declaration["total"] == declaration["vat"] + declaration["customsFee"]
    assert declaration["currency"] == "KZT"


async def test_foreign_made_vehicle_was_paid_by_its_importer(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    declaration = (await _data(client, bus, VEHICLES["vin_foreign_made"]))["declaration"]
    assert (declaration["goodsKind"], declaration["originCountry"]) == ("VEHICLE", "RU")
    assert declaration["payer"]["bin"] == "160650014403"


async def test_v4_partly_paid_vehicle_is_not_paid(bus: BusPlan, client: httpx.AsyncClient) -> None:
    answer = await _data(client, bus, PARTLY_PAID)
    declaration = answer["declaration"]
    assert (answer["found"], answer["paid"], answer["code"]) == (
        True,
        False,
        "CUSTOMS_PARTIALLY_PAID",
    )
    assert declaration["paymentStatus"] == "PARTIALLY_PAID"
    assert declaration["outstanding"] == declaration["total"] - 400_000
    assert "352\N{NO-BREAK SPACE}000" in answer["messages"]["ru"]


async def test_a_wrong_check_digit_is_flagged_not_refused(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    unknown = await _data(client, bus, VIN_OK_WRONG_CHECK_DIGIT)
    assert (unknown["vinCheckDigitValid"], unknown["found"]) == (False, False)
    european = await _data(client, bus, NO_CHECK_DIGIT)
    assert (european["vinCheckDigitValid"], european["found"], european["paid"]) == (
        False,
        True,
        True,
    )
    assert european["declaration"]["payer"] == {
        "bin": None,
        "iin": "821203414816",
        "name": "Шевченко Ольга Николаевна",
    }
    assert european["declaration"]["duty"] == 1_680_000


async def test_vin_is_read_in_upper_case(bus: BusPlan, client: httpx.AsyncClient) -> None:
    answer = await _data(client, bus, f" {VIN_OK.lower()} ")
    assert (answer["vin"], answer["found"]) == (VIN_OK, True)


async def test_unseeded_vin_is_an_answer_not_a_fault(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    answer = await _data(client, bus, UNSEEDED)
    assert (answer["found"], answer["code"]) == (False, "CUSTOMS_RECORD_NOT_FOUND")
    assert len(set(answer["messages"].values())) == 3


@pytest.mark.parametrize(
    ("scenario", "found", "code"),
    [
        ("customs.not_found", False, "CUSTOMS_RECORD_NOT_FOUND"),
        ("customs.unpaid", True, "CUSTOMS_NOT_PAID"),
        ("recycling_fee.unpaid", True, None),
    ],
)
async def test_v4_scenarios(
    bus: BusPlan, client: httpx.AsyncClient, scenario: str, found: bool, code: str | None
) -> None:
    answer = await _data(client, bus, VIN_OK, **{"X-Test-Scenario": scenario})
    assert (answer["found"], answer["code"], answer["paid"]) == (found, code, code is None)
    if scenario == "customs.unpaid":
        declaration = answer["declaration"]
        assert (declaration["paymentStatus"], declaration["paidAmount"]) == ("UNPAID", 0)
        assert (declaration["outstanding"], declaration["paymentDate"]) == (
            declaration["total"],
            None,
        )
    assert (await _data(client, bus, VIN_OK))["paid"] is True


async def test_scenario_unpaid_leaves_a_vin_without_record_not_found(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    no_record = VEHICLES["vin_customs_no_record"]
    answer = await _data(client, bus, no_record, **{"X-Test-Scenario": "customs.unpaid"})
    assert (answer["found"], answer["code"]) == (False, "CUSTOMS_RECORD_NOT_FOUND")


@pytest.mark.parametrize(
    ("vin", "code"),
    [
        ("MXAJC4111TK10020", "VIN_LENGTH"),
        ("MXAJC4111TK1002011", "VIN_LENGTH"),
        ("MXAJC4111TK10020O", "VIN_CHARACTERS"),
        ("MXAJC4111TK10020-", "VIN_CHARACTERS"),
        (12345678901234567, "WRONG_TYPE"),
        (None, "WRONG_TYPE"),
    ],
)
async def test_malformed_vin_is_a_4xx_naming_the_field(
    bus: BusPlan, client: httpx.AsyncClient, vin: Any, code: str
) -> None:
    reply = await send(client, bus, envelope(PAYMENTS, {"vin": vin}))
    assert reply.status_code == 422
    problem = reply.json()
    assert (problem["code"], problem["field"]) == ("PROVIDER_ERROR", "requestData.data.vin")
    assert problem["errorInfo"]["subError"]["errorCode"] == code


@pytest.mark.parametrize(
    ("sender", "password", "status"),
    [
        ("registration_service", "registration-secret", 200),
        ("frontoffice_service", "frontoffice-secret", 403),
        ("dealer-crm", "dealer-secret", 403),
    ],
)
async def test_who_may_ask(
    bus: BusPlan, client: httpx.AsyncClient, sender: str, password: str, status: int
) -> None:
    request = envelope(PAYMENTS, {"vin": VIN_OK}, sender={"senderId": sender, "password": password})
    assert (await send(client, bus, request)).status_code == status


# --- admin API ------------------------------------------------------------------------------


def _body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "declarationNumber": "55207100/011126/0040001",
        "declarationDate": "2026-11-01",
        "goodsKind": "VEHICLE",
        "customsPost": {
            "code": "55207100",
            "name": "Таможенный пост «Алматы — центр таможенного оформления»",
            "nameKk": "«Алматы — кедендік ресімдеу орталығы» кеден бекеті",
        },
        "originCountry": "CN",
        "customsValue": 10_000_000,
        "duty": 1_500_000,
        "vat": 1_380_000,
        "excise": 0,
        "customsFee": 20_000,
        "paidAmount": 0,
        "payer": {"bin": "150440012354", "name": "ТОО «Астана Моторс Алматы»"},
    }
    body.update(changes)
    return body


async def test_admin_needs_the_credential(bus: BusPlan, client: httpx.AsyncClient) -> None:
    base = f"{bus.url('customs')}/admin/declarations"
    for method, url in [
        ("GET", base),
        ("GET", f"{base}/{VIN_OK}"),
        ("PUT", f"{base}/{UNSEEDED}"),
        ("DELETE", f"{base}/{VIN_OK}"),
    ]:
        reply = await client.request(method, url, json=_body() if method == "PUT" else None)
        assert (reply.status_code, reply.json()["code"]) == (401, "ADMIN_CREDENTIAL_REQUIRED")
    assert (await _data(client, bus, VIN_OK))["found"] is True


async def test_admin_lists_with_filters(bus: BusPlan, client: httpx.AsyncClient) -> None:
    base = f"{bus.url('customs')}/admin/declarations"
    everything = (await client.get(base, headers=ADMIN)).json()
    assert {d["vin"] for d in everything} >= set(SEEDED)
    unpaid = (await client.get(base, params={"status": "UNPAID"}, headers=ADMIN)).json()
    assert [d["vin"] for d in unpaid] == [VEHICLES["vin_customs_unpaid"]]
    partly = (await client.get(base, params={"status": "PARTIALLY_PAID"}, headers=ADMIN)).json()
    assert [d["vin"] for d in partly] == [PARTLY_PAID]
    paid = (await client.get(base, params={"status": "PAID"}, headers=ADMIN)).json()
    assert len(paid) == len(SEEDED) - 2
    by_person = (await client.get(base, params={"payer": "821203414816"}, headers=ADMIN)).json()
    assert [d["vin"] for d in by_person] == [NO_CHECK_DIGIT]
    assert len((await client.get(base, params={"limit": 3}, headers=ADMIN)).json()) == 3


async def test_admin_get_one(bus: BusPlan, client: httpx.AsyncClient) -> None:
    base = f"{bus.url('customs')}/admin/declarations"
    entry = (await client.get(f"{base}/{VIN_OK.lower()}", headers=ADMIN)).json()
    assert (entry["vin"], entry["paymentStatus"]) == (VIN_OK, "PAID")
    assert entry["updatedAt"]
    absent = await client.get(f"{base}/{UNSEEDED}", headers=ADMIN)
    assert (absent.status_code, absent.json()["code"]) == (404, "NOT_FOUND")
    malformed = await client.get(f"{base}/MXAJC4111TK10020", headers=ADMIN)
    assert (malformed.status_code, malformed.json()["code"]) == (422, "VIN_LENGTH")


async def test_v4_admin_changes_take_effect_through_the_gateway(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    url = f"{bus.url('customs')}/admin/declarations/{UNSEEDED}"
    put = await client.put(url, json=_body(), headers=ADMIN)
    assert put.status_code == 200, put.text
    assert (put.json()["total"], put.json()["paymentStatus"]) == (2_900_000, "UNPAID")
    answer = await _data(client, bus, UNSEEDED)
    assert (answer["found"], answer["paid"], answer["code"]) == (True, False, "CUSTOMS_NOT_PAID")

    paid = _body(paidAmount=2_900_000, paymentDate="2026-11-02")
    assert (await client.put(url, json=paid, headers=ADMIN)).status_code == 200
    answer = await _data(client, bus, UNSEEDED)
    assert (answer["paid"], answer["declaration"]["paymentDate"]) == (True, "2026-11-02")

    assert (await client.delete(url, headers=ADMIN)).status_code == 204
    assert (await _data(client, bus, UNSEEDED))["found"] is False
    again = await client.delete(url, headers=ADMIN)
    assert (again.status_code, again.json()["code"]) == (404, "NOT_FOUND")


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"declarationDate": "2026-11-02"}, "CUSTOMS_DECLARATION_DATE", "declarationDate"),
        ({"declarationNumber": "55207100/311326/0040001"}, "CUSTOMS_DECLARATION_DATE", None),
        ({"declarationNumber": "5520710/011126/0040001"}, "INVALID_VALUE", "declarationNumber"),
        ({"payer": {"name": "никто"}}, "CUSTOMS_PAYER", "payer"),
        (
            {"payer": {"bin": "150440012354", "iin": "900515310005", "name": "оба"}},
            "CUSTOMS_PAYER",
            "payer",
        ),
        ({"payer": {"iin": "900515310006", "name": "x"}}, "IIN_CHECK_DIGIT", "payer.iin"),
        ({"paidAmount": 3_000_000, "paymentDate": "2026-11-02"}, "CUSTOMS_OVERPAID", "paidAmount"),
        ({"paidAmount": 100}, "CUSTOMS_PAYMENT_DATE", "paymentDate"),
        ({"paymentDate": "2026-11-02"}, "CUSTOMS_PAYMENT_DATE", "paymentDate"),
        ({"duty": -1}, "INVALID_VALUE", "duty"),
        ({"originCountry": "kz"}, "INVALID_VALUE", "originCountry"),
        ({"paymentStatus": "PAID"}, "UNKNOWN_FIELD", "paymentStatus"),
    ],
)
async def test_admin_refuses_an_inconsistent_record(
    bus: BusPlan,
    client: httpx.AsyncClient,
    changes: dict[str, Any],
    code: str,
    field: str | None,
) -> None:
    url = f"{bus.url('customs')}/admin/declarations/{UNSEEDED}"
    reply = await client.put(url, json=_body(**changes), headers=ADMIN)
    assert reply.status_code == 422, reply.text
    problem = reply.json()
    assert problem["code"] == code
    if field is not None:
        assert problem["field"] == field
    assert len(set(problem["messages"].values())) == 3
    assert (await client.get(url, headers=ADMIN)).status_code == 404
