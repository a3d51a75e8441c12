"""Push to a provider whose async endpoint speaks SOAP: a small IAsyncChannelClient (Starlette,
parsing with lxml) registered behind the gateway receives each message as SOAP sendMessage, on
the retries of every push (SQLite with the in-process bus, PostgreSQL with RabbitMQ); a refusing
fault stops the message after the last attempt, and the provider is told when its own message is
confirmed (changeMassageStatusNotification)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import uvicorn
from lxml import etree
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from egov.launcher import BusPlan
from gateway.soap.xml import ASYNC_ITYPES, SOAP_ENV
from servicekit.envelope import SUCCESS
from servicekit.http_clients import async_client
from tests.fixtures.http import serving as http_serving
from tests.gateway.soap.support import AsyncSoap, assert_valid
from tests.gateway.test_async_channel import FAST_RETRIES, TESTER_SENDER, message
from tests.harness import ADMIN, bus_on, eventually

PUSHED = "TEST_SoapPushService"
IIN = "900515310005"
PROVIDER = ("soap_client", "soap-client-secret")
XML = "text/xml; charset=utf-8"


@dataclass
class AsyncChannelClient:
    """A provider's IAsyncChannelClient: takes sendMessage, or refuses it with a fault."""

    refuse_with: str | None = None
    """A faultcode to answer with instead (`Client`, `Server`, an ErrorInfo code)."""
    received: list[etree._Element] = field(default_factory=list)
    """The `request` of every sendMessage, checked against the project's XSDs."""
    notices: list[etree._Element] = field(default_factory=list)
    """The `request` of every changeMassageStatusNotification, checked the same way."""

    async def endpoint(self, request: Request) -> Response:
        operation = assert_valid(await request.body())
        assert request.headers["soapaction"] == '""'
        if etree.QName(operation).text == f"{{{ASYNC_ITYPES}}}changeMassageStatusNotification":
            self.notices.append(operation[0])
            return Response(_noted(), media_type=XML)
        assert etree.QName(operation).text == f"{{{ASYNC_ITYPES}}}sendMessage"
        self.received.append(operation[0])
        if self.refuse_with is not None:
            return Response(_fault(self.refuse_with), status_code=500, media_type=XML)
        info = operation[0].find("messageInfo")
        assert info is not None
        return Response(_accepted(info.findtext("messageId") or ""), media_type=XML)


def _accepted(message_id: str) -> bytes:
    return f"""<s:Envelope xmlns:s="{SOAP_ENV}"><s:Body>
<it:sendMessageResponse xmlns:it="{ASYNC_ITYPES}"><response>
<messageId>{message_id}</messageId><responseDate>2026-11-22T10:00:01+05:00</responseDate>
</response></it:sendMessageResponse></s:Body></s:Envelope>""".encode()


def _noted() -> bytes:
    return f"""<s:Envelope xmlns:s="{SOAP_ENV}"><s:Body>
<it:changeMassageStatusNotificationResponse xmlns:it="{ASYNC_ITYPES}"/>
</s:Body></s:Envelope>""".encode()


def _fault(code: str) -> bytes:
    return f"""<s:Envelope xmlns:s="{SOAP_ENV}"><s:Body><s:Fault>
<faultcode>{code}</faultcode><faultstring>refused</faultstring>
</s:Fault></s:Body></s:Envelope>""".encode()


@asynccontextmanager
async def serving(client: AsyncChannelClient) -> AsyncIterator[str]:
    app = Starlette(routes=[Route("/iasync", client.endpoint, methods=["POST"])])
    async with http_serving(uvicorn.Config(app, log_config=None, lifespan="off")) as (host, port):
        yield f"http://{host}:{port}"


@pytest.fixture(scope="module")
async def provider() -> AsyncIterator[tuple[AsyncChannelClient, str]]:
    client = AsyncChannelClient()
    async with serving(client) as url:
        yield client, url


@pytest.fixture(scope="module", params=["sqlite", "postgres+rabbitmq"])
async def bus(
    request: pytest.FixtureRequest,
    provider: tuple[AsyncChannelClient, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[BusPlan]:
    # The stub stands for one provider of the registry; it is the only one routed here.
    extra = {"gateway": {**FAST_RETRIES["gateway"], "providers": {"soap_client": provider[1]}}}
    data_dir = tmp_path_factory.mktemp("bus")
    async with bus_on(request.param, data_dir, extra=extra) as plan:
        yield plan


@pytest.fixture
async def admin(bus: BusPlan) -> AsyncIterator[httpx.AsyncClient]:
    async with async_client(base_url=bus.url("gateway"), timeout=10) as client:
        reply = await client.put(
            f"/admin/services/{PUSHED}",
            json={
                "provider": "soap_client",
                "mode": "async",
                "path": "/iasync",
                "asyncProtocol": "soap",
            },
            headers=ADMIN,
        )
        assert reply.status_code == 200, reply.text
        assert reply.json()["asyncProtocol"] == "soap"
        # The provider answers on the channel as a sender of its own name.
        sender = await client.put(
            "/admin/senders/soap_client", json={"password": PROVIDER[1]}, headers=ADMIN
        )
        assert sender.status_code == 200, sender.text
        right = await client.put(f"/admin/access/soap_client/{PUSHED}", headers=ADMIN)
        assert right.status_code in (200, 201, 204), right.text
        yield client


async def _state(admin: httpx.AsyncClient, message_id: str) -> str | None:
    reply = await admin.post(
        "/bip-async/getMessageStatus",
        json={
            "sender": {"senderId": "tester", "password": "tester-secret"},
            "messageIds": [message_id],
        },
    )
    statuses = reply.json()["statuses"]
    return statuses[0]["state"] if statuses else None


async def test_provider_speaking_soap_is_pushed_send_message(
    admin: httpx.AsyncClient, provider: tuple[AsyncChannelClient, str]
) -> None:
    stub, _ = provider
    stub.refuse_with, before = None, len(stub.received)
    request = message(PUSHED, {"iin": IIN}, properties=[{"key": "k", "value": "v"}])
    request_id = request["messageInfo"]["messageId"]
    sent = await admin.post("/bip-async/sendMessage", json=request)
    assert sent.status_code == 200, sent.text
    assert await eventually(lambda: _is(_state(admin, request_id), "DELIVERED"))
    (pushed,) = stub.received[before:]
    info = pushed.find("messageInfo")
    assert info is not None
    assert info.findtext("messageId") == request_id
    assert info.findtext("messageType") == "REQUEST"
    assert info.findtext("sender/senderId") == "tester"
    assert info.find("sender/password") is None  # the password was for the gateway
    session = info.findtext("sessionId") or ""
    assert session == "{" + str(uuid.UUID(session)) + "}"
    assert pushed.findtext("messageData/data/iin") == IIN


async def test_a_soap_callers_own_id_is_pushed_as_it_wrote_it(
    bus: BusPlan, admin: httpx.AsyncClient, provider: tuple[AsyncChannelClient, str]
) -> None:
    stub, _ = provider
    stub.refuse_with, before = None, len(stub.received)
    own = f"order-{uuid.uuid4().hex[:8]}"
    soap = await AsyncSoap.load(bus.url("gateway"))
    assert (await soap.send(PUSHED, {"iin": IIN}, messageId=own)).messageId == own
    assert await eventually(lambda: _is(soap.state_of(own), "DELIVERED"))
    (pushed,) = stub.received[before:]
    assert pushed.findtext("messageInfo/messageId") == own


@pytest.mark.parametrize(
    ("code", "attempts"), [("Client", 3), ("SCE001", 3)], ids=["client", "errorinfo-code"]
)
async def test_a_refusing_fault_stops_the_message_after_its_attempts(
    admin: httpx.AsyncClient, provider: tuple[AsyncChannelClient, str], code: str, attempts: int
) -> None:
    stub, _ = provider
    stub.refuse_with, before = code, len(stub.received)
    request = message(PUSHED, {"iin": IIN})
    request_id = request["messageInfo"]["messageId"]
    assert (await admin.post("/bip-async/sendMessage", json=request)).status_code == 200
    try:
        assert await eventually(lambda: _is(_state(admin, request_id), "DELIVERY_STOPPED"))
    finally:
        stub.refuse_with = None
    assert len(stub.received) - before == attempts  # async_max_attempts is 3 here


async def test_a_server_fault_is_a_provider_away_and_retried(
    admin: httpx.AsyncClient, provider: tuple[AsyncChannelClient, str]
) -> None:
    stub, _ = provider
    stub.refuse_with, before = "s:Server", len(stub.received)
    request = message(PUSHED, {"iin": IIN})
    request_id = request["messageInfo"]["messageId"]
    assert (await admin.post("/bip-async/sendMessage", json=request)).status_code == 200
    # Past async_max_attempts (3) it is still waited for: the outage budget holds.
    assert await eventually(lambda: _pushed_at_least(stub, before, 4))
    assert await _state(admin, request_id) == "NOT_DELIVERED"
    stub.refuse_with = None
    assert await eventually(lambda: _is(_state(admin, request_id), "DELIVERED"))


async def test_the_provider_is_told_when_its_response_is_confirmed(
    bus: BusPlan, admin: httpx.AsyncClient, provider: tuple[AsyncChannelClient, str]
) -> None:
    """changeMassageStatusNotification: the requester confirms the provider's RESPONSE, and the
    gateway tells the provider so, on its IAsyncChannelClient."""
    stub, _ = provider
    stub.refuse_with, before = None, len(stub.notices)
    request = message(PUSHED, {"iin": IIN})
    request_id = request["messageInfo"]["messageId"]
    assert (await admin.post("/bip-async/sendMessage", json=request)).status_code == 200
    assert await eventually(lambda: _is(_state(admin, request_id), "DELIVERED"))

    soap = await AsyncSoap.load(bus.url("gateway"))
    # The provider's own id for its RESPONSE is no GUID: it is told about it by that id.
    own = f"answer-{uuid.uuid4().hex[:8]}"
    answered = await soap.send(
        PUSHED, None, "RESPONSE", sender=PROVIDER, correlationId=request_id, messageId=own
    )
    assert answered.messageId == own
    (response,) = await eventually(lambda: _take(admin))
    assert response["messageInfo"]["originalMessageId"] == own
    confirmed = await admin.post(
        "/bip-async/sendDeliveryNotification",
        json={
            "sender": TESTER_SENDER,
            "messageId": response["messageInfo"]["messageId"],
            "state": "DELIVERED",
        },
    )
    assert confirmed.status_code == 200, confirmed.text

    (notice,) = await eventually(lambda: _noticed(stub, before))
    assert notice.findtext("messageId") == own
    assert notice.findtext("serviceId") == PUSHED
    assert notice.findtext("messageState") == "DELIVERED"
    assert notice.findtext("status/statusCode") == SUCCESS


async def _take(admin: httpx.AsyncClient) -> list[dict[str, Any]]:
    reply = await admin.post(
        "/bip-async/getMessages", json={"sender": TESTER_SENDER, "serviceId": PUSHED}
    )
    messages: list[dict[str, Any]] = reply.json()["messages"]
    return messages


async def _noticed(stub: AsyncChannelClient, before: int) -> list[etree._Element]:
    return stub.notices[before:]


async def _pushed_at_least(stub: AsyncChannelClient, before: int, count: int) -> bool:
    return len(stub.received) - before >= count


async def _is(state: Awaitable[str | None], expected: str) -> bool:
    return await state == expected
