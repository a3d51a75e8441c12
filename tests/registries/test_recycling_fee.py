"""The recycling fee (АО «Жасыл даму») through the real gateway: every vehicle of the persona
catalogue (V5), the fee of 50 МРП × coefficient at the payment year's МРП, the VIN check-digit
flag, tester scenarios, malformed VINs and the admin API. Runs on SQLite and on the real
PostgreSQL."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from egov import personas
from egov.launcher import BusPlan
from recycling_fee.seed import load_records
from tests.harness import ADMIN, envelope, send

FEE = "RECYCLING_FeeByVin"
VEHICLES = {v["key"]: v["vin"] for v in personas.load()["vehicles"]}
SEEDED = {r["vin"]: r for r in load_records()}
SARYARKA = "090240033217"
VIN_OK = VEHICLES["vin_ok"]
VIN_OK_WRONG_CHECK_DIGIT = "MXAJC4110TK100201"  # vin_ok with 0 where its check digit 1 is
ELECTRIC = "MXAJE4100TK100501"
UNSEEDED = "MXAJC4116TK100701"  # valid check digit, no record
MRP_2025, MRP_2026 = 3932, 4325  # kz-reference §6


async def _data(
    client: httpx.AsyncClient, bus: BusPlan, vin: Any, **headers: str
) -> dict[str, Any]:
    reply = await send(client, bus, envelope(FEE, {"vin": vin}), headers=headers)
    assert reply.status_code == 200, reply.text
    answer: dict[str, Any] = reply.json()["responseData"]["data"]
    return answer


@pytest.mark.parametrize("key", sorted(VEHICLES))
async def test_v5_every_catalogue_vehicle_answers_its_branch(
    bus: BusPlan, client: httpx.AsyncClient, key: str
) -> None:
    vin = VEHICLES[key]
    answer = await _data(client, bus, vin)
    assert (answer["vin"], answer["vinCheckDigitValid"], answer["found"]) == (vin, True, True)
    fee = answer["fee"]
    if key == "vin_recycling_unpaid":
        assert (answer["paid"], answer["code"], fee["status"]) == (
            False,
            "RECYCLING_FEE_NOT_PAID",
            "UNPAID",
        )
        assert (fee["paymentDate"], fee["certificateNumber"]) == (None, None)
        # Unpaid: priced with the МРП of the year the obligation arose (2026).
        assert (fee["mrpYear"], fee["amount"]) == (2026, 756_875)
        assert "756\N{NO-BREAK SPACE}875" in answer["messages"]["ru"]
        return
    assert (answer["paid"], answer["code"], answer["messages"]) == (True, None, None)
    assert fee["status"] == "PAID"
    assert fee["certificateNumber"] == f"ЖД-РОП-{fee['paymentDate'][:4]}-0{vin[-6:]}"
    if key == "vin_foreign_made":
        assert fee["payer"] == {
            "bin": "160650014403",
            "name": "Филиал иностранного производителя",
            "role": "IMPORTER",
        }
    else:
        assert (fee["payer"]["bin"], fee["payer"]["role"]) == (SARYARKA, "MANUFACTURER")


@pytest.mark.parametrize(
    ("vin", "year", "mrp", "coefficient", "amount"),
    [
        (VIN_OK, 2026, MRP_2026, 3.5, 756_875),  # 50 × 4 325 × 3.5
        (VEHICLES["vin_foreign_made"], 2025, MRP_2025, 2.5, 491_500),  # 50 × 3 932 × 2.5
        (ELECTRIC, 2026, MRP_2026, 0.0, 0),  # an electric car's coefficient is zero
    ],
)
async def test_v5_fee_is_50_mrp_times_the_coefficient_at_the_payment_year(
    bus: BusPlan,
    client: httpx.AsyncClient,
    vin: str,
    year: int,
    mrp: int,
    coefficient: float,
    amount: int,
) -> None:
    fee = (await _data(client, bus, vin))["fee"]
    assert (fee["baseRateMrp"], fee["coefficient"]) == (50, coefficient)
    assert (fee["mrpYear"], fee["mrp"], fee["amount"], fee["currency"]) == (
        year,
        mrp,
        amount,
        "KZT",
    )
    assert fee["paymentDate"].startswith(str(year))


async def test_a_wrong_check_digit_is_flagged_not_refused(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    answer = await _data(client, bus, VIN_OK_WRONG_CHECK_DIGIT)
    assert (answer["vinCheckDigitValid"], answer["found"], answer["code"]) == (
        False,
        False,
        "RECYCLING_FEE_NOT_FOUND",
    )
    assert len(set(answer["messages"].values())) == 3


@pytest.mark.parametrize(
    ("scenario", "found", "code"),
    [
        ("recycling_fee.not_found", False, "RECYCLING_FEE_NOT_FOUND"),
        ("recycling_fee.unpaid", True, "RECYCLING_FEE_NOT_PAID"),
        ("customs.unpaid", True, None),
    ],
)
async def test_v5_scenarios(
    bus: BusPlan, client: httpx.AsyncClient, scenario: str, found: bool, code: str | None
) -> None:
    vin = VEHICLES["vin_foreign_made"]
    answer = await _data(client, bus, vin, **{"X-Test-Scenario": scenario})
    assert (answer["found"], answer["code"], answer["paid"]) == (found, code, code is None)
    if scenario == "recycling_fee.unpaid":
        fee = answer["fee"]
        assert (fee["status"], fee["paymentDate"], fee["certificateNumber"]) == (
            "UNPAID",
            None,
            None,
        )
        assert (fee["mrpYear"], fee["amount"]) == (2025, 491_500)
    assert (await _data(client, bus, vin))["paid"] is True


@pytest.mark.parametrize(
    ("vin", "code"),
    [
        ("MXAJC4111TK10020", "VIN_LENGTH"),
        ("MXAJC4111TK10020Q", "VIN_CHARACTERS"),
        ("MXAJC4111TK10020Ж", "VIN_CHARACTERS"),
        ([VIN_OK], "WRONG_TYPE"),
    ],
)
async def test_malformed_vin_is_a_4xx_naming_the_field(
    bus: BusPlan, client: httpx.AsyncClient, vin: Any, code: str
) -> None:
    reply = await send(client, bus, envelope(FEE, {"vin": vin}))
    assert reply.status_code == 422
    problem = reply.json()
    assert (problem["code"], problem["field"]) == ("PROVIDER_ERROR", "requestData.data.vin")
    assert problem["errorInfo"]["subError"]["errorCode"] == code


async def test_only_the_registration_service_may_ask(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    for sender, password, status in [
        ("registration_service", "registration-secret", 200),
        ("frontoffice_service", "frontoffice-secret", 403),
    ]:
        request = envelope(FEE, {"vin": VIN_OK}, sender={"senderId": sender, "password": password})
        assert (await send(client, bus, request)).status_code == status


# --- admin API ------------------------------------------------------------------------------


def _body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "payer": {"bin": SARYARKA, "name": "ТОО «СарыаркаАвтоПром»", "role": "MANUFACTURER"},
        "vehicleCategory": "M1",
        "engineVolumeCc": 1998,
        "coefficient": 1.75,
        "obligationDate": "2026-11-02",
        "status": "UNPAID",
    }
    body.update(changes)
    return body


async def test_admin_needs_the_credential(bus: BusPlan, client: httpx.AsyncClient) -> None:
    base = f"{bus.url('recycling_fee')}/admin/fees"
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
    base = f"{bus.url('recycling_fee')}/admin/fees"
    everything = (await client.get(base, headers=ADMIN)).json()
    assert {f["vin"] for f in everything} >= set(SEEDED)
    unpaid = (await client.get(base, params={"status": "UNPAID"}, headers=ADMIN)).json()
    assert [f["vin"] for f in unpaid] == [VEHICLES["vin_recycling_unpaid"]]
    importer = (await client.get(base, params={"payer": "160650014403"}, headers=ADMIN)).json()
    assert [f["vin"] for f in importer] == [VEHICLES["vin_foreign_made"]]
    assert len((await client.get(base, params={"limit": 2}, headers=ADMIN)).json()) == 2
    bad = await client.get(base, params={"payer": "160650014404"}, headers=ADMIN)
    assert (bad.status_code, bad.json()["code"]) == (422, "BIN_CHECK_DIGIT")


async def test_admin_get_one(bus: BusPlan, client: httpx.AsyncClient) -> None:
    base = f"{bus.url('recycling_fee')}/admin/fees"
    entry = (await client.get(f"{base}/{VIN_OK}", headers=ADMIN)).json()
    assert (entry["vin"], entry["status"], entry["amount"]) == (VIN_OK, "PAID", 756_875)
    absent = await client.get(f"{base}/{UNSEEDED}", headers=ADMIN)
    assert (absent.status_code, absent.json()["code"]) == (404, "NOT_FOUND")


async def test_v5_admin_changes_take_effect_through_the_gateway(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    url = f"{bus.url('recycling_fee')}/admin/fees/{UNSEEDED}"
    put = await client.put(url, json=_body(), headers=ADMIN)
    assert put.status_code == 200, put.text
    # 50 × 4 325 × 1.75 = 378 437.5: half a tenge rounds up.
    assert (put.json()["mrpYear"], put.json()["amount"]) == (2026, 378_438)
    answer = await _data(client, bus, UNSEEDED)
    assert (answer["found"], answer["paid"], answer["fee"]["amount"]) == (True, False, 378_438)

    # Obliged in 2025, paid in 2026: the payment year's МРП prices it.
    paid = _body(
        obligationDate="2025-12-30",
        status="PAID",
        paymentDate="2026-01-05",
        certificateNumber="ЖД-РОП-2026-0100701",
    )
    assert (await client.put(url, json=paid, headers=ADMIN)).status_code == 200
    fee = (await _data(client, bus, UNSEEDED))["fee"]
    assert (fee["status"], fee["mrp"], fee["certificateNumber"]) == (
        "PAID",
        MRP_2026,
        "ЖД-РОП-2026-0100701",
    )

    assert (await client.delete(url, headers=ADMIN)).status_code == 204
    assert (await _data(client, bus, UNSEEDED))["found"] is False
    again = await client.delete(url, headers=ADMIN)
    assert (again.status_code, again.json()["code"]) == (404, "NOT_FOUND")


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"paymentDate": "2026-11-03"}, "RECYCLING_PAYMENT_DETAILS", "paymentDate"),
        (
            {"status": "PAID", "paymentDate": "2026-11-03"},
            "RECYCLING_PAYMENT_DETAILS",
            "certificateNumber",
        ),
        ({"status": "PAID"}, "RECYCLING_PAYMENT_DETAILS", "paymentDate"),
        ({"obligationDate": "2024-12-30"}, "RECYCLING_MRP_UNKNOWN", "obligationDate"),
        (
            {
                "status": "PAID",
                "paymentDate": "2027-01-10",
                "certificateNumber": "ЖД-РОП-2027-0100701",
            },
            "RECYCLING_MRP_UNKNOWN",
            "paymentDate",
        ),
        ({"coefficient": 1.755}, "INVALID_VALUE", "coefficient"),
        ({"coefficient": -1}, "INVALID_VALUE", "coefficient"),
        ({"vehicleCategory": "M9"}, "INVALID_VALUE", "vehicleCategory"),
        ({"payer": {"bin": SARYARKA, "name": "x", "role": "DEALER"}}, "INVALID_VALUE", None),
        (
            {"payer": {"bin": "090240033218", "name": "x", "role": "IMPORTER"}},
            "BIN_CHECK_DIGIT",
            None,
        ),
        ({"amount": 1}, "UNKNOWN_FIELD", "amount"),
    ],
)
async def test_admin_refuses_an_inconsistent_record(
    bus: BusPlan,
    client: httpx.AsyncClient,
    changes: dict[str, Any],
    code: str,
    field: str | None,
) -> None:
    url = f"{bus.url('recycling_fee')}/admin/fees/{UNSEEDED}"
    reply = await client.put(url, json=_body(**changes), headers=ADMIN)
    assert reply.status_code == 422, reply.text
    problem = reply.json()
    assert problem["code"] == code
    if field is not None:
        assert problem["field"] == field
    assert len(set(problem["messages"].values())) == 3
    assert (await client.get(url, headers=ADMIN)).status_code == 404
