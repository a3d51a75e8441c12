"""The async channel: sendMessage, getMessages, getMessageStatus, sendDeliveryNotification.

Push delivery to a provider (which answers with a RESPONSE through the gateway), pull
delivery with confirmation, retries and the dead-letter queue, on the in-process bus and on
the real RabbitMQ — including a broker restart and a gateway restart with nothing lost.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import httpx
import pytest

from egov.launcher import BusPlan
from servicekit.http_clients import async_client
from servicekit.logging import mask_identifiers
from tests.fixtures.buses import bus_fixture
from tests.harness import ADMIN, TESTER, TESTER_PASSWORD, eventually

ASYNC_PERSON = "GBDFL_UniversalServiceAsync"
PULL = "TEST_PullService"
IIN = "900515310005"
FAST_RETRIES = {
    "gateway": {"async_backoff": (0.2,), "async_max_attempts": 3, "async_relay_interval": 0.2}
}
TESTER_SENDER = {"senderId": TESTER, "password": TESTER_PASSWORD}
PROVIDER_SENDER = {"senderId": "gbd_fl", "password": "gbd-fl-secret"}


def message(
    service_id: str,
    data: Any,
    message_type: str = "REQUEST",
    sender: dict[str, str] | None = None,
    **info: Any,
) -> dict[str, Any]:
    return {
        "messageInfo": {
            "messageId": str(uuid.uuid4()),
            "serviceId": service_id,
            "messageType": message_type,
            "messageDate": "2026-11-22T10:00:00+05:00",
            "sender": sender or TESTER_SENDER,
            **info,
        },
        "messageData": {"data": data},
    }


class Async:
    """The async channel as an integrator's system sees it."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def send(self, body: dict[str, Any], **headers: str) -> httpx.Response:
        return await self.client.post("/bip-async/sendMessage", json=body, headers=headers)

    async def take(
        self, service_id: str, sender: dict[str, str] = TESTER_SENDER, amount: int = 10
    ) -> list[dict[str, Any]]:
        reply = await self.client.post(
            "/bip-async/getMessages",
            json={"sender": sender, "serviceId": service_id, "amount": amount},
        )
        assert reply.status_code == 200, reply.text
        messages: list[dict[str, Any]] = reply.json()["messages"]
        return messages

    async def status(
        self, message_id: str, sender: dict[str, str] = TESTER_SENDER
    ) -> dict[str, Any] | None:
        reply = await self.client.post(
            "/bip-async/getMessageStatus", json={"sender": sender, "messageIds": [message_id]}
        )
        assert reply.status_code == 200, reply.text
        statuses = reply.json()["statuses"]
        return statuses[0] if statuses else None

    async def confirm(
        self, message_id: str, sender: dict[str, str] = TESTER_SENDER, state: str = "DELIVERED"
    ) -> httpx.Response:
        return await self.client.post(
            "/bip-async/sendDeliveryNotification",
            json={"sender": sender, "messageId": message_id, "state": state},
        )

    async def state_of(self, message_id: str, sender: dict[str, str] = TESTER_SENDER) -> str:
        status = await self.status(message_id, sender)
        return status["state"] if status else "UNKNOWN"


bus = bus_fixture(
    {"in-process": "sqlite", "rabbitmq": "sqlite+rabbitmq"}, scope="module", extra=FAST_RETRIES
)


@pytest.fixture
async def channel(bus: BusPlan) -> AsyncIterator[Async]:
    async with async_client(base_url=bus.url("gateway"), timeout=10) as client:
        yield Async(client)


@pytest.fixture
async def pull_service(channel: Async) -> AsyncIterator[str]:
    """An async service whose provider (ГБД ФЛ's sender) pulls its requests."""
    reply = await channel.client.put(
        f"/admin/services/{PULL}",
        json={"provider": "gbd_fl", "mode": "async", "delivery": "pull", "path": "/shep/async"},
        headers=ADMIN,
    )
    assert reply.status_code == 200, reply.text
    yield PULL
    await channel.client.delete(f"/admin/services/{PULL}", headers=ADMIN)


async def test_request_pushed_to_the_provider_and_its_response_pulled_back(
    channel: Async,
) -> None:
    request = message(ASYNC_PERSON, {"iin": IIN})
    request_id = request["messageInfo"]["messageId"]
    accepted = await channel.send(request)
    assert accepted.status_code == 200, accepted.text
    answer = accepted.json()
    assert answer["deliveryState"] == "ON_DELIVERY"
    assert answer["responseInfo"]["status"]["code"] == "SCSS001"
    assert answer["responseInfo"]["sessionId"]

    # The gateway pushes the REQUEST to ГБД ФЛ, which answers through the gateway.
    assert await eventually(lambda: _is(channel.state_of(request_id), "DELIVERED"))
    responses = await eventually(lambda: channel.take(ASYNC_PERSON))
    assert len(responses) == 1, [
        (r["messageInfo"]["correlationId"], r["messageInfo"]["messageId"]) for r in responses
    ]
    info = responses[0]["messageInfo"]
    assert (info["messageType"], info["correlationId"]) == ("RESPONSE", request_id)
    assert info["sender"]["senderId"] == "gbd_fl"
    assert info["status"]["code"] == "SCSS001"
    assert info["sessionId"]
    assert responses[0]["messageData"]["data"]["person"]["iin"] == IIN

    response_id = info["messageId"]
    assert await channel.state_of(response_id) == "ON_DELIVERY"
    confirmed = await channel.confirm(response_id)
    assert confirmed.json()["state"] == "DELIVERED"
    assert await channel.take(ASYNC_PERSON) == []  # confirmed: never handed out again


async def test_bad_data_is_answered_with_a_refusal(channel: Async) -> None:
    request = message(ASYNC_PERSON, {"iin": "900515300019"})
    await channel.send(request)
    responses = await eventually(lambda: channel.take(ASYNC_PERSON))
    info = responses[0]["messageInfo"]
    assert info["status"]["code"] == "IIN_CHECK_DIGIT"
    assert responses[0]["messageData"]["data"]["field"] == "messageData.data.iin"
    await channel.confirm(info["messageId"])


async def test_pull_delivery_with_confirmation(channel: Async, pull_service: str) -> None:
    request = message(pull_service, {"iin": IIN})
    await channel.send(request)
    taken = await eventually(lambda: channel.take(pull_service, PROVIDER_SENDER))
    assert [m["messageInfo"]["messageId"] for m in taken] == [request["messageInfo"]["messageId"]]
    message_id = taken[0]["messageInfo"]["messageId"]
    # The sender sees it handed out but not confirmed; a stranger sees nothing.
    assert (await channel.status(message_id))["attempts"] == 1  # type: ignore[index]
    assert (
        await channel.status(message_id, {"senderId": "dealer-crm", "password": "dealer-secret"})
        is None
    )
    assert (await channel.confirm(message_id, PROVIDER_SENDER)).status_code == 200
    assert await channel.state_of(message_id) == "DELIVERED"


async def test_unconfirmed_pull_message_comes_back_then_stops_in_the_dead_letters(
    channel: Async, pull_service: str
) -> None:
    request = message(pull_service, {"iin": IIN})
    message_id = request["messageInfo"]["messageId"]
    await channel.send(request)
    seen = []
    for _attempt in (1, 2, 3):  # async_max_attempts is 3 here
        taken = await eventually(lambda: channel.take(pull_service, PROVIDER_SENDER))
        assert taken[0]["messageInfo"]["messageId"] == message_id
        seen.append((await channel.status(message_id))["attempts"])  # type: ignore[index]
    assert seen == [1, 2, 3]
    letters = await eventually(lambda: _dead_letter(channel, message_id))
    assert letters["mailbox"] == f"shep.async.gbd_fl.{pull_service}"
    assert letters["attempts"] in (3, "3")
    # An operator's view of parked mail masks the person as the message log does.
    assert letters["envelope"]["messageData"]["data"] == {"iin": mask_identifiers(IIN)}
    assert IIN not in str(letters)
    stopped = await eventually(lambda: _is(channel.state_of(message_id), "DELIVERY_STOPPED"))
    assert stopped
    # Confirming too late changes nothing.
    await channel.confirm(message_id, PROVIDER_SENDER)
    assert await channel.state_of(message_id) == "DELIVERY_STOPPED"


async def test_refused_pull_message_is_not_delivered_and_comes_back(
    channel: Async, pull_service: str
) -> None:
    request = message(pull_service, {"iin": IIN})
    message_id = request["messageInfo"]["messageId"]
    await channel.send(request)
    await eventually(lambda: channel.take(pull_service, PROVIDER_SENDER))
    refused = await channel.confirm(message_id, PROVIDER_SENDER, state="NOT_DELIVERED")
    assert refused.json()["state"] == "NOT_DELIVERED"
    again = await eventually(lambda: channel.take(pull_service, PROVIDER_SENDER))
    assert again[0]["messageInfo"]["messageId"] == message_id
    await channel.confirm(message_id, PROVIDER_SENDER)
    assert await channel.state_of(message_id) == "DELIVERED"


async def test_pull_message_refused_for_good_is_stopped_and_never_handed_out_again(
    channel: Async, pull_service: str
) -> None:
    stopped, kept = message(pull_service, {"iin": IIN}), message(pull_service, {"iin": IIN})
    for request in (stopped, kept):
        await channel.send(request)
    ids = [r["messageInfo"]["messageId"] for r in (stopped, kept)]
    taken: set[str] = set()

    async def both_taken() -> bool:
        # Each reaches the mailbox on its own: one getMessages may find only the first.
        taken.update(
            m["messageInfo"]["messageId"] for m in await channel.take(pull_service, PROVIDER_SENDER)
        )
        return taken >= set(ids)

    await eventually(both_taken)
    assert taken == set(ids)
    refused = await channel.confirm(ids[0], PROVIDER_SENDER, state="DELIVERY_STOPPED")
    assert (refused.status_code, refused.json()["state"]) == (200, "DELIVERY_STOPPED")
    # Neither was confirmed, so both come back after the backoff: only the other is handed out.
    again = await eventually(lambda: channel.take(pull_service, PROVIDER_SENDER))
    assert [m["messageInfo"]["messageId"] for m in again] == [ids[1]]
    await channel.confirm(ids[1], PROVIDER_SENDER)
    assert await channel.state_of(ids[0]) == "DELIVERY_STOPPED"


async def _sent_past_failing_pushes(channel: Async, code: str, status: int, count: int) -> str:
    """A request to ГБД ФЛ whose first `count` pushes fail with `status` `code`; its id."""
    rule = await channel.client.post(
        "/admin/faults",
        json={
            "serviceId": ASYNC_PERSON,
            "operation": "deliver",
            "kind": "error",
            "errorCode": code,
            "status": status,
            "count": count,
        },
        headers=ADMIN,
    )
    assert rule.status_code == 201, rule.text
    request = message(ASYNC_PERSON, {"iin": IIN})
    await channel.send(request)
    request_id: str = request["messageInfo"]["messageId"]
    return request_id


async def test_failed_pushes_are_retried_until_delivered(channel: Async) -> None:
    request_id = await _sent_past_failing_pushes(channel, "PROVIDER_ERROR", 503, 2)
    assert await eventually(lambda: _is(channel.state_of(request_id), "DELIVERED"))
    assert (await channel.status(request_id))["attempts"] == 3  # type: ignore[index]
    responses = await eventually(lambda: channel.take(ASYNC_PERSON))
    await channel.confirm(responses[0]["messageInfo"]["messageId"])


async def test_push_the_provider_refuses_is_stopped(channel: Async) -> None:
    # A provider that is away is waited for (tests/gateway/test_async_durability.py); one
    # that answers 4xx gets async_max_attempts tries.
    request_id = await _sent_past_failing_pushes(channel, "PROVIDER_ERROR", 400, 3)
    assert await eventually(lambda: _is(channel.state_of(request_id), "DELIVERY_STOPPED"))
    status = await channel.status(request_id)
    assert status is not None
    assert status["attempts"] == 3
    assert status["lastError"]
    assert await eventually(lambda: _dead_letter(channel, request_id))
    # The provider fixed, an operator redrives it: delivered anew, the dead letter gone.
    redrive = await channel.client.post(
        "/admin/async/dead-letters/redrive", json={"messageId": request_id}, headers=ADMIN
    )
    assert redrive.status_code == 200, redrive.text
    assert sum(redrive.json()["redriven"].values()) == 1
    assert await eventually(lambda: _is(channel.state_of(request_id), "DELIVERED"))
    assert await _dead_letter(channel, request_id) is None
    responses = await eventually(lambda: channel.take(ASYNC_PERSON))
    await channel.confirm(responses[0]["messageInfo"]["messageId"])


async def test_push_to_a_provider_away_past_the_old_budget_is_delivered_once_it_is_back(
    channel: Async,
) -> None:
    """Issue 15: a provider that is away is waited for (the outage budget), not stopped after
    async_max_attempts (3 here)."""
    request_id = await _sent_past_failing_pushes(channel, "PROVIDER_UNAVAILABLE", 503, 9)
    assert await eventually(lambda: _is(channel.state_of(request_id), "DELIVERED"))
    assert (await channel.status(request_id))["attempts"] == 10  # type: ignore[index]
    assert await _dead_letter(channel, request_id) is None
    responses = await eventually(lambda: channel.take(ASYNC_PERSON))
    await channel.confirm(responses[0]["messageInfo"]["messageId"])


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        (
            message(ASYNC_PERSON, {}, messageType="QUERY"),
            400,
            "INVALID_ENVELOPE",
            "messageInfo.messageType",
        ),
        (message("GBDFL_UniversalServiceSync", {}), 400, "WRONG_CHANNEL", "messageInfo.serviceId"),
        (message("NOPE", {}), 404, "SERVICE_NOT_FOUND", "messageInfo.serviceId"),
        (
            message(ASYNC_PERSON, {}, sender={"senderId": TESTER, "password": "bad"}),
            401,
            "AUTHENTICATION_FAILED",
            "messageInfo.sender",
        ),
        (
            message(
                ASYNC_PERSON, {}, sender={"senderId": "dealer-crm", "password": "dealer-secret"}
            ),
            403,
            "ACCESS_DENIED",
            "messageInfo.serviceId",
        ),
        (
            message(ASYNC_PERSON, {}, "RESPONSE", correlationId=str(uuid.uuid4())),
            404,
            "CORRELATION_NOT_FOUND",
            "messageInfo.correlationId",
        ),
        (message(ASYNC_PERSON, {}, "RESPONSE"), 400, "FIELD_REQUIRED", "messageInfo.correlationId"),
    ],
)
async def test_refusals(
    channel: Async, body: dict[str, Any], status: int, code: str, field: str
) -> None:
    reply = await channel.send(body)
    assert reply.status_code == status, reply.text
    problem = reply.json()
    assert (problem["code"], problem["field"]) == (code, field)
    assert problem["errorInfo"]["errorCode"] == code


async def test_only_the_recipient_may_answer_and_ids_are_unique(channel: Async) -> None:
    request = message(ASYNC_PERSON, {"iin": IIN})
    assert (await channel.send(request)).status_code == 200
    again = await channel.send(request)
    assert (again.status_code, again.json()["code"]) == (409, "DUPLICATE_MESSAGE")
    forged = message(
        ASYNC_PERSON, {"x": 1}, "RESPONSE", correlationId=request["messageInfo"]["messageId"]
    )
    reply = await channel.send(forged)  # the tester sent the request; it cannot answer it
    assert (reply.status_code, reply.json()["code"]) == (403, "ACCESS_DENIED")
    responses = await eventually(lambda: channel.take(ASYNC_PERSON))
    await channel.confirm(responses[0]["messageInfo"]["messageId"])


async def test_exchanges_are_in_the_journal(channel: Async) -> None:
    run = {"X-Test-Run-Id": f"run-{uuid.uuid4()}"}
    request = message(ASYNC_PERSON, {"iin": IIN})
    await channel.send(request, **run)
    journal = await eventually(
        lambda: _journal(channel, run, correlation=request["messageInfo"]["messageId"])
    )
    assert {"deliver", "sendMessage"} <= {e["operation"] for e in journal}
    responses = await eventually(lambda: channel.take(ASYNC_PERSON))
    await channel.confirm(responses[0]["messageInfo"]["messageId"])


async def _is(state: Awaitable[str], expected: str) -> bool:
    return await state == expected


async def _dead_letter(channel: Async, message_id: str) -> dict[str, Any] | None:
    reply = await channel.client.get("/admin/async/dead-letters", headers=ADMIN)
    return next((d for d in reply.json() if d["messageId"] == message_id), None)


async def _journal(
    channel: Async, run: dict[str, str], correlation: str
) -> list[dict[str, Any]] | None:
    reply = await channel.client.get("/admin/journal", headers={**ADMIN, **run})
    entries = [
        e for e in reply.json() if correlation in (e.get("messageId"), e.get("correlationId"))
    ]
    return entries if len({e["operation"] for e in entries}) >= 2 else None


@pytest.mark.parametrize(
    ("rule", "status", "code"),
    [
        (
            {"kind": "error", "errorCode": "GBDFL_MAINTENANCE", "status": 503},
            503,
            "GBDFL_MAINTENANCE",
        ),
        ({"kind": "drop"}, 502, "CONNECTION_DROPPED"),
    ],
)
async def test_fault_rules_apply_to_send_message(
    channel: Async, rule: dict[str, Any], status: int, code: str
) -> None:
    created = await channel.client.post(
        "/admin/faults",
        json={"serviceId": ASYNC_PERSON, "operation": "sendMessage", "count": 1, **rule},
        headers=ADMIN,
    )
    assert created.status_code == 201, created.text
    reply = await channel.send(message(ASYNC_PERSON, {"iin": IIN}))
    assert reply.status_code == status
    problem = reply.json()
    assert problem["code"] == problem["errorInfo"]["errorCode"] == code
    assert created.json()["id"] in problem["messages"]["en"]
    assert problem["errorInfo"]["errorData"] == {"faultRule": created.json()["id"]}


@pytest.mark.parametrize(
    ("service_id", "data", "expect"),
    [
        ("GBDUL_UniversalServiceSync", {"bin": "150440012354"}, ("found", True)),
        ("EPTS_PassportByVin", {"vin": "MXAJC4111TK100201"}, ("found", True)),
        ("CUSTOMS_PaymentsByVin", {"vin": "MXAJC4119TK100303"}, ("paid", False)),
        ("RECYCLING_FeeByVin", {"vin": "MXAJC4111TK100201"}, ("paid", True)),
        ("ERAP_FinesByIin", {"iin": "791123310745"}, ("unpaidCount", 2)),
        ("BMG_ReservedNumber", {"iin": "991111317779"}, ("found", True)),
        (
            "NOTARY_PowerOfAttorney",
            {"principalIin": "580714318519", "representativeIin": "011231612221"},
            ("valid", True),
        ),
    ],
)
async def test_every_registry_answers_on_the_async_channel(
    channel: Async, service_id: str, data: dict[str, Any], expect: tuple[str, Any]
) -> None:
    """Registries registered on both channels take a pushed REQUEST and answer a RESPONSE."""
    request = message(service_id, data)
    assert (await channel.send(request)).status_code == 200
    responses = await eventually(lambda: channel.take(service_id))
    response = responses[0]
    assert response["messageInfo"]["correlationId"] == request["messageInfo"]["messageId"]
    assert response["messageInfo"]["status"]["code"] == "SCSS001"
    field, value = expect
    assert response["messageData"]["data"][field] == value
    await channel.confirm(response["messageInfo"]["messageId"])
