"""Bad input (issue 15) at the gateway: a number the bus cannot carry is a 400 on both channels,
and a fault rule's bounds are checked.

On the embedded bus: none of it depends on the database or the broker (the gateway parses and
checks before either sees a byte), and a bus on PostgreSQL and RabbitMQ takes ten times as long
to start and stop.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from egov.launcher import BusPlan
from tests.harness import ADMIN, TESTER, TESTER_PASSWORD, envelope, running_bus, send

PERSON = "GBDFL_UniversalServiceSync"
FACE = "GBDFL_BiometricVerification"
VERIFY = "PKI_VerifyCms"
ASYNC_PERSON = "GBDFL_UniversalServiceAsync"

BUYER = "buyer"
IIN, MASKED_IIN = "900515310005", "90051*****05"
"""The buyer persona, as ГБД ФЛ knows him: his names and phone come back from a lookup."""
LAST_NAME, FIRST_NAME, PHONE = "Серикбаев", "Нурлан", "+77012345601"
PHOTO_BYTES = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
PHOTO = base64.b64encode(PHOTO_BYTES).decode()
DOCUMENT_BYTES = orjson.dumps({"buyerIin": IIN, "vin": "XTA21099043456789"})
DOCUMENT = base64.b64encode(DOCUMENT_BYTES).decode()

STREAMS = 2
"""The stream cap the bus runs with here (the default is 5)."""


@pytest.fixture(scope="module")
async def bus(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[BusPlan, Path]]:
    data_dir = tmp_path_factory.mktemp("bus")
    settings = {"registration_service": {"streams_per_principal": STREAMS}}
    async with running_bus(data_dir, extra=settings) as plan:
        yield plan, data_dir


@pytest.fixture(scope="module")
async def clear_bus(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BusPlan]:
    """A private run: the gateway keeps clear text (embedded: only the setting matters)."""
    async with running_bus(
        tmp_path_factory.mktemp("clear"), extra={"gateway": {"keep_clear_text": True}}
    ) as plan:
        yield plan


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


# --- numbers the bus cannot carry -----------------------------------------------------------

OUT_OF_RANGE = ["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "18446744073709551616"]


def _with_number(body: dict[str, Any], literal: str) -> bytes:
    """`body` as JSON with `literal` written in place of the marker number 424242."""
    raw = orjson.dumps(body)
    assert raw.count(b"424242") == 1
    return raw.replace(b"424242", literal.encode())


def _assert_number_refused(reply: httpx.Response, field: str) -> None:
    assert reply.status_code == 400, reply.text
    problem = reply.json()
    assert (problem["code"], problem["field"]) == ("INVALID_ENVELOPE", field)
    assert problem["errorInfo"]["errorCode"] == "INVALID_ENVELOPE"
    [error] = problem["errors"]
    assert (error["code"], error["field"]) == ("NUMBER_OUT_OF_RANGE", field)
    assert len(set(error["messages"].values())) == 3


@pytest.mark.parametrize("literal", OUT_OF_RANGE)
async def test_a_number_the_bus_cannot_carry_is_refused_on_the_sync_channel(
    bus: tuple[BusPlan, Path], http: httpx.AsyncClient, literal: str
) -> None:
    plan, _ = bus
    raw = _with_number(envelope(PERSON, {"iin": IIN, "limits": [1, {"amount": 424242}]}), literal)
    reply = await http.post(
        f"{plan.url('gateway')}/bip-sync/SendMessage",
        content=raw,
        headers={"content-type": "application/json"},
    )
    _assert_number_refused(reply, "requestData.data.limits[1].amount")


@pytest.mark.parametrize("literal", OUT_OF_RANGE)
async def test_a_number_the_bus_cannot_carry_is_refused_on_the_async_channel(
    bus: tuple[BusPlan, Path], http: httpx.AsyncClient, literal: str
) -> None:
    plan, _ = bus
    message = _async_message({"iin": IIN, "amount": 424242})
    reply = await http.post(
        f"{plan.url('gateway')}/bip-async/sendMessage",
        content=_with_number(message, literal),
        headers={"content-type": "application/json"},
    )
    _assert_number_refused(reply, "messageData.data.amount")


async def test_the_largest_exact_integers_still_go_through(
    bus: tuple[BusPlan, Path], http: httpx.AsyncClient
) -> None:
    """The limits are orjson's: 2**64 - 1 and -2**63 are numbers the bus carries (ГБД ФЛ then
    refuses the unknown member, which shows the envelope was taken)."""
    plan, _ = bus
    body = envelope(PERSON, {"iin": IIN, "big": 2**64 - 1, "small": -(2**63), "pi": 1e308})
    reply = await send(http, plan, body)
    assert reply.status_code == 422, reply.text
    assert reply.json()["code"] == "PROVIDER_ERROR"


def _async_message(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "messageInfo": {
            "messageId": str(uuid.uuid4()),
            "serviceId": ASYNC_PERSON,
            "messageType": "REQUEST",
            "messageDate": "2026-11-22T10:00:00+05:00",
            "sender": {"senderId": TESTER, "password": TESTER_PASSWORD},
        },
        "messageData": {"data": data},
    }


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ('{"kind": "drop", "ttlSeconds": 1e194}', "ttlSeconds"),
        ('{"kind": "drop", "ttlSeconds": 1e400}', "ttlSeconds"),
        ('{"kind": "drop", "ttlSeconds": Infinity}', "ttlSeconds"),
        ('{"kind": "drop", "ttlSeconds": NaN}', "ttlSeconds"),
        ('{"kind": "drop", "probability": NaN}', "probability"),
        ('{"kind": "drop", "count": 1000000000000}', "count"),
        ('{"kind": "drop", "seed": 1180591620717411303424}', "seed"),
        ('{"kind": "latency", "latencyMs": 1e30}', "latencyMs"),
    ],
)
async def test_a_fault_rule_out_of_bounds_is_a_problem_naming_the_field(
    bus: tuple[BusPlan, Path], http: httpx.AsyncClient, rule: str, field: str
) -> None:
    plan, _ = bus
    reply = await http.post(
        f"{plan.url('gateway')}/admin/faults",
        content=rule,
        headers={**ADMIN, "content-type": "application/json"},
    )
    assert reply.status_code == 422, reply.text
    problem = reply.json()
    assert (problem["code"], problem["field"]) == ("INVALID_VALUE", field)
    listed = await http.get(f"{plan.url('gateway')}/admin/faults", headers=ADMIN)
    assert listed.json() == []
