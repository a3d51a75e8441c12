"""The first slice: a sync envelope through the gateway to ГБД ФЛ and back, over real HTTP.

Runs on the embedded default (SQLite) and on the real PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from egov.launcher import BusPlan
from gbd_fl.seed import load_records
from servicekit.envelope import SUCCESS
from servicekit.http_clients import async_client
from servicekit.topology import SERVICES
from tests.fixtures.buses import SQLITE_AND_POSTGRES, bus_fixture
from tests.harness import envelope, send

PERSON = "GBDFL_UniversalServiceSync"
SEEDED = {r["iin"]: r for r in load_records()}
ALIVE_IIN = next(iin for iin, r in SEEDED.items() if r["lifeStatus"] == "ALIVE")
DECEASED_IIN = next(iin for iin, r in SEEDED.items() if r["lifeStatus"] == "DECEASED")
UNKNOWN_IIN = "900515300018"  # valid check digit, not in the seed


bus = bus_fixture(SQLITE_AND_POSTGRES, scope="module")


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with async_client(timeout=10) as http:
        yield http


async def test_person_found_through_the_gateway(bus: BusPlan, client: httpx.AsyncClient) -> None:
    request = envelope(PERSON, {"iin": ALIVE_IIN}, sessionId=str(uuid.uuid4()))
    reply = await send(client, bus, request)
    assert reply.status_code == 200
    body = reply.json()
    info = body["responseInfo"]
    assert info["status"]["code"] == SUCCESS
    assert info["correlationId"] == request["requestInfo"]["messageId"]
    # The gateway stamps its own session id, whatever the sender put there.
    assert info["sessionId"]
    assert info["sessionId"] != request["requestInfo"]["sessionId"]
    person = body["responseData"]["data"]["person"]
    seeded = SEEDED[ALIVE_IIN]
    assert body["responseData"]["data"]["found"] is True
    assert (person["iin"], person["lastName"], person["firstName"]) == (
        ALIVE_IIN,
        seeded["lastName"],
        seeded["firstName"],
    )
    assert person["namesKk"] == seeded["namesKk"]
    assert person["birthDate"] == seeded["birthDate"]
    assert person["lifeStatus"] == "ALIVE"
    assert person["address"]["regionCode"] == seeded["address"]["regionCode"]
    assert person["documents"][0]["number"] == seeded["documents"][0]["number"]


async def test_deceased_person_is_reported_with_status(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    reply = await send(client, bus, envelope(PERSON, {"iin": DECEASED_IIN}))
    person = reply.json()["responseData"]["data"]["person"]
    assert (person["lifeStatus"], person["deathDate"]) == ("DECEASED", "2025-06-14")


async def test_unknown_iin_is_a_successful_call_saying_no_data(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    reply = await send(client, bus, envelope(PERSON, {"iin": UNKNOWN_IIN}))
    assert reply.status_code == 200
    body = reply.json()
    assert body["responseInfo"]["status"]["code"] == SUCCESS
    data = body["responseData"]["data"]
    assert data["found"] is False
    assert data["person"] is None
    assert data["code"] == "PERSON_NOT_FOUND"
    assert set(data["messages"]) == {"ru", "kk", "en"}


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"iin": "90051530001"}, "IIN_LENGTH"),
        ({"iin": "9005153000180"}, "IIN_LENGTH"),
        ({"iin": "90051530001X"}, "IIN_NOT_DIGITS"),
        ({"iin": "901315300018"}, "IIN_BIRTH_DATE"),
        ({"iin": "900515900018"}, "IIN_CENTURY"),
        ({"iin": "900515300019"}, "IIN_CHECK_DIGIT"),
        ({"iin": 900515300018}, "WRONG_TYPE"),
        ({}, "FIELD_REQUIRED"),
        ({"iin": UNKNOWN_IIN, "name": "x"}, "UNKNOWN_FIELD"),
        (None, "WRONG_TYPE"),
    ],
)
async def test_malformed_iin_is_a_4xx_naming_the_field(
    bus: BusPlan, client: httpx.AsyncClient, data: Any, code: str
) -> None:
    reply = await send(client, bus, envelope(PERSON, data))
    assert reply.status_code == 422
    assert reply.headers["content-type"] == "application/problem+json"
    problem = reply.json()
    assert problem["code"] == "PROVIDER_ERROR"
    assert problem["errors"][0]["code"] == code
    if data is not None:
        field = "requestData.data" + ("" if code == "UNKNOWN_FIELD" else ".iin")
        assert problem["field"].startswith(field)
    assert set(problem["messages"]) == {"ru", "kk", "en"}
    error_info = problem["errorInfo"]
    assert error_info["errorCode"] == "PROVIDER_ERROR"
    assert error_info["subError"]["errorCode"] == code
    assert error_info["sessionId"]


async def test_unknown_service_id(bus: BusPlan, client: httpx.AsyncClient) -> None:
    reply = await send(client, bus, envelope("NO_SUCH_SERVICE", {"iin": ALIVE_IIN}))
    assert reply.status_code == 404
    problem = reply.json()
    assert (problem["code"], problem["field"]) == ("SERVICE_NOT_FOUND", "requestInfo.serviceId")
    assert problem["errorInfo"]["errorCode"] == "SERVICE_NOT_FOUND"
    assert "NO_SUCH_SERVICE" in problem["messages"]["kk"]


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda e: e["requestInfo"].pop("messageId"), "requestInfo.messageId"),
        (lambda e: e["requestInfo"].update(messageId="42"), "requestInfo.messageId"),
        (lambda e: e["requestInfo"].update(messageDate="yesterday"), "requestInfo.messageDate"),
        (lambda e: e["requestInfo"].pop("sender"), "requestInfo.sender"),
        (lambda e: e["requestInfo"].update(serviceId="S" * 101), "requestInfo.serviceId"),
        (lambda e: e.update(extra=1), "extra"),
    ],
)
async def test_invalid_envelope(
    bus: BusPlan, client: httpx.AsyncClient, mutate: Any, field: str
) -> None:
    request = envelope(PERSON, {"iin": ALIVE_IIN})
    mutate(request)
    reply = await send(client, bus, request)
    assert reply.status_code == 400
    problem = reply.json()
    assert (problem["code"], problem["field"]) == ("INVALID_ENVELOPE", field)
    assert problem["errorInfo"]["errorCode"] == "INVALID_ENVELOPE"


async def test_body_that_is_not_json_is_an_invalid_envelope(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    reply = await client.post(
        f"{bus.url('gateway')}/bip-sync/SendMessage",
        content=b"<soap:Envelope/>",
        headers={"content-type": "application/json"},
    )
    assert reply.status_code == 400
    assert reply.json()["errors"][0]["code"] == "MALFORMED_JSON"


async def test_gateway_health_lists_every_service(bus: BusPlan, client: httpx.AsyncClient) -> None:
    report = (await client.get(f"{bus.url('gateway')}/health")).json()
    assert report["status"] == "ok"
    assert {s["name"]: s["status"] for s in report["services"]} == {
        service.name: "ready" for service in SERVICES
    }
    for service in report["services"]:
        assert service["url"] == bus.url(service["name"])


async def test_gateway_client_calls_a_registry(bus: BusPlan) -> None:
    """The kit's client, as every service uses it: a response, or a fault with ErrorInfo."""
    from servicekit.clock import Clock
    from servicekit.gateway_client import GatewayClient, GatewayFault

    async with GatewayClient(
        bus.url("gateway"),
        sender_id="registration_service",
        password="registration-secret",
        clock=Clock(),
    ) as gateway:
        correlation = uuid.uuid4()
        response = await gateway.call(PERSON, {"iin": ALIVE_IIN}, correlation_id=correlation)
        assert response.response_info.correlation_id == correlation
        assert response.response_data.data["person"]["iin"] == ALIVE_IIN

        with pytest.raises(GatewayFault) as caught:
            await gateway.call(PERSON, {"iin": "900515300019"})
        fault = caught.value
        assert (fault.status, fault.retryable) == (422, False)
        assert fault.error.error_code == "PROVIDER_ERROR"
        assert fault.error.sub_error is not None
        assert fault.error.sub_error.error_code == "IIN_CHECK_DIGIT"
        assert fault.problem["field"] == "requestData.data.iin"


async def test_gateway_client_tells_an_unreachable_gateway() -> None:
    from egov.launcher import free_port
    from servicekit.clock import Clock
    from servicekit.gateway_client import GatewayClient, GatewayUnreachable

    async with GatewayClient(
        f"http://127.0.0.1:{free_port()}", sender_id="s", password=None, clock=Clock()
    ) as gateway:
        with pytest.raises(GatewayUnreachable):
            await gateway.call(PERSON, {"iin": ALIVE_IIN})
