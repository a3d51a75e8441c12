"""The async channel's SOAP by hand, as other stacks write it: a .NET-style sendMessage,
SOAPAction variants, hostile XML, limits, the WSDL on every async SOAP path, and its settings."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from lxml import etree
from pydantic import ValidationError

from egov.launcher import BusPlan, free_port
from gateway.settings import Settings
from servicekit.http_clients import async_client
from tests.gateway.soap.support import XML, assert_valid, fault_info
from tests.harness import ADMIN

DOTNET = """<?xml version="1.0" encoding="utf-8"?>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">
  <s:Body xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
          xmlns:xsd="http://www.w3.org/2001/XMLSchema">
    <sendMessage xmlns="http://bip.bee.kz/AsyncChannel/v10/ITypes">
      <request xmlns="">
        <messageInfo>
          <messageId>{message_id}</messageId>
          <correlationId />
          <serviceId>GBDFL_UniversalServiceAsync</serviceId>
          <messageType>REQUEST</messageType>
          <messageDate>2026-11-22T10:00:00.1234567</messageDate>
          <routeId />
          <sender>
            <senderId>tester</senderId>
            <password>tester-secret</password>
          </sender>
          <properties><key>channel</key><value>wcf</value></properties>
          <sessionId>{{3c9e5d7a-1b2f-4e6a-8c0d-9f1a2b3c4d5e}}</sessionId>
        </messageInfo>
        <messageData>
          <data xmlns:q1="urn:egov-bus:shep:payloads:v1"
                xsi:type="q1:GBDFL_UniversalServiceAsync.Request">
            <iin>900515310005</iin>
          </data>
        </messageData>
      </request>
    </sendMessage>
  </s:Body>
</s:Envelope>
"""

STATUS = """<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>
<getMessageStatus xmlns="http://bip.bee.kz/AsyncChannel/v10/ITypes"><request xmlns="">
<messageId>{message_id}</messageId>
<sender><senderId>tester</senderId><password>tester-secret</password></sender>
</request></getMessageStatus></s:Body></s:Envelope>"""

GET_MESSAGES = """<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>
<getMessages xmlns="http://bip.bee.kz/AsyncChannel/v10/ITypes"><request xmlns="">
<serviceId>GBDFL_UniversalServiceAsync</serviceId>
<sender><senderId>nobody-here</senderId><password>x</password></sender>
<amount>1</amount>{filters}
</request></getMessages></s:Body></s:Envelope>"""


def dotnet_request(message_id: str | None = None) -> bytes:
    return DOTNET.format(message_id=message_id or f"order-{uuid.uuid4().hex[:8]}").encode()


def _fault(reply: httpx.Response, operation: str = "sendMessage") -> dict[str, Any]:
    return fault_info(reply, operation)


async def test_dotnet_style_send_message_succeeds_and_its_own_id_is_asked_about(
    client: httpx.AsyncClient,
) -> None:
    """No SOAPAction, xsi:type on data, a sessionId in braces, a messageDate without a time zone
    and with seven decimals, empty optional elements, a messageId that is no GUID."""
    request = dotnet_request("a1b2c3-not-a-guid")
    assert_valid(request)
    reply = await client.post("/bip-async/", content=request, headers=XML)
    assert reply.status_code == 200, reply.text
    response = assert_valid(reply.content).find("response")
    assert response is not None
    assert response.findtext("messageId") == "a1b2c3-not-a-guid"
    session = response.findtext("sessionId") or ""
    assert session.startswith("{")
    assert session != "{3c9e5d7a-1b2f-4e6a-8c0d-9f1a2b3c4d5e}"  # the gateway stamps its own
    status = await client.post(
        "/bip-async/",
        content=STATUS.format(message_id="a1b2c3-not-a-guid").encode(),
        headers=XML,
    )
    assert status.status_code == 200, status.text
    found = assert_valid(status.content)
    assert found.findtext("response/messageId") == "a1b2c3-not-a-guid"
    assert found.findtext("response/messageState") in ("ON_DELIVERY", "DELIVERED")


TAKE = """<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>
<getMessages xmlns="http://bip.bee.kz/AsyncChannel/v10/ITypes"><request xmlns="">
<serviceId>{service_id}</serviceId>
<sender><senderId>gbd_fl</senderId><password>gbd-fl-secret</password></sender>
<amount>10</amount><filters/>
</request></getMessages></s:Body></s:Envelope>"""


async def test_the_recipient_takes_a_message_by_its_senders_own_id(
    client: httpx.AsyncClient,
) -> None:
    """A messageId that is no GUID reaches the recipient as its sender wrote it."""
    service_id = "TEST_RawPullService"
    registered = await client.put(
        f"/admin/services/{service_id}",
        json={"provider": "gbd_fl", "mode": "async", "delivery": "pull", "path": "/shep/async"},
        headers=ADMIN,
    )
    assert registered.status_code == 200, registered.text
    own = f"order-{uuid.uuid4().hex[:8]}"
    request = dotnet_request(own).replace(b"GBDFL_UniversalServiceAsync", service_id.encode())
    sent = await client.post("/bip-async/", content=request, headers=XML)
    assert sent.status_code == 200, sent.text
    taken = await client.post(
        "/bip-async/", content=TAKE.format(service_id=service_id).encode(), headers=XML
    )
    assert taken.status_code == 200, taken.text
    response = assert_valid(taken.content).find("response")
    assert response is not None
    assert [m.findtext("messageInfo/messageId") for m in response.iter("messages")] == [own]


@pytest.mark.parametrize(
    "action",
    [
        '""',
        '"sendMessage"',
        "sendMessage",
        '"http://bip.bee.kz/AsyncChannel/v10/Interfaces/IAsyncChannel/sendMessage"',
        None,
    ],
)
async def test_soap_actions_that_are_accepted(
    client: httpx.AsyncClient, action: str | None
) -> None:
    headers = XML if action is None else {**XML, "SOAPAction": action}
    reply = await client.post("/bip-async/", content=dotnet_request(), headers=headers)
    assert reply.status_code == 200, reply.text
    assert_valid(reply.content)


async def test_an_unknown_soap_action_is_a_fault_kept_without_the_password(
    client: httpx.AsyncClient,
) -> None:
    run = {"X-Test-Run-Id": f"async-action-{uuid.uuid4().hex[:6]}"}
    headers = {**XML, **run, "SOAPAction": '"urn:DeleteEverything"'}
    reply = await client.post("/bip-async/", content=dotnet_request(), headers=headers)
    assert (reply.status_code, reply.headers["x-egov-status"]) == (500, "400")
    assert _fault(reply)["errorCode"] == "INVALID_ENVELOPE"
    (entry,) = (await client.get("/admin/journal", headers={**ADMIN, **run})).json()
    assert (entry["channel"], entry["code"]) == ("async", "INVALID_ENVELOPE")
    assert "<password>***</password>" in entry["request"]
    assert "tester-secret" not in entry["request"]


async def test_the_journal_keeps_the_soap_call_as_json_without_the_password(
    client: httpx.AsyncClient,
) -> None:
    run = {"X-Test-Run-Id": f"async-journal-{uuid.uuid4().hex[:6]}"}
    reply = await client.post("/bip-async/", content=dotnet_request(), headers={**XML, **run})
    assert reply.status_code == 200
    entries = (await client.get("/admin/journal", headers={**ADMIN, **run})).json()
    sent = next(e for e in entries if e["operation"] == "sendMessage")
    assert sent["request"]["messageInfo"]["sender"]["password"] == "***"
    assert sent["request"]["messageData"]["data"] == {"iin": "90051*****05"}


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>&lol2;</s:Body></s:Envelope>"""

SOAP12 = b"""<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body/></e:Envelope>"""

SYNC_OPERATION = b"""<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>
<SendMessage xmlns="http://bip.bee.kz/SyncChannel/v10/Types"/></s:Body></s:Envelope>"""

NO_REQUEST = b"""<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>
<getMessages xmlns="http://bip.bee.kz/AsyncChannel/v10/ITypes"/></s:Body></s:Envelope>"""


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (BILLION_LAUGHS, "XML_DTD_FORBIDDEN"),
        (b"{not xml at all", "MALFORMED_XML"),
        (b"", "MALFORMED_XML"),
        (SOAP12, "SOAP_VERSION_MISMATCH"),
        (SYNC_OPERATION, "SOAP_ENVELOPE_EXPECTED"),
        (NO_REQUEST, "SOAP_ENVELOPE_EXPECTED"),
    ],
    ids=["entity-bomb", "json", "empty", "soap12", "sync-operation", "no-request"],
)
async def test_hostile_or_broken_xml_is_a_client_fault(
    client: httpx.AsyncClient, body: bytes, reason: str
) -> None:
    run = {"X-Test-Run-Id": f"async-hostile-{uuid.uuid4().hex[:6]}"}
    reply = await client.post("/bip-async/", content=body, headers={**XML, **run})
    assert (reply.status_code, reply.headers["x-egov-status"]) == (500, "400")
    assert _fault(reply)["errorCode"] == "INVALID_ENVELOPE"
    (entry,) = (await client.get("/admin/journal", headers={**ADMIN, **run})).json()
    assert (entry["status"], entry["code"]) == (400, "INVALID_ENVELOPE")
    assert entry["response"]["errors"][0]["code"] == reason


async def test_a_filter_is_refused_by_name_and_an_empty_one_is_not(
    client: httpx.AsyncClient,
) -> None:
    """The gateway does not filter getMessages: a filter given would be ignored, so it is
    refused; an empty `filters`, as generated clients send it, is no filter."""
    given = GET_MESSAGES.format(filters="<filters><messageType>RESPONSE</messageType></filters>")
    refused = await client.post("/bip-async/", content=given.encode(), headers=XML)
    assert refused.headers["x-egov-status"] == "400"
    assert _fault(refused, "getMessages")["errorCode"] == "INVALID_ENVELOPE"
    empty = GET_MESSAGES.format(filters="<filters/>")
    reply = await client.post("/bip-async/", content=empty.encode(), headers=XML)
    # Past the filter, the unknown sender is what is refused.
    assert _fault(reply, "getMessages")["errorCode"] == "AUTHENTICATION_FAILED"


async def test_a_status_request_without_a_message_id_is_an_invalid_envelope(
    client: httpx.AsyncClient,
) -> None:
    reply = await client.post(
        "/bip-async/", content=STATUS.format(message_id="").encode(), headers=XML
    )
    assert reply.headers["x-egov-status"] == "400"
    assert _fault(reply, "getMessageStatus")["errorCode"] == "INVALID_ENVELOPE"


async def test_a_body_too_large_is_refused_as_a_fault(client: httpx.AsyncClient) -> None:
    body = b"<s:Envelope>" + b" " * (10 * 1024 * 1024) + b"</s:Envelope>"
    reply = await client.post("/bip-async/", content=body, headers=XML)
    assert (reply.status_code, reply.headers["x-egov-status"]) == (500, "413")
    assert _fault(reply)["errorCode"] == "REQUEST_TOO_LARGE"


async def test_wsdls_are_served_beside_the_endpoint_and_metrics_count_it(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    wsdl = await client.get("/bip-async/?wsdl")
    assert wsdl.status_code == 200
    address = etree.fromstring(wsdl.content).find(
        ".//{http://schemas.xmlsoap.org/wsdl/soap/}address"
    )
    assert address is not None
    assert address.get("location") == f"{bus.url('gateway')}/bip-async/"
    assert (await client.get("/bip-async/?xsd=../../etc/passwd")).status_code == 404
    reply = await client.post("/bip-async/", content=dotnet_request(), headers=XML)
    assert reply.status_code == 200
    metrics = (await client.get("/metrics")).text
    assert 'egov_http_requests_total{method="POST",route="/bip-async/",status="200"}' in metrics


async def test_the_json_channel_is_untouched(client: httpx.AsyncClient) -> None:
    reply = await client.post("/bip-async/sendMessage", content=dotnet_request(), headers=XML)
    assert reply.status_code == 400
    assert reply.json()["errorInfo"]["errorCode"] == "INVALID_ENVELOPE"


# --- settings, on a gateway whose database is not there (so it is never ready) -----------------


@pytest.fixture
async def unready_gateway() -> AsyncIterator[httpx.AsyncClient]:
    from egov.services import build_app
    from servicekit.topology import spec

    app = build_app(
        spec("gateway"),
        port=0,
        database_url=f"postgresql+asyncpg://nobody@127.0.0.1:{free_port()}/egov_gateway",
        soap_async_paths=["/bip-async/", "/shep/bip-async-wss/"],
        soap_fault_http_status="problem",
    )
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        async_client(transport=transport, base_url="http://gw") as client,
    ):
        yield client


async def test_more_async_soap_paths_and_problem_statuses_by_setting(
    unready_gateway: httpx.AsyncClient,
) -> None:
    for path in ("/bip-async/", "/shep/bip-async-wss/", "/shep/bip-async-wss"):
        wsdl = await unready_gateway.get(f"{path}?wsdl")
        assert wsdl.status_code == 200, path
        assert f'location="http://gw{path}"'.encode() in wsdl.content
        reply = await unready_gateway.post(path, content=dotnet_request(), headers=XML)
        assert reply.status_code == 503, path
        assert _fault(reply)["errorCode"] == "NOT_READY"


@pytest.mark.parametrize(
    "path", ["bip-async/", "/bip-async/sendMessage", "/bip-async/getMessages/"]
)
def test_an_async_soap_path_may_not_hide_a_json_operation(path: str) -> None:
    with pytest.raises(ValidationError):
        Settings(soap_async_paths=[path])


def test_a_soap_path_belongs_to_one_channel() -> None:
    with pytest.raises(ValidationError, match="sync or the async"):
        Settings(soap_sync_paths=["/bip-sync/", "/shep/"], soap_async_paths=["/shep"])
