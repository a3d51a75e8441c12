"""SOAP by hand, as other stacks write it: a .NET-style request, SOAPAction variants, hostile
XML, the WSDL and XSDs on every SOAP path, and the settings of the SOAP face."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from lxml import etree

from egov.launcher import BusPlan, free_port
from servicekit.envelope import SUCCESS
from servicekit.http_clients import async_client
from tests.gateway.soap.support import XML, assert_valid, fault_info
from tests.harness import ADMIN

MESSAGE_ID = "a1b2c3-not-a-guid"

DOTNET = """<?xml version="1.0" encoding="utf-8"?>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">
  <s:Body xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
          xmlns:xsd="http://www.w3.org/2001/XMLSchema">
    <SendMessage xmlns="http://bip.bee.kz/SyncChannel/v10/Types">
      <request xmlns="">
        <requestInfo>
          <messageId>{message_id}</messageId>
          <correlationId />
          <serviceId>GBDFL_UniversalServiceSync</serviceId>
          <messageDate>2026-11-22T10:00:00.1234567</messageDate>
          <routeId />
          <sender>
            <senderId>tester</senderId>
            <password>tester-secret</password>
          </sender>
          <properties><key>channel</key><value>wcf</value></properties>
          <sessionId>{{3c9e5d7a-1b2f-4e6a-8c0d-9f1a2b3c4d5e}}</sessionId>
        </requestInfo>
        <requestData>
          <data xmlns:q1="urn:egov-bus:shep:payloads:v1"
                xsi:type="q1:GBDFL_UniversalServiceSync.Request">
            <iin>900515310005</iin>
          </data>
        </requestData>
      </request>
    </SendMessage>
  </s:Body>
</s:Envelope>
"""


def dotnet_request(message_id: str = MESSAGE_ID) -> bytes:
    return DOTNET.format(message_id=message_id).encode()


def _fault(reply: httpx.Response) -> dict[str, Any]:
    return fault_info(reply, "SendMessage")


async def test_dotnet_style_request_succeeds(bus: BusPlan, client: httpx.AsyncClient) -> None:
    """No SOAPAction, xsi:type naming a type of the caller's own, a sessionId in braces, a
    messageDate without a time zone and with seven decimals, empty optional elements."""
    request = dotnet_request()
    assert_valid(request)
    reply = await client.post("/bip-sync/", content=request, headers=XML)
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"] == "text/xml; charset=utf-8"
    response = assert_valid(reply.content)
    info = response.find("response/responseInfo")
    assert info is not None
    assert info.findtext("status/code") == SUCCESS
    assert info.findtext("correlationId") == MESSAGE_ID
    session = info.findtext("sessionId") or ""
    assert session.startswith("{")
    assert session != "{3c9e5d7a-1b2f-4e6a-8c0d-9f1a2b3c4d5e}"  # the gateway stamps its own
    assert response.findtext("response/responseData/data/persons/person/iin") == "900515310005"


@pytest.mark.parametrize("action", ['""', '"SendMessage"', "SendMessage", None])
async def test_soap_actions_that_are_accepted(
    client: httpx.AsyncClient, action: str | None
) -> None:
    headers = XML if action is None else {**XML, "SOAPAction": action}
    reply = await client.post("/bip-sync/", content=dotnet_request(), headers=headers)
    assert reply.status_code == 200, reply.text
    assert_valid(reply.content)


async def test_an_unknown_soap_action_is_a_fault(client: httpx.AsyncClient) -> None:
    run = {"X-Test-Run-Id": "soap-action"}
    headers = {**XML, **run, "SOAPAction": '"urn:DeleteEverything"'}
    reply = await client.post("/bip-sync/", content=dotnet_request(), headers=headers)
    assert reply.status_code == 500
    assert reply.headers["x-egov-status"] == "400"
    assert _fault(reply)["errorCode"] == "INVALID_ENVELOPE"
    # Refused before it was read, the request is kept as the XML it was, less its password.
    (entry,) = (await client.get("/admin/journal", headers={**ADMIN, **run})).json()
    assert "<password>***</password>" in entry["request"]
    assert "tester-secret" not in entry["request"]


async def test_the_journal_keeps_the_soap_call_as_json_without_the_password(
    client: httpx.AsyncClient,
) -> None:
    run = {"X-Test-Run-Id": "soap-journal"}
    reply = await client.post("/bip-sync/", content=dotnet_request(), headers={**XML, **run})
    assert reply.status_code == 200
    assert_valid(reply.content)
    (entry,) = (await client.get("/admin/journal", headers={**ADMIN, **run})).json()
    assert entry["code"] == SUCCESS
    request = entry["request"]
    assert request["requestInfo"]["sender"]["password"] == "***"
    assert request["requestData"]["data"] == {"iin": "90051*****05"}


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>&lol3;</s:Body></s:Envelope>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>
<SendMessage xmlns="http://bip.bee.kz/SyncChannel/v10/Types"><request xmlns="">
<requestInfo><messageId>&secret;</messageId></requestInfo></request></SendMessage>
</s:Body></s:Envelope>"""

SOAP12 = b"""<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body/></e:Envelope>"""

NO_OPERATION = b"""<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>
<GetPasswords xmlns="urn:x"/></s:Body></s:Envelope>"""


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (BILLION_LAUGHS, "XML_DTD_FORBIDDEN"),
        (EXTERNAL_ENTITY, "XML_DTD_FORBIDDEN"),
        (b"{not xml at all", "MALFORMED_XML"),
        (b"", "MALFORMED_XML"),
        (b"<a><b></a>", "MALFORMED_XML"),
        (SOAP12, "SOAP_VERSION_MISMATCH"),
        (NO_OPERATION, "SOAP_ENVELOPE_EXPECTED"),
        (b"<root/>", "SOAP_ENVELOPE_EXPECTED"),
    ],
    ids=["entity-bomb", "external-entity", "json", "empty", "broken", "soap12", "no-op", "root"],
)
async def test_hostile_or_broken_xml_is_a_client_fault(
    client: httpx.AsyncClient, body: bytes, reason: str
) -> None:
    run = {"X-Test-Run-Id": f"hostile-{reason}-{len(body)}"}
    reply = await client.post("/bip-sync/", content=body, headers={**XML, **run})
    assert reply.status_code == 500  # SOAP 1.1's status for a fault; the cause is the caller's
    assert reply.headers["x-egov-status"] == "400"
    assert _fault(reply)["errorCode"] == "INVALID_ENVELOPE"
    (entry,) = (await client.get("/admin/journal", headers={**ADMIN, **run})).json()
    assert (entry["status"], entry["code"]) == (400, "INVALID_ENVELOPE")
    assert entry["response"]["errors"][0]["code"] == reason


async def test_a_body_too_large_is_refused_before_it_is_read(client: httpx.AsyncClient) -> None:
    """Bounded as the JSON channel is, by the service's request limits (`MAX_BODY_BYTES`), which
    refuse it by its length before a byte is read: on a SOAP path, as a SOAP fault."""
    body = b"<s:Envelope>" + b" " * (10 * 1024 * 1024) + b"</s:Envelope>"
    reply = await client.post("/bip-sync/", content=body, headers=XML)
    assert reply.status_code == 500
    assert reply.headers["x-egov-status"] == "413"
    assert _fault(reply)["errorCode"] == "REQUEST_TOO_LARGE"
    json_reply = await client.post("/bip-sync/SendMessage", content=body)
    assert (json_reply.status_code, json_reply.json()["code"]) == (413, "REQUEST_TOO_LARGE")

    async def chunks() -> AsyncIterator[bytes]:
        # Sent chunked, without a length: refused once the bytes read pass the limit.
        for _ in range(12):
            yield b" " * (1024 * 1024)

    streamed = await client.post("/bip-sync/", content=chunks(), headers=XML)
    assert streamed.status_code == 500
    assert streamed.headers["x-egov-status"] == "413"
    assert _fault(streamed)["errorCode"] == "REQUEST_TOO_LARGE"


async def test_invalid_envelope_data_is_named_in_the_fault(client: httpx.AsyncClient) -> None:
    body = dotnet_request().replace(b"2026-11-22T10:00:00.1234567", b"yesterday")
    reply = await client.post("/bip-sync/", content=body, headers=XML)
    info = _fault(reply)
    assert info["errorCode"] == "INVALID_ENVELOPE"


async def test_wsdl_and_xsds_are_served_beside_the_endpoint(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    wsdl = await client.get("/bip-sync/?wsdl")
    assert wsdl.status_code == 200
    document = etree.fromstring(wsdl.content)
    address = document.find(".//{http://schemas.xmlsoap.org/wsdl/soap/}address")
    assert address is not None
    assert address.get("location") == f"{bus.url('gateway')}/bip-sync/"
    for name in ("common", "sync-types", "payloads"):
        xsd = await client.get(f"/bip-sync/?xsd={name}")
        assert xsd.status_code == 200
        assert etree.fromstring(xsd.content).tag == "{http://www.w3.org/2001/XMLSchema}schema"
    assert (await client.get("/bip-sync/?xsd=../../etc/passwd")).status_code == 404


async def test_the_json_channel_is_untouched(client: httpx.AsyncClient) -> None:
    reply = await client.post("/bip-sync/SendMessage", content=dotnet_request(), headers=XML)
    assert reply.status_code == 400
    assert reply.json()["errorInfo"]["errorCode"] == "INVALID_ENVELOPE"


# --- settings, on a gateway whose database is not there (so it is never ready) -----------------


@pytest.fixture
async def unready_gateway(request: pytest.FixtureRequest) -> AsyncIterator[httpx.AsyncClient]:
    from egov.services import build_app
    from servicekit.topology import spec

    app = build_app(
        spec("gateway"),
        port=0,
        database_url=f"postgresql+asyncpg://nobody@127.0.0.1:{free_port()}/egov_gateway",
        **getattr(request, "param", {}),
    )
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        async_client(transport=transport, base_url="http://gw") as client,
    ):
        yield client


async def test_not_ready_is_a_fault(unready_gateway: httpx.AsyncClient) -> None:
    reply = await unready_gateway.post("/bip-sync/", content=dotnet_request(), headers=XML)
    assert reply.status_code == 500
    assert reply.headers["x-egov-status"] == "503"
    assert _fault(reply)["errorCode"] == "NOT_READY"


SETTINGS = {
    "soap_sync_paths": ["/bip-sync/", "/shep/bip-sync-wss-gost/"],
    "soap_fault_http_status": "problem",
}


@pytest.mark.parametrize("unready_gateway", [SETTINGS], indirect=True)
async def test_more_soap_paths_and_problem_statuses_by_setting(
    unready_gateway: httpx.AsyncClient,
) -> None:
    for path in ("/bip-sync/", "/shep/bip-sync-wss-gost/", "/shep/bip-sync-wss-gost"):
        wsdl = await unready_gateway.get(f"{path}?wsdl")
        assert wsdl.status_code == 200, path
        assert f'location="http://gw{path}"'.encode() in wsdl.content
        reply = await unready_gateway.post(path, content=dotnet_request(), headers=XML)
        assert reply.status_code == 503, path
        assert _fault(reply)["errorCode"] == "NOT_READY"


async def test_data_typed_with_a_type_of_the_callers_own_is_read_by_service_id(
    client: httpx.AsyncClient,
) -> None:
    """The serviceId says what `data` is; an xsi:type the gateway does not know is no matter."""
    body = dotnet_request().replace(
        b'xmlns:q1="urn:egov-bus:shep:payloads:v1"', b'xmlns:q1="urn:example:gbdfl"'
    )
    reply = await client.post("/bip-sync/", content=body, headers=XML)
    assert reply.status_code == 200
    response = assert_valid(reply.content)
    assert response.findtext("response/responseInfo/status/code") == SUCCESS


async def test_a_drop_rule_cuts_a_soap_call_and_metrics_count_the_soap_path(
    client: httpx.AsyncClient,
) -> None:
    run = {"X-Test-Run-Id": "soap-drop"}
    rule = {"kind": "drop", "serviceId": "GBDFL_UniversalServiceSync", "count": 1}
    added = await client.post("/admin/faults", json=rule, headers={**ADMIN, **run})
    assert added.status_code == 201, added.text
    with pytest.raises(httpx.RemoteProtocolError):
        await client.post("/bip-sync/", content=dotnet_request(), headers={**XML, **run})
    (entry,) = (await client.get("/admin/journal", headers={**ADMIN, **run})).json()
    assert entry["code"] == "CONNECTION_DROPPED"
    again = await client.post("/bip-sync/", content=dotnet_request(), headers={**XML, **run})
    assert again.status_code == 200
    assert_valid(again.content)
    metrics = (await client.get("/metrics")).text
    assert 'egov_http_requests_total{method="POST",route="/bip-sync/",status="200"}' in metrics
