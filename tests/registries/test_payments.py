"""ПШЭП through the real gateway (and its payer's REST endpoint): the seeded invoices of the
personas (V17, M6.3), invoices priced in МРП of their date, idempotent creation and payment,
concurrent payments of one invoice, expiry by the bus clock, bad input and the admin API.
Runs on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from egov import personas
from egov.launcher import BusPlan
from payments.seed import load_data
from servicekit.clock import bus_clock
from servicekit.http_clients import async_client
from tests.harness import ADMIN, envelope, send

CREATE = "PAYMENTS_CreateInvoice"
STATUS = "PAYMENTS_InvoiceStatus"
PAY = "PAYMENTS_Pay"
CHECK = "PAYMENTS_CheckByPayerPurpose"
CATALOGUE = personas.load()
PERSONS = {p["key"]: p["iin"] for p in CATALOGUE["persons"]}
ENTITIES = {e["key"]: e["bin"] for e in CATALOGUE["legal_entities"]}
FARMER = PERSONS["farmer"]
FARMER_BIOMETRICS_FAIL = PERSONS["farmer_biometrics_fail"]
BUYER = PERSONS["buyer"]
SEEDED = {r["number"]: r for r in load_data()["invoices"]}
FARMER_INVOICE = next(n for n, r in SEEDED.items() if r.get("payerIin") == FARMER)
UNPAID_INVOICE = next(n for n, r in SEEDED.items() if r["expiresAt"].startswith("2027"))
EXPIRED_INVOICE = next(
    n for n, r in SEEDED.items() if r.get("payerIin") == PERSONS["buyer_with_fines"]
)
CANCELLED_INVOICE = next(n for n, r in SEEDED.items() if r["status"] == "CANCELLED")
V17 = [
    {"purpose": "VEHICLE_REGISTRATION_FEE", "quantity": 1},
    {"purpose": "REGISTRATION_CERTIFICATE", "quantity": 1},
    {"purpose": "PLATE", "quantity": 1},
]
NOW_2026 = datetime(2026, 11, 22, 5, 0, tzinfo=UTC)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with async_client(timeout=20) as http:
        yield http


async def _data(
    client: httpx.AsyncClient, bus: BusPlan, service: str, data: Any, **headers: str
) -> dict[str, Any]:
    reply = await send(client, bus, envelope(service, data), headers=headers)
    assert reply.status_code == 200, reply.text
    answer: dict[str, Any] = reply.json()["responseData"]["data"]
    return answer


async def _refused(
    client: httpx.AsyncClient, bus: BusPlan, service: str, data: Any
) -> tuple[int, str, str | None]:
    """Status, the registry's own code and the field of a refused call."""
    reply = await send(client, bus, envelope(service, data))
    problem = reply.json()
    assert problem["code"] == "PROVIDER_ERROR", reply.text
    return reply.status_code, problem["errorInfo"]["subError"]["errorCode"], problem.get("field")


async def _create(
    client: httpx.AsyncClient,
    bus: BusPlan,
    *,
    items: list[dict[str, Any]] = V17,
    payer: dict[str, str] | None = None,
    key: str | None = None,
) -> dict[str, Any]:
    data = {
        **(payer or {"payerIin": BUYER}),
        "items": items,
        "reference": "ПЭП-TEST",
        "idempotencyKey": key or str(uuid.uuid4()),
    }
    answer = await _data(client, bus, CREATE, data)
    invoice: dict[str, Any] = answer["invoice"]
    return invoice


def _pay_url(bus: BusPlan, number: str) -> str:
    return f"{bus.url('payments')}/payments/invoices/{number}/pay"


async def _rest_pay(
    client: httpx.AsyncClient, bus: BusPlan, number: str, key: str, method: str = "KASPI"
) -> httpx.Response:
    return await client.post(
        _pay_url(bus, number), json={"method": method}, headers={"Idempotency-Key": key}
    )


def _admin(bus: BusPlan, path: str) -> str:
    return f"{bus.url('payments')}/admin{path}"


# --- seeded branches -----------------------------------------------------------------------


async def test_m6_3_farmer_has_paid_the_machinery_registration(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    answer = await _data(
        client, bus, CHECK, {"payerIin": FARMER, "purpose": "MACHINERY_REGISTRATION"}
    )
    assert (answer["paid"], answer["purpose"], answer["code"]) == (
        True,
        "MACHINERY_REGISTRATION",
        None,
    )
    [receipt] = answer["receipts"]
    seeded = SEEDED[FARMER_INVOICE]
    assert (receipt["invoiceNumber"], receipt["receiptNumber"], receipt["method"]) == (
        FARMER_INVOICE,
        seeded["receiptNumber"],
        "KASPI",
    )
    assert datetime.fromisoformat(receipt["paidAt"]) == datetime.fromisoformat(seeded["paidAt"])
    # 0.25 МРП of 2025 (3 932 ₸) = 983.
    assert (receipt["quantity"], receipt["amount"], receipt["reference"]) == (
        1,
        983,
        seeded["reference"],
    )


@pytest.mark.parametrize(
    ("since", "paid"), [("2025-10-16", True), ("2025-10-17", False), ("2025-01-01", True)]
)
async def test_m6_3_since_counts_in_almaty_days(
    bus: BusPlan, client: httpx.AsyncClient, since: str, paid: bool
) -> None:
    data = {"payerIin": FARMER, "purpose": "MACHINERY_REGISTRATION", "since": since}
    assert (await _data(client, bus, CHECK, data))["paid"] is paid


@pytest.mark.parametrize(
    ("payer", "purpose"),
    [
        ({"payerIin": FARMER_BIOMETRICS_FAIL}, "MACHINERY_REGISTRATION"),
        ({"payerIin": FARMER}, "VEHICLE_REGISTRATION_FEE"),
        # farm_bereke's machinery invoice was cancelled, never paid.
        ({"payerBin": ENTITIES["farm_bereke"]}, "MACHINERY_REGISTRATION"),
        # buyer_with_fines let the V17 invoice expire.
        ({"payerIin": PERSONS["buyer_with_fines"]}, "PLATE"),
    ],
)
async def test_m6_3_not_paid_is_an_answer(
    bus: BusPlan, client: httpx.AsyncClient, payer: dict[str, str], purpose: str
) -> None:
    answer = await _data(client, bus, CHECK, {**payer, "purpose": purpose})
    assert (answer["paid"], answer["receipts"], answer["code"]) == (
        False,
        [],
        "PAYMENT_NOT_FOUND",
    )
    assert set(answer["messages"]) == {"ru", "kk", "en"}
    assert len(set(answer["messages"].values())) == 3


async def test_v17_paid_by_buyer_2(bus: BusPlan, client: httpx.AsyncClient) -> None:
    for item in V17:
        data = {"payerIin": PERSONS["buyer_2"], "purpose": item["purpose"]}
        assert (await _data(client, bus, CHECK, data))["paid"] is True


@pytest.mark.parametrize(
    ("number", "status"),
    [
        (FARMER_INVOICE, "PAID"),
        (UNPAID_INVOICE, "UNPAID"),
        (EXPIRED_INVOICE, "EXPIRED"),
        (CANCELLED_INVOICE, "CANCELLED"),
    ],
)
async def test_seeded_invoice_status(
    bus: BusPlan, client: httpx.AsyncClient, number: str, status: str
) -> None:
    answer = await _data(client, bus, STATUS, {"invoiceNumber": number})
    assert (answer["found"], answer["invoiceNumber"], answer["status"]) == (True, number, status)
    assert answer["receiptNumber"] == SEEDED[number].get("receiptNumber")
    assert (answer["paidAt"] is not None) is (status == "PAID")


async def test_unknown_invoice_is_an_answer(bus: BusPlan, client: httpx.AsyncClient) -> None:
    answer = await _data(client, bus, STATUS, {"invoiceNumber": "2601010000000000"})
    assert (answer["found"], answer["status"], answer["code"]) == (
        False,
        None,
        "INVOICE_NOT_FOUND",
    )
    paid = await _data(
        client,
        bus,
        PAY,
        {"invoiceNumber": "2601010000000000", "idempotencyKey": "k", "method": "CARD"},
    )
    assert (paid["found"], paid["payment"], paid["code"]) == (False, None, "INVOICE_NOT_FOUND")


async def test_seeded_invoices_are_priced_like_new_ones(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    invoice = (await client.get(_admin(bus, f"/invoices/{FARMER_INVOICE}"), headers=ADMIN)).json()
    # Made on 16.10.2025: the МРП of 2025 (3 932 ₸).
    assert (invoice["mrpYear"], invoice["mrp"]) == (2025, 3932)
    assert [(i["purpose"], i["feeMrp"], i["unitAmount"]) for i in invoice["items"]] == [
        ("MACHINERY_REGISTRATION", "0.25", 983),
        ("MACHINERY_TECHNICAL_PASSPORT", "1.25", 4915),
        ("MACHINERY_PLATE", "2.80", 11010),
    ]
    assert invoice["total"] == 983 + 4915 + 11010


# --- invoices: МРП of the invoice date -----------------------------------------------------


@pytest.mark.parametrize(
    ("now", "year", "units"),
    [
        (NOW_2026, 2026, [1081, 5406, 12110]),
        (datetime(2025, 6, 1, 9, 0, tzinfo=UTC), 2025, [983, 4915, 11010]),
        # 2020: kz-reference §6 checks the total, 11 946 ₸ at МРП 2 778.
        (datetime(2020, 6, 16, 9, 0, tzinfo=UTC), 2020, [695, 3473, 7778]),
        # 19:30 UTC on 31 December is 00:30 on 1 January in Almaty: the new year's МРП.
        (datetime(2025, 12, 31, 19, 30, tzinfo=UTC), 2026, [1081, 5406, 12110]),
        (datetime(2025, 12, 31, 18, 59, tzinfo=UTC), 2025, [983, 4915, 11010]),
    ],
)
async def test_v17_invoice_is_priced_in_the_mrp_of_its_date(
    bus: BusPlan, client: httpx.AsyncClient, now: datetime, year: int, units: list[int]
) -> None:
    bus_clock.freeze(now)
    invoice = await _create(client, bus)
    assert invoice["mrpYear"] == year
    assert [i["unitAmount"] for i in invoice["items"]] == units
    assert [i["amount"] for i in invoice["items"]] == units
    assert invoice["total"] == sum(units)
    assert (invoice["status"], invoice["currency"], invoice["paidAt"]) == ("UNPAID", "KZT", None)
    created = datetime.fromisoformat(invoice["createdAt"])
    assert created == now
    assert datetime.fromisoformat(invoice["expiresAt"]) == created + timedelta(days=3)
    assert len(invoice["number"]) == 16


async def test_quantity_multiplies_the_unit_amount(bus: BusPlan, client: httpx.AsyncClient) -> None:
    bus_clock.freeze(NOW_2026)
    invoice = await _create(
        client,
        bus,
        items=[{"purpose": "MACHINERY_REGISTRATION", "quantity": 3}],
        payer={"payerBin": ENTITIES["farm_bereke"]},
    )
    assert (invoice["payerBin"], invoice["payerIin"]) == (ENTITIES["farm_bereke"], None)
    assert (invoice["items"][0]["unitAmount"], invoice["total"]) == (1081, 3243)


async def test_a_year_without_mrp_is_refused_until_the_admin_sets_it(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    bus_clock.freeze(datetime(2031, 3, 1, tzinfo=UTC))
    data = {"payerIin": BUYER, "items": V17, "idempotencyKey": str(uuid.uuid4())}
    assert await _refused(client, bus, CREATE, data) == (409, "MRP_NOT_DEFINED", None)
    put = await client.put(_admin(bus, "/mrp/2031"), json={"amount": 5000}, headers=ADMIN)
    assert put.json() == {"year": 2031, "amount": 5000, "verified": False, "source": "admin API"}
    invoice = (await _data(client, bus, CREATE, data))["invoice"]
    assert (invoice["mrp"], invoice["items"][0]["unitAmount"]) == (5000, 1250)


async def test_mrp_lookup_on_a_date(bus: BusPlan, client: httpx.AsyncClient) -> None:
    url = f"{bus.url('payments')}/payments/mrp"
    on_2025 = (await client.get(url, params={"on": "2025-12-31"})).json()
    assert (on_2025["year"], on_2025["amount"], on_2025["verified"]) == (2025, 3932, True)
    assert (await client.get(url, params={"on": "2022-05-01"})).json()["verified"] is False
    bus_clock.freeze(datetime(2025, 12, 31, 19, 30, tzinfo=UTC))
    today = (await client.get(url)).json()
    assert (today["on"], today["amount"]) == ("2026-01-01", 4325)
    missing = await client.get(url, params={"on": "1999-01-01"})
    assert (missing.status_code, missing.json()["code"]) == (404, "MRP_NOT_DEFINED")


async def test_purposes_are_data_with_their_basis(bus: BusPlan, client: httpx.AsyncClient) -> None:
    purposes = {
        p["code"]: p for p in (await client.get(f"{bus.url('payments')}/payments/purposes")).json()
    }
    assert {c: p["feeMrp"] for c, p in purposes.items() if p["verified"]} == {
        "VEHICLE_REGISTRATION_FEE": "0.25",
        "REGISTRATION_CERTIFICATE": "1.25",
        "PLATE": "2.80",
    }
    assert purposes["MACHINERY_REGISTRATION"]["verified"] is False
    assert "model" in purposes["MACHINERY_REGISTRATION"]["source"]


# --- idempotent creation -------------------------------------------------------------------


async def test_the_same_key_returns_the_same_invoice(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    key = str(uuid.uuid4())
    data = {"payerIin": PERSONS["buyer_kostanay"], "items": V17, "idempotencyKey": key}
    bus_clock.freeze(NOW_2026)
    first = await _data(client, bus, CREATE, data)
    bus_clock.advance(timedelta(hours=1))
    second = await _data(client, bus, CREATE, data)
    assert (first["created"], second["created"]) == (True, False)
    assert second["invoice"] == first["invoice"]
    listed = await client.get(
        _admin(bus, "/invoices"), params={"payerIin": PERSONS["buyer_kostanay"]}, headers=ADMIN
    )
    assert [i["number"] for i in listed.json()].count(first["invoice"]["number"]) == 1
    assert len([i for i in listed.json() if i["reference"] is None]) == 1


async def test_the_same_key_with_other_data_is_refused(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    key = str(uuid.uuid4())
    await _data(client, bus, CREATE, {"payerIin": BUYER, "items": V17, "idempotencyKey": key})
    other = {"payerIin": BUYER, "items": V17[:1], "idempotencyKey": key}
    assert await _refused(client, bus, CREATE, other) == (
        409,
        "INVOICE_IDEMPOTENCY_KEY_REUSED",
        "requestData.data.idempotencyKey",
    )


async def test_concurrent_creations_with_one_key_make_one_invoice(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    data = {"payerIin": BUYER, "items": V17, "idempotencyKey": str(uuid.uuid4())}
    answers = await asyncio.gather(*(_data(client, bus, CREATE, data) for _ in range(8)))
    assert len({a["invoice"]["number"] for a in answers}) == 1
    assert sorted(a["created"] for a in answers) == [False] * 7 + [True]


# --- paying --------------------------------------------------------------------------------


async def test_v17_pay_then_ask_again(bus: BusPlan, client: httpx.AsyncClient) -> None:
    bus_clock.freeze(NOW_2026)
    invoice = await _create(client, bus, payer={"payerIin": PERSONS["buyer_reserved_plate"]})
    number = invoice["number"]
    before = await _data(client, bus, STATUS, {"invoiceNumber": number})
    assert (before["status"], before["receiptNumber"], before["total"]) == ("UNPAID", None, 18597)

    bus_clock.advance(timedelta(minutes=5))
    pay = {"invoiceNumber": number, "idempotencyKey": "pay-1", "method": "HALYK"}
    paid = (await _data(client, bus, PAY, pay))["payment"]
    assert (paid["invoiceNumber"], paid["amount"], paid["method"], paid["replayed"]) == (
        number,
        18597,
        "HALYK",
        False,
    )
    assert paid["paidAt"] == "2026-11-22T05:05:00Z"
    assert paid["receiptNumber"].startswith("R261122")

    after = await _data(client, bus, STATUS, {"invoiceNumber": number})
    assert (after["status"], after["receiptNumber"], after["paidAt"]) == (
        "PAID",
        paid["receiptNumber"],
        paid["paidAt"],
    )
    check = await _data(
        client,
        bus,
        CHECK,
        {"payerIin": PERSONS["buyer_reserved_plate"], "purpose": "PLATE", "since": "2026-11-22"},
    )
    assert [r["receiptNumber"] for r in check["receipts"]] == [paid["receiptNumber"]]
    assert check["receipts"][0]["amount"] == 12110

    again = (await _data(client, bus, PAY, pay))["payment"]
    assert again == {**paid, "replayed": True}
    other_key = {**pay, "idempotencyKey": "pay-2"}
    assert await _refused(client, bus, PAY, other_key) == (
        409,
        "ALREADY_PAID",
        "requestData.data.invoiceNumber",
    )


async def test_rest_pay_with_an_idempotency_key(bus: BusPlan, client: httpx.AsyncClient) -> None:
    number = (await _create(client, bus))["number"]
    first = await _rest_pay(client, bus, number, "rest-1")
    assert first.status_code == 200, first.text
    assert (first.json()["replayed"], first.json()["method"]) == (False, "KASPI")
    second = await _rest_pay(client, bus, number, "rest-1", method="CARD")
    assert second.status_code == 200
    assert second.json() == {**first.json(), "replayed": True}
    other = await _rest_pay(client, bus, number, "rest-2")
    problem = other.json()
    assert (other.status_code, problem["code"], problem["field"]) == (409, "ALREADY_PAID", "number")
    assert problem["receiptNumber"] == first.json()["receiptNumber"]
    assert number in problem["messages"]["kk"]
    status = await _data(client, bus, STATUS, {"invoiceNumber": number})
    assert status["receiptNumber"] == first.json()["receiptNumber"]


@pytest.mark.parametrize("same_key", [False, True])
async def test_concurrent_payments_of_one_invoice_pay_it_once(
    bus: BusPlan, client: httpx.AsyncClient, same_key: bool
) -> None:
    number = (await _create(client, bus))["number"]
    replies = await asyncio.gather(
        *(_rest_pay(client, bus, number, "same" if same_key else f"key-{n}") for n in range(10))
    )
    ok = [r.json() for r in replies if r.status_code == 200]
    if same_key:
        assert len(ok) == 10
        assert sorted(p["replayed"] for p in ok) == [False] + [True] * 9
    else:
        assert len(ok) == 1
        assert {r.json()["code"] for r in replies if r.status_code != 200} == {"ALREADY_PAID"}
        assert sum(r.status_code == 409 for r in replies) == 9
    assert len({p["receiptNumber"] for p in ok}) == 1
    status = await _data(client, bus, STATUS, {"invoiceNumber": number})
    assert (status["status"], status["receiptNumber"]) == ("PAID", ok[0]["receiptNumber"])


async def test_concurrent_payments_through_the_gateway(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    number = (await _create(client, bus))["number"]
    replies = await asyncio.gather(
        *(
            send(
                client,
                bus,
                envelope(
                    PAY, {"invoiceNumber": number, "idempotencyKey": f"k{n}", "method": "CARD"}
                ),
            )
            for n in range(6)
        )
    )
    assert sorted(r.status_code for r in replies) == [200] + [409] * 5


async def test_expiry_by_the_bus_clock(bus: BusPlan, client: httpx.AsyncClient) -> None:
    bus_clock.freeze(NOW_2026)
    late = (await _create(client, bus))["number"]
    in_time = (await _create(client, bus))["number"]
    bus_clock.advance(timedelta(days=3) - timedelta(seconds=1))
    assert (await _rest_pay(client, bus, in_time, "in-time")).status_code == 200
    bus_clock.advance(timedelta(seconds=1))
    status = await _data(client, bus, STATUS, {"invoiceNumber": late})
    assert status["status"] == "EXPIRED"
    expired = await _rest_pay(client, bus, late, "too-late")
    assert (expired.status_code, expired.json()["code"]) == (409, "INVOICE_EXPIRED")
    assert "25.11.2026 10:00" in expired.json()["messages"]["ru"]
    pay = {"invoiceNumber": late, "idempotencyKey": "too-late-2", "method": "CARD"}
    assert (await _refused(client, bus, PAY, pay))[:2] == (409, "INVOICE_EXPIRED")
    # The clock set back: the same invoice can be paid again, nothing was stored as expired.
    bus_clock.freeze(NOW_2026)
    assert (await _rest_pay(client, bus, late, "back-in-time")).status_code == 200


async def test_a_cancelled_invoice_cannot_be_paid(bus: BusPlan, client: httpx.AsyncClient) -> None:
    refused = await _rest_pay(client, bus, CANCELLED_INVOICE, "cancelled")
    assert (refused.status_code, refused.json()["code"]) == (409, "INVOICE_CANCELLED")


@pytest.mark.parametrize(
    ("headers", "body", "status", "code", "field"),
    [
        ({}, {"method": "CARD"}, 422, "FIELD_REQUIRED", "Idempotency-Key"),
        ({"Idempotency-Key": "x"}, {"method": "CASH"}, 422, "INVALID_VALUE", "method"),
        ({"Idempotency-Key": "x"}, {}, 422, "FIELD_REQUIRED", "method"),
    ],
)
async def test_rest_pay_refuses_bad_input(
    bus: BusPlan,
    client: httpx.AsyncClient,
    headers: dict[str, str],
    body: dict[str, str],
    status: int,
    code: str,
    field: str,
) -> None:
    reply = await client.post(_pay_url(bus, UNPAID_INVOICE), json=body, headers=headers)
    assert (reply.status_code, reply.json()["code"], reply.json()["field"]) == (
        status,
        code,
        field,
    )


async def test_rest_pay_of_an_unknown_invoice_is_404(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    reply = await _rest_pay(client, bus, "2601010000000000", "x")
    assert (reply.status_code, reply.json()["code"]) == (404, "INVOICE_NOT_FOUND")


# --- bad input through the gateway ---------------------------------------------------------


@pytest.mark.parametrize(
    ("service", "data", "code", "field"),
    [
        (CREATE, {"items": V17, "idempotencyKey": "k"}, "PAYER_REQUIRED", "payerIin"),
        (
            CREATE,
            {
                "payerIin": BUYER,
                "payerBin": ENTITIES["farm_bereke"],
                "items": V17,
                "idempotencyKey": "k",
            },
            "PAYER_REQUIRED",
            "payerBin",
        ),
        (
            CREATE,
            {"payerIin": "900515310006", "items": V17, "idempotencyKey": "k"},
            "IIN_CHECK_DIGIT",
            "payerIin",
        ),
        (
            CREATE,
            {"payerBin": "100543088029", "items": V17, "idempotencyKey": "k"},
            "BIN_CHECK_DIGIT",
            "payerBin",
        ),
        (CREATE, {"payerIin": BUYER, "items": [], "idempotencyKey": "k"}, "TOO_SHORT", "items"),
        (
            CREATE,
            {
                "payerIin": BUYER,
                "items": [{"purpose": "PLATE", "quantity": 0}],
                "idempotencyKey": "k",
            },
            "INVALID_VALUE",
            "items[0].quantity",
        ),
        (CREATE, {"payerIin": BUYER, "items": V17}, "FIELD_REQUIRED", "idempotencyKey"),
        (
            CREATE,
            {"payerIin": BUYER, "items": [*V17, {"purpose": "YACHT"}], "idempotencyKey": "k"},
            "UNKNOWN_PURPOSE",
            "items[3].purpose",
        ),
        (CHECK, {"payerIin": FARMER, "purpose": "YACHT"}, "UNKNOWN_PURPOSE", "purpose"),
        (CHECK, {"purpose": "PLATE"}, "PAYER_REQUIRED", "payerIin"),
        (CHECK, {"payerIin": FARMER, "purpose": "PLATE", "since": "soon"}, "WRONG_TYPE", "since"),
        (STATUS, {"invoiceNumber": "x" * 21}, "TOO_LONG", "invoiceNumber"),
        (STATUS, {}, "FIELD_REQUIRED", "invoiceNumber"),
        (
            PAY,
            {"invoiceNumber": UNPAID_INVOICE, "idempotencyKey": "k", "method": "CASH"},
            "INVALID_VALUE",
            "method",
        ),
        (
            PAY,
            {"invoiceNumber": UNPAID_INVOICE, "method": "CARD"},
            "FIELD_REQUIRED",
            "idempotencyKey",
        ),
    ],
)
async def test_bad_input_is_a_4xx_naming_the_field(
    bus: BusPlan, client: httpx.AsyncClient, service: str, data: Any, code: str, field: str
) -> None:
    status, sub_code, problem_field = await _refused(client, bus, service, data)
    assert (status, sub_code, problem_field) == (422, code, f"requestData.data.{field}")


@pytest.mark.parametrize(
    ("sender", "password", "service", "status"),
    [
        ("registration_service", "registration-secret", CREATE, 200),
        ("registration_service", "registration-secret", STATUS, 200),
        ("registration_service", "registration-secret", CHECK, 403),
        ("registration_service", "registration-secret", PAY, 403),
        ("frontoffice_service", "frontoffice-secret", CHECK, 200),
        ("frontoffice_service", "frontoffice-secret", CREATE, 200),
        ("frontoffice_service", "frontoffice-secret", STATUS, 403),
        ("dealer-crm", "dealer-secret", CHECK, 403),
    ],
)
async def test_access_of_the_state_services(
    bus: BusPlan, client: httpx.AsyncClient, sender: str, password: str, service: str, status: int
) -> None:
    data = {
        CREATE: {"payerIin": BUYER, "items": V17, "idempotencyKey": str(uuid.uuid4())},
        STATUS: {"invoiceNumber": UNPAID_INVOICE},
        CHECK: {"payerIin": FARMER, "purpose": "MACHINERY_REGISTRATION"},
        PAY: {"invoiceNumber": UNPAID_INVOICE, "idempotencyKey": "k", "method": "CARD"},
    }[service]
    request = envelope(service, data, sender={"senderId": sender, "password": password})
    reply = await send(client, bus, request)
    assert reply.status_code == status, reply.text
    if status == 403:
        assert reply.json()["code"] == "ACCESS_DENIED"


# --- admin API ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/invoices"),
        ("GET", f"/invoices/{UNPAID_INVOICE}"),
        ("POST", f"/invoices/{UNPAID_INVOICE}/cancel"),
        ("GET", "/mrp"),
        ("PUT", "/mrp/2026"),
    ],
)
async def test_admin_needs_the_credential(
    bus: BusPlan, client: httpx.AsyncClient, method: str, path: str
) -> None:
    body = {"amount": 1} if method == "PUT" else None
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        reply = await client.request(method, _admin(bus, path), json=body, headers=headers)
        assert reply.status_code == 401
        assert reply.json()["code"] == "ADMIN_CREDENTIAL_REQUIRED"
    status = await _data(client, bus, STATUS, {"invoiceNumber": UNPAID_INVOICE})
    assert status["status"] == "UNPAID"
    mrp = (await client.get(f"{bus.url('payments')}/payments/mrp?on=2026-01-01")).json()
    assert mrp["amount"] == 4325


async def test_admin_lists_invoices_by_payer_and_status(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    async def numbers(**params: str) -> set[str]:
        reply = await client.get(_admin(bus, "/invoices"), params=params, headers=ADMIN)
        assert reply.status_code == 200, reply.text
        return {i["number"] for i in reply.json()}

    assert await numbers(payerIin=FARMER) == {FARMER_INVOICE}
    assert await numbers(payerIin=FARMER_BIOMETRICS_FAIL) == set()
    assert CANCELLED_INVOICE in await numbers(payerBin=ENTITIES["farm_bereke"])
    assert EXPIRED_INVOICE in await numbers(status="EXPIRED")
    assert EXPIRED_INVOICE not in await numbers(status="UNPAID")
    assert UNPAID_INVOICE in await numbers(status="UNPAID")
    assert FARMER_INVOICE in await numbers(status="PAID")
    bad = await client.get(_admin(bus, "/invoices"), params={"status": "LOST"}, headers=ADMIN)
    assert (bad.status_code, bad.json()["field"]) == (422, "status")
    bad_iin = await client.get(
        _admin(bus, "/invoices"), params={"payerIin": "700327314441"}, headers=ADMIN
    )
    assert (bad_iin.status_code, bad_iin.json()["code"]) == (422, "IIN_CHECK_DIGIT")


async def test_admin_cancels_an_invoice(bus: BusPlan, client: httpx.AsyncClient) -> None:
    number = (await _create(client, bus))["number"]
    cancelled = await client.post(_admin(bus, f"/invoices/{number}/cancel"), headers=ADMIN)
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "CANCELLED")
    again = await client.post(_admin(bus, f"/invoices/{number}/cancel"), headers=ADMIN)
    assert again.json()["status"] == "CANCELLED"
    paid = await client.post(_admin(bus, f"/invoices/{FARMER_INVOICE}/cancel"), headers=ADMIN)
    assert (paid.status_code, paid.json()["code"]) == (409, "ALREADY_PAID")
    missing = await client.post(_admin(bus, "/invoices/2601010000000000/cancel"), headers=ADMIN)
    assert (missing.status_code, missing.json()["code"]) == (404, "INVOICE_NOT_FOUND")
    assert (await _data(client, bus, STATUS, {"invoiceNumber": number}))["status"] == "CANCELLED"


async def test_admin_mrp_table(bus: BusPlan, client: httpx.AsyncClient) -> None:
    table = {r["year"]: r for r in (await client.get(_admin(bus, "/mrp"), headers=ADMIN)).json()}
    assert {y: table[y]["amount"] for y in (2020, 2025, 2026)} == {
        2020: 2778,
        2025: 3932,
        2026: 4325,
    }
    assert [y for y, r in table.items() if not r["verified"] and y < 2025] == [
        2021,
        2022,
        2023,
        2024,
    ]
    bad = await client.put(_admin(bus, "/mrp/2032"), json={"amount": 0}, headers=ADMIN)
    assert (bad.status_code, bad.json()["field"]) == (422, "amount")
    put = await client.put(
        _admin(bus, "/mrp/2032"),
        json={"amount": 5100, "verified": True, "source": "budget law 2030–2032"},
        headers=ADMIN,
    )
    assert put.json()["amount"] == 5100
    replaced = await client.put(_admin(bus, "/mrp/2032"), json={"amount": 5200}, headers=ADMIN)
    assert replaced.json() == {
        "year": 2032,
        "amount": 5200,
        "verified": False,
        "source": "admin API",
    }
