"""A real SOAP client (zeep), made from the async WSDL the running gateway serves, calls the four
operations of IAsyncChannel: the success paths and every fault the JSON async channel gives, on
SQLite with the in-process bus and on PostgreSQL with RabbitMQ. The SOAP calls run the JSON
operations (one store, one set of mailboxes): a message sent over SOAP is pushed to its JSON
provider, whose RESPONSE is taken over SOAP. Every message sent and received is checked against
the project's XSDs."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import zeep
from lxml import etree
from zeep.exceptions import Fault

from egov.launcher import BusPlan
from gateway.soap.async_envelope import OPERATIONS
from gateway.soap.envelope import MESSAGE_IDS
from servicekit.envelope import SUCCESS
from servicekit.http_clients import async_client
from tests.fixtures.buses import bus_fixture
from tests.gateway.soap.support import ASYNC_PERSON, TESTER_SENDER, AsyncSoap, assert_valid
from tests.gateway.test_async_channel import FAST_RETRIES, message
from tests.harness import ADMIN, TESTER, eventually

PULL = "TEST_SoapPullService"
IIN = "900515310005"
PROVIDER_SENDER = ("gbd_fl", "gbd-fl-secret")


bus = bus_fixture(
    {"sqlite": "sqlite", "postgres+rabbitmq": "postgres+rabbitmq"},
    scope="module",
    extra=FAST_RETRIES,
)


@pytest.fixture(scope="module")
async def soap(bus: BusPlan) -> AsyncSoap:
    return await AsyncSoap.load(bus.url("gateway"))


@pytest.fixture
async def admin(bus: BusPlan) -> AsyncIterator[httpx.AsyncClient]:
    async with async_client(base_url=bus.url("gateway"), timeout=10) as client:
        yield client


@pytest.fixture
async def pull_service(admin: httpx.AsyncClient) -> AsyncIterator[str]:
    """An async service whose provider (ГБД ФЛ's sender) pulls its requests."""
    reply = await admin.put(
        f"/admin/services/{PULL}",
        json={"provider": "gbd_fl", "mode": "async", "delivery": "pull", "path": "/shep/async"},
        headers=ADMIN,
    )
    assert reply.status_code == 200, reply.text
    yield PULL
    await admin.delete(f"/admin/services/{PULL}", headers=ADMIN)


def _braced(session_id: str) -> bool:
    return session_id == "{" + str(uuid.UUID(session_id)) + "}"


async def _is(state: Any, expected: str) -> bool:
    return bool(await state == expected)


async def test_wsdls_and_schemas_are_served(
    bus: BusPlan, soap: AsyncSoap, admin: httpx.AsyncClient
) -> None:
    assert _operations(soap.client.zeep) == set(OPERATIONS)
    # What a provider generates its IAsyncChannelClient from, as zeep reads it.
    provider = await asyncio.to_thread(zeep.Client, f"{bus.url('gateway')}/bip-async?wsdl=client")
    assert _operations(provider) == {"sendMessage", "changeMassageStatusNotification"}
    for name in ("common", "async-types", "async-itypes", "payloads"):
        schema = await admin.get(f"/bip-async/?xsd={name}")
        assert schema.status_code == 200, name
        assert etree.QName(etree.fromstring(schema.content)).localname == "schema", name


def _operations(client: zeep.Client) -> set[str]:
    (service,) = client.wsdl.services.values()
    (port,) = service.ports.values()
    return set(port.binding._operations)


async def test_request_pushed_to_its_provider_and_the_response_pulled_over_soap(
    soap: AsyncSoap,
) -> None:
    checked = soap.client.validating.checked
    request_id = str(uuid.uuid4())
    accepted = await soap.send(ASYNC_PERSON, {"iin": IIN}, messageId=request_id)
    assert accepted.messageId == request_id
    assert _braced(accepted.sessionId)
    assert accepted.responseDate

    # ГБД ФЛ (a JSON provider) is pushed the REQUEST and answers through the gateway.
    assert await eventually(lambda: _is(soap.state_of(request_id), "DELIVERED"))
    status = await soap.status(request_id)
    assert (status.messageId, status.status.statusCode) == (request_id, SUCCESS)
    (response,) = await eventually(lambda: soap.take(ASYNC_PERSON))
    info = response.messageInfo
    assert (info.messageType, info.correlationId) == ("RESPONSE", request_id)
    assert info.sender.senderId == "gbd_fl"
    assert info.status.code == SUCCESS
    assert _braced(info.sessionId)
    assert response.messageData.data.person.iin == IIN

    assert await soap.state_of(info.messageId) == "ON_DELIVERY"
    notified = await soap.notify(info.messageId)
    assert uuid.UUID(notified.notificationId)
    assert await soap.state_of(info.messageId) == "DELIVERED"
    assert await soap.take(ASYNC_PERSON) == []  # confirmed: never handed out again
    assert soap.client.validating.checked - checked >= 2 * 7


async def test_pull_provider_refuses_then_stops_a_message_over_soap(
    soap: AsyncSoap, pull_service: str
) -> None:
    accepted = await soap.send(pull_service, {"iin": IIN}, messageId="order-7/1")
    # A messageId that is not a GUID is the caller's own: given back, and asked about, as it is.
    assert accepted.messageId == "order-7/1"
    assert await soap.state_of("order-7/1") == "ON_DELIVERY"

    (taken,) = await eventually(lambda: soap.take(pull_service, PROVIDER_SENDER))
    message_id = taken.messageInfo.messageId
    # Its recipient sees it as its sender wrote it, and answers about it by that string.
    assert message_id == "order-7/1"
    # A service without a payload type: its data comes untyped, as zeep reads any XML.
    (iin,) = taken.messageData.data
    assert (etree.QName(iin).localname, iin.text) == ("iin", IIN)
    await soap.notify(message_id, PROVIDER_SENDER, "MESSAGE_NOT_ACCTEPTED", "RESEND")
    assert await soap.state_of(message_id, PROVIDER_SENDER) == "NOT_DELIVERED"
    status = await soap.status(message_id)
    assert status.status.statusCode == "NOT_DELIVERED"

    (again,) = await eventually(lambda: soap.take(pull_service, PROVIDER_SENDER))
    assert again.messageInfo.messageId == message_id
    await soap.notify(message_id, PROVIDER_SENDER, "MESSAGE_NOT_ACCTEPTED", "NOT_RESEND")
    assert await soap.state_of("order-7/1") == "DELIVERY_STOPPED"


async def test_a_callers_own_id_reaches_a_json_recipient_and_comes_back_as_correlation(
    soap: AsyncSoap, admin: httpx.AsyncClient, pull_service: str
) -> None:
    own = f"order-8/{uuid.uuid4().hex[:8]}"
    accepted = await soap.send(pull_service, {"iin": IIN}, messageId=own)
    assert accepted.messageId == own

    # The provider pulls over JSON: the UUID standing for the id, and the id as it was written.
    taken = await admin.post(
        "/bip-async/getMessages",
        json={"sender": _json_sender(PROVIDER_SENDER), "serviceId": pull_service},
    )
    assert taken.status_code == 200, taken.text
    (pulled,) = taken.json()["messages"]
    info = pulled["messageInfo"]
    assert info["originalMessageId"] == own
    assert info["messageId"] == str(uuid.uuid5(MESSAGE_IDS, own))
    assert "originalCorrelationId" not in info

    # It answers the UUID (as a JSON caller does); the SOAP caller sees its own id again.
    answer = message(
        pull_service,
        {"ok": True},
        "RESPONSE",
        sender=_json_sender(PROVIDER_SENDER),
        correlationId=info["messageId"],
        # Whatever a sender claims here is replaced: this id is a GUID.
        originalMessageId="forged",
    )
    sent = await admin.post("/bip-async/sendMessage", json=answer)
    assert sent.status_code == 200, sent.text

    async def answered() -> list[Any]:
        # The module's tests share the service's mailbox: an earlier test's response may
        # still be in it (handed out again, unconfirmed). Ours is the one correlated to us.
        taken = await soap.take(pull_service)
        return [r for r in taken if r.messageInfo.correlationId == own]

    (response,) = await eventually(answered)
    assert response.messageInfo.messageId == answer["messageInfo"]["messageId"]


def _json_sender(sender: tuple[str, str]) -> dict[str, str]:
    return {"senderId": sender[0], "password": sender[1]}


async def test_soap_calls_are_in_the_journal(bus: BusPlan, admin: httpx.AsyncClient) -> None:
    run = f"soap-async-{uuid.uuid4().hex[:8]}"
    client = await AsyncSoap.load(bus.url("gateway"), {"X-Test-Run-Id": run})
    accepted = await client.send(ASYNC_PERSON, {"iin": IIN})
    journal = await eventually(lambda: _journal(admin, run, {"sendMessage", "deliver"}))
    # The provider's RESPONSE is in the run too (it was sent with the run's id).
    sent = [e for e in journal if e["operation"] == "sendMessage"]
    assert ("async", accepted.messageId) in {(e["channel"], e["messageId"]) for e in sent}
    (response,) = await eventually(lambda: client.take(ASYNC_PERSON))
    await client.notify(response.messageInfo.messageId)


async def _journal(
    admin: httpx.AsyncClient, run: str, operations: set[str]
) -> list[dict[str, Any]] | None:
    reply = await admin.get("/admin/journal", headers={**ADMIN, "X-Test-Run-Id": run})
    entries: list[dict[str, Any]] = reply.json()
    return entries if operations <= {e["operation"] for e in entries} else None


# --- faults ------------------------------------------------------------------------------------


def _error_info(fault: Fault, operation: str) -> dict[str, Any]:
    detail = fault.detail[0]
    assert etree.QName(detail).localname == f"{operation}Fault1_{operation}Fault"
    found = {etree.QName(c).localname: c.text for c in detail}
    assert fault.code == found["errorCode"]
    assert fault.message == found["errorMessage"]
    assert found["errorDate"]
    assert _braced(found["sessionId"])
    return found


async def _fault(call: Any) -> Fault:
    with pytest.raises(Fault) as raised:
        await call
    return raised.value


LONG = ("x" * 101, "secret")
BAD_PASSWORD = (TESTER, "wrong-password")
DEALER = ("dealer-crm", "dealer-secret")

SEND_FAULTS: list[tuple[str, dict[str, Any]]] = [
    ("INVALID_ENVELOPE", {"sender": LONG}),
    # An own id that is no GUID is kept beside the UUID for it, up to 200 characters.
    ("INVALID_ENVELOPE", {"messageId": "order-" + "9" * 195}),
    ("AUTHENTICATION_FAILED", {"sender": BAD_PASSWORD}),
    ("SERVICE_NOT_FOUND", {"serviceId": "NO_SUCH_Service"}),
    ("ACCESS_DENIED", {"sender": DEALER}),
    ("WRONG_CHANNEL", {"serviceId": "GBDFL_UniversalServiceSync"}),
    ("ROUTE_NOT_FOUND", {"routeId": "nowhere"}),
    ("FIELD_REQUIRED", {"message_type": "RESPONSE"}),
    ("CORRELATION_NOT_FOUND", {"message_type": "RESPONSE", "correlationId": str(uuid.uuid4())}),
]


@pytest.mark.parametrize(("code", "change"), SEND_FAULTS, ids=[c for c, _ in SEND_FAULTS])
async def test_send_message_refusal_is_its_soap_fault(
    soap: AsyncSoap, code: str, change: dict[str, Any]
) -> None:
    change = dict(change)
    service_id = change.pop("serviceId", ASYNC_PERSON)
    fault = await _fault(soap.send(service_id, None, **change))
    assert _error_info(fault, "sendMessage")["errorCode"] == code


async def test_duplicate_and_forged_messages_are_refused(soap: AsyncSoap) -> None:
    message_id = str(uuid.uuid4())
    await soap.send(ASYNC_PERSON, {"iin": IIN}, messageId=message_id)
    again = await _fault(soap.send(ASYNC_PERSON, {"iin": IIN}, messageId=message_id))
    assert _error_info(again, "sendMessage")["errorCode"] == "DUPLICATE_MESSAGE"
    forged = await _fault(soap.send(ASYNC_PERSON, None, "RESPONSE", correlationId=message_id))
    assert _error_info(forged, "sendMessage")["errorCode"] == "ACCESS_DENIED"
    responses = await eventually(lambda: soap.take(ASYNC_PERSON))
    assert message_id in {r.messageInfo.correlationId for r in responses}
    for response in responses:
        await soap.notify(response.messageInfo.messageId)


@pytest.mark.parametrize(
    ("rule", "code"),
    [
        ({"kind": "error", "errorCode": "SCE003", "status": 503}, "SCE003"),
        (
            {"kind": "error", "errorCode": "PROVIDER_UNAVAILABLE", "status": 503},
            "PROVIDER_UNAVAILABLE",
        ),
        ({"kind": "timeout"}, "PROVIDER_TIMEOUT"),
        ({"kind": "drop"}, "CONNECTION_DROPPED"),
    ],
    ids=["injected-code", "provider-unavailable", "provider-timeout", "dropped"],
)
async def test_fault_rules_apply_to_soap_send_message(
    bus: BusPlan, admin: httpx.AsyncClient, rule: dict[str, Any], code: str
) -> None:
    run = f"soap-async-{uuid.uuid4().hex[:8]}"
    service_id = ASYNC_PERSON
    if rule["kind"] == "timeout":
        # A service of its own with a short timeout, so the rule's wait is short.
        service_id = f"TEST_SlowAsync_{uuid.uuid4().hex[:6]}"
        put = await admin.put(
            f"/admin/services/{service_id}",
            json={"provider": "gbd_fl", "mode": "async", "path": "/shep/async", "timeoutMs": 50},
            headers=ADMIN,
        )
        assert put.status_code == 200, put.text
    created = await admin.post(
        "/admin/faults",
        json={"serviceId": service_id, "operation": "sendMessage", **rule},
        headers={**ADMIN, "X-Test-Run-Id": run},
    )
    assert created.status_code == 201, created.text
    client = await AsyncSoap.load(bus.url("gateway"), {"X-Test-Run-Id": run})
    info = _error_info(await _fault(client.send(service_id, {"iin": IIN})), "sendMessage")
    assert info["errorCode"] == code
    if code != "PROVIDER_TIMEOUT":
        assert created.json()["id"] in info["errorData"]


@pytest.mark.parametrize(
    ("code", "sender", "service_id", "amount"),
    [
        ("INVALID_ENVELOPE", TESTER_SENDER, ASYNC_PERSON, 101),
        ("AUTHENTICATION_FAILED", BAD_PASSWORD, ASYNC_PERSON, 1),
        ("SERVICE_NOT_FOUND", TESTER_SENDER, "NO_SUCH_Service", 1),
        ("WRONG_CHANNEL", TESTER_SENDER, "GBDFL_UniversalServiceSync", 1),
    ],
)
async def test_get_messages_refusal_is_its_soap_fault(
    soap: AsyncSoap, code: str, sender: tuple[str, str], service_id: str, amount: int
) -> None:
    fault = await _fault(soap.take(service_id, sender, amount))
    assert _error_info(fault, "getMessages")["errorCode"] == code


@pytest.mark.parametrize(
    ("code", "sender", "known"),
    [
        ("INVALID_ENVELOPE", LONG, True),
        ("AUTHENTICATION_FAILED", BAD_PASSWORD, True),
        ("MESSAGE_NOT_FOUND", TESTER_SENDER, False),
        ("MESSAGE_NOT_FOUND", DEALER, True),  # not the dealer's to see
    ],
)
async def test_get_message_status_refusal_is_its_soap_fault(
    soap: AsyncSoap, pull_service: str, code: str, sender: tuple[str, str], known: bool
) -> None:
    message_id = str(uuid.uuid4())
    if known:
        await soap.send(pull_service, {"iin": IIN}, messageId=message_id)
    fault = await _fault(soap.status(message_id, sender))
    assert _error_info(fault, "getMessageStatus")["errorCode"] == code


@pytest.mark.parametrize(
    ("code", "sender", "received"),
    [
        ("INVALID_ENVELOPE", LONG, "MESSAGE_ACCEPTED"),
        ("AUTHENTICATION_FAILED", BAD_PASSWORD, "MESSAGE_ACCEPTED"),
        ("MESSAGE_NOT_FOUND", TESTER_SENDER, "MESSAGE_ACCEPTED"),  # not the sender's to confirm
    ],
)
async def test_delivery_notification_refusal_is_its_soap_fault(
    soap: AsyncSoap, pull_service: str, code: str, sender: tuple[str, str], received: str
) -> None:
    message_id = str(uuid.uuid4())
    await soap.send(pull_service, {"iin": IIN}, messageId=message_id)
    fault = await _fault(soap.notify(message_id, sender, received))
    assert _error_info(fault, "sendDeliveryNotification")["errorCode"] == code


async def test_a_body_that_is_no_soap_is_a_fault_of_its_own(admin: httpx.AsyncClient) -> None:
    reply = await admin.post(
        "/bip-async/", content=b"<not-soap/>", headers={"content-type": "text/xml"}
    )
    assert (reply.status_code, reply.headers["x-egov-status"]) == (500, "400")
    detail = assert_valid(reply.content)
    assert etree.QName(detail).localname == "sendMessageFault1_sendMessageFault"
    assert detail.findtext("errorCode") == "INVALID_ENVELOPE"
