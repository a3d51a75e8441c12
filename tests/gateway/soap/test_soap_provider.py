"""A SOAP provider behind the gateway: the registry names its endpoint, the gateway calls it
with SendMessage as the real bus would, and its answer and its fault come back to JSON and
SOAP callers alike, with the channel's timeouts, journal and message log."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import yaml
from lxml import etree

from egov.launcher import BusPlan
from gateway.settings import REGISTRY_FILE
from gateway.soap.xml import SOAP_ENV
from servicekit.envelope import SUCCESS
from tests.gateway.soap.stub_provider import FAILING, FOUND, SILENT, Stub, serving_stub
from tests.gateway.soap.support import XML, assert_valid
from tests.gateway.soap.test_raw_sync import dotnet_request
from tests.harness import ADMIN, envelope, running_bus

PERSON = "GBDFL_UniversalServiceSync"


@pytest.fixture(scope="module")
async def stub() -> AsyncIterator[Stub]:
    async with serving_stub() as served:
        yield served


@pytest.fixture(scope="module")
async def bus(tmp_path_factory: pytest.TempPathFactory, stub: Stub) -> AsyncIterator[BusPlan]:
    data_dir = tmp_path_factory.mktemp("soap-provider")
    registry: dict[str, Any] = yaml.safe_load(REGISTRY_FILE.read_text(encoding="utf-8"))
    for service in registry["services"]:
        if service["serviceId"] == PERSON:
            service.update(soapEndpoint=stub.url, timeoutMs=1000)
    path = data_dir / "registry.yaml"
    path.write_text(yaml.safe_dump(registry, allow_unicode=True), encoding="utf-8")
    async with running_bus(data_dir, extra={"gateway": {"registry_file": str(path)}}) as plan:
        yield plan


def _soap(iin: str) -> bytes:
    return dotnet_request().replace(b"900515310005", iin.encode())


async def test_a_json_caller_gets_the_soap_providers_answer(
    client: httpx.AsyncClient, stub: Stub
) -> None:
    run = {"X-Test-Run-Id": "soap-provider-json"}
    body = envelope(PERSON, {"iin": FOUND})
    reply = await client.post("/bip-sync/SendMessage", json=body, headers=run)
    assert reply.status_code == 200, reply.text
    answer = reply.json()
    assert answer["responseInfo"]["status"]["code"] == SUCCESS
    assert answer["responseInfo"]["correlationId"] == body["requestInfo"]["messageId"]
    person = answer["responseData"]["data"]["persons"]["person"][0]
    assert person["iin"] == FOUND
    assert person["gender"]["code"] == "M"
    headers, sent = stub.received[-1]
    assert headers["x-test-run-id"] == "soap-provider-json"
    assert headers["content-type"] == "text/xml; charset=utf-8"
    info = sent.find(f"{{{SOAP_ENV}}}Body/*/request/requestInfo")
    assert info is not None
    assert info.findtext("messageId") == body["requestInfo"]["messageId"]
    assert info.findtext("sender/senderId") == "tester"
    assert info.find("sender/password") is None  # the password was for the gateway
    assert (info.findtext("sessionId") or "").startswith("{")
    (entry,) = (await client.get("/admin/journal", headers={**ADMIN, **run})).json()
    assert (entry["provider"], entry["code"]) == ("gbd_fl", SUCCESS)


async def test_a_soap_caller_gets_the_soap_providers_answer(client: httpx.AsyncClient) -> None:
    reply = await client.post("/bip-sync/", content=_soap(FOUND), headers=XML)
    assert reply.status_code == 200, reply.text
    response = assert_valid(reply.content)
    assert response.findtext("response/responseInfo/status/code") == SUCCESS
    data = response.find("response/responseData/data")
    assert data is not None
    assert data.findtext("persons/person/iin") == FOUND
    assert data.findtext("messageResult/code") == "00000"


async def test_the_providers_fault_reaches_a_json_caller(client: httpx.AsyncClient) -> None:
    reply = await client.post("/bip-sync/SendMessage", json=envelope(PERSON, {"iin": FAILING}))
    assert reply.status_code == 502
    info = reply.json()["errorInfo"]
    assert info["errorCode"] == "PROVIDER_ERROR"
    assert info["subError"]["errorCode"] == "SCE003"
    assert info["subError"]["errorMessage"] == "Сервис поставщика временно недоступен"


async def test_the_providers_fault_reaches_a_soap_caller(client: httpx.AsyncClient) -> None:
    reply = await client.post("/bip-sync/", content=_soap(FAILING), headers=XML)
    assert reply.status_code == 500
    assert reply.headers["x-egov-status"] == "502"
    envelope_ = etree.fromstring(reply.content)
    detail = assert_valid(envelope_)
    assert envelope_.findtext(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault/faultcode") == (
        "PROVIDER_ERROR"
    )
    assert detail.findtext("subError/errorCode") == "SCE003"


async def test_a_silent_provider_times_out(client: httpx.AsyncClient) -> None:
    reply = await client.post("/bip-sync/SendMessage", json=envelope(PERSON, {"iin": SILENT}))
    assert reply.status_code == 504
    assert reply.json()["code"] == "PROVIDER_TIMEOUT"


async def test_a_soap_provider_is_registered_through_the_admin_api(
    client: httpx.AsyncClient, stub: Stub
) -> None:
    """A service pointed at the stub at run time; the stub faults on what it does not know."""
    service = {"provider": "my-soap-stub", "soapEndpoint": stub.url, "timeoutMs": 1000}
    put = await client.put("/admin/services/STUB_Anything", json=service, headers=ADMIN)
    assert put.status_code == 200, put.text
    registry = (await client.get("/admin/registry", headers=ADMIN)).json()
    (listed,) = [s for s in registry["services"] if s["serviceId"] == "STUB_Anything"]
    assert listed["soapEndpoint"] == stub.url
    before = len(stub.received)
    reply = await client.post(
        "/bip-sync/SendMessage", json=envelope("STUB_Anything", {"iin": FAILING})
    )
    assert len(stub.received) == before + 1
    assert reply.json()["errorInfo"]["subError"]["errorCode"] == "SCE003"
