"""A real SOAP client (zeep), made from the WSDL the running gateway serves, calls SendMessage:
every sync serviceId's success path and every fault the JSON channel can give, on SQLite and
on PostgreSQL. Every message sent and received is checked against the project's XSDs."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree
from zeep.exceptions import Fault
from zeep.helpers import serialize_object

from egov.launcher import BusPlan, free_port
from servicekit.envelope import SUCCESS
from servicekit.http_clients import async_client
from tests.fixtures.buses import SQLITE_AND_POSTGRES, bus_fixture
from tests.gateway.soap.samples import BIN, BUYER, SAMPLES
from tests.gateway.soap.support import SoapClient
from tests.gateway.test_provider_faults import _fail, fake_provider
from tests.harness import ADMIN, envelope, running_bus, send

PERSON = "GBDFL_UniversalServiceSync"


bus = bus_fixture(SQLITE_AND_POSTGRES, scope="module")


@pytest.fixture(scope="module")
async def soap(bus: BusPlan) -> SoapClient:
    return await SoapClient.load(bus.url("gateway"))


@pytest.fixture
async def admin(bus: BusPlan) -> AsyncIterator[httpx.AsyncClient]:
    async with async_client(base_url=bus.url("gateway"), timeout=10) as client:
        yield client


def _plain(value: Any) -> Any:
    """A zeep value as JSON-like data (lists and dicts)."""
    return serialize_object(value, dict)  # type: ignore[no-untyped-call]


async def test_every_sync_service_answers_over_soap(
    soap: SoapClient, admin: httpx.AsyncClient
) -> None:
    answers: dict[str, Any] = {}
    checked_before = soap.validating.checked
    for sample in SAMPLES:
        response = await soap.send(sample.service_id, sample.data(answers))
        info = response.responseInfo
        assert info.status.code == SUCCESS, sample.service_id
        assert info.sessionId == "{" + str(uuid.UUID(info.sessionId)) + "}"
        answers[sample.service_id] = _plain(response.responseData.data)
    services = (await admin.get("/metadata/services")).json()
    routed = {s["serviceId"] for s in services if s["mode"] in ("sync", "both")}
    assert routed == {s.service_id for s in SAMPLES}, "a sync service has no SOAP sample"
    assert soap.validating.checked - checked_before == 2 * len(SAMPLES)


async def test_person_answer_speaks_the_real_vocabulary(soap: SoapClient) -> None:
    response = await soap.send(PERSON, {"iin": BUYER})
    data = response.responseData.data
    assert data.messageResult.code == "00000"
    (person,) = data.persons.person
    assert (person.iin, person.surname, person.name, person.patronymic) == (
        BUYER,
        "Серикбаев",
        "Нурлан",
        "Маратович",
    )
    assert (person.gender.code, person.gender.nameRu, person.gender.nameKz) == (
        "M",
        "Мужской",
        "Ер",
    )
    assert person.lifeStatus.code == "ALIVE"
    assert person.regAddress.regionCode == "02"
    assert person.documents.document[0].number == "048213576"


async def test_generic_mapping_keeps_the_registrys_json(bus: BusPlan, soap: SoapClient) -> None:
    """Arrays, numbers, booleans, dates and nulls come back as the JSON channel gives them."""
    data = {"iin": BUYER}
    over_soap = _plain((await soap.send("ERAP_FinesByIin", data)).responseData.data)
    async with async_client(timeout=10) as client:
        over_json = (await send(client, bus, envelope("ERAP_FinesByIin", data))).json()
    expected = over_json["responseData"]["data"]
    assert len(over_soap["fines"]) == len(expected["fines"]) > 0
    first, wanted = over_soap["fines"][0], expected["fines"][0]
    assert first["caseNumber"] == wanted["caseNumber"]
    assert first["amount"] == wanted["amount"]
    assert first["paid"] is wanted["paid"]
    assert str(first["decisionDate"]) == wanted["decisionDate"]
    assert over_soap["unpaidCount"] == expected["unpaidCount"]


async def test_scenario_and_run_id_reach_the_provider_and_the_journal(
    bus: BusPlan, admin: httpx.AsyncClient
) -> None:
    run = f"soap-{uuid.uuid4().hex[:8]}"
    client = await SoapClient.load(
        bus.url("gateway"), {"X-Test-Scenario": "gbd_fl.not_found", "X-Test-Run-Id": run}
    )
    response = await client.send(PERSON, {"iin": BUYER}, messageId="order-42/1")
    data = response.responseData.data
    assert data.messageResult.code == "PERSON_NOT_FOUND"
    assert data.persons is None  # an empty <persons/>: zeep reads no person in it
    # A messageId that is not a GUID comes back as the caller wrote it.
    assert response.responseInfo.correlationId == "order-42/1"
    journal = await admin.get("/admin/journal", headers={**ADMIN, "X-Test-Run-Id": run})
    (entry,) = journal.json()
    assert (entry["serviceId"], entry["scenario"], entry["code"]) == (
        PERSON,
        "gbd_fl.not_found",
        SUCCESS,
    )


# --- faults ------------------------------------------------------------------------------------


async def _rule(admin: httpx.AsyncClient, run: str, **rule: Any) -> None:
    reply = await admin.post("/admin/faults", json=rule, headers={**ADMIN, "X-Test-Run-Id": run})
    assert reply.status_code == 201, reply.text


def _error_info(fault: Fault) -> dict[str, Any]:
    detail = fault.detail[0]
    assert etree.QName(detail).localname == "SendMessageFault1_SendMessageFault"
    return _info(detail)


def _info(element: etree._Element) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for child in element:
        name = etree.QName(child).localname
        found[name] = _info(child) if name == "subError" else child.text
    return found


async def _fault(client: SoapClient, service_id: str, data: Any, **info: Any) -> Fault:
    with pytest.raises(Fault) as raised:
        await client.send(service_id, data, **info)
    return raised.value


FAULTS: list[tuple[str, dict[str, Any]]] = [
    ("INVALID_ENVELOPE", {"sender": ("x" * 101, "secret")}),
    ("AUTHENTICATION_FAILED", {"sender": ("tester", "wrong-password")}),
    ("SERVICE_NOT_FOUND", {"serviceId": "NO_SUCH_Service"}),
    ("ACCESS_DENIED", {"sender": ("dealer-crm", "dealer-secret")}),
    ("WRONG_CHANNEL", {"serviceId": "GBDFL_UniversalServiceAsync"}),
    ("ROUTE_NOT_FOUND", {"routeId": "nowhere"}),
]


@pytest.mark.parametrize(("code", "change"), FAULTS, ids=[c for c, _ in FAULTS])
async def test_gateway_refusal_is_a_soap_fault(
    soap: SoapClient, code: str, change: dict[str, Any]
) -> None:
    change = dict(change)
    service_id = change.pop("serviceId", PERSON)
    fault = await _fault(
        soap, service_id, {"iin": BUYER} if service_id == PERSON else None, **change
    )
    info = _error_info(fault)
    assert fault.code == info["errorCode"] == code
    assert fault.message == info["errorMessage"]
    assert info["errorDate"]
    assert info["sessionId"] == "{" + str(uuid.UUID(info["sessionId"])) + "}"


async def test_provider_refusal_is_a_fault_with_its_sub_error(soap: SoapClient) -> None:
    fault = await _fault(soap, PERSON, {"iin": "900515310006"})  # a wrong check digit
    info = _error_info(fault)
    assert fault.code == "PROVIDER_ERROR"
    assert info["subError"]["errorCode"] == "IIN_CHECK_DIGIT"
    assert '"field": "requestData.data.iin"' in info["subError"]["errorData"].replace('":"', '": "')


@pytest.mark.parametrize(
    ("rule", "code"),
    [
        (
            {"kind": "error", "errorCode": "SCE003", "status": 502, "message": "ГБД ФЛ недоступна"},
            "SCE003",
        ),
        (
            {"kind": "error", "errorCode": "PROVIDER_UNAVAILABLE", "status": 503},
            "PROVIDER_UNAVAILABLE",
        ),
        ({"kind": "timeout"}, "PROVIDER_TIMEOUT"),
    ],
    ids=["injected-code", "provider-unavailable", "provider-timeout"],
)
async def test_fault_rules_apply_to_soap_calls(
    bus: BusPlan, admin: httpx.AsyncClient, rule: dict[str, Any], code: str
) -> None:
    run = f"soap-{uuid.uuid4().hex[:8]}"
    service_id = PERSON
    if rule["kind"] == "timeout":
        # A service of its own with a short timeout, so the rule's wait is short.
        service_id = f"SOAP_Slow_{uuid.uuid4().hex[:6]}"
        put = await admin.put(
            f"/admin/services/{service_id}",
            json={"provider": "gbd_fl", "timeoutMs": 50},
            headers=ADMIN,
        )
        assert put.status_code == 200, put.text
    await _rule(admin, run, serviceId=service_id, **rule)
    client = await SoapClient.load(bus.url("gateway"), {"X-Test-Run-Id": run})
    fault = await _fault(client, service_id, None)
    info = _error_info(fault)
    assert fault.code == info["errorCode"] == code
    if code == "SCE003":
        assert fault.message == "ГБД ФЛ недоступна"
        assert "faultRule" in info["errorData"]


async def test_provider_down_or_crashing_over_soap(tmp_path: Path) -> None:
    """The forwarding's own failures, not injected: a provider that is not there
    (PROVIDER_UNAVAILABLE) and one that answers 500 (PROVIDER_ERROR with subError HTTP_500)."""
    closed = f"http://127.0.0.1:{free_port()}"
    async with (
        fake_provider(_fail) as crashing,
        running_bus(
            tmp_path, extra={"gateway": {"providers": {"gbd_fl": closed, "gbd_ul": crashing}}}
        ) as bus,
    ):
        client = await SoapClient.load(bus.url("gateway"))
        down = _error_info(await _fault(client, PERSON, {"iin": BUYER}))
        crashed = _error_info(await _fault(client, "GBDUL_UniversalServiceSync", {"bin": BIN}))
    assert down["errorCode"] == "PROVIDER_UNAVAILABLE"
    assert crashed["errorCode"] == "PROVIDER_ERROR"
    assert crashed["subError"]["errorCode"] == "HTTP_500"
    assert "NullPointer" not in str(crashed)
