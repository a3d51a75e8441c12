"""Only a registry's own answer is a verdict (issue 15): a registry or the gateway that fails —
an injected 5xx or 4xx, an answer outside the contract, a call routed to the wrong place — is
"unavailable, try again", at the desk (503 with a code) and on arrival (the event is delivered
again, M3); a registry's refusal of the request comes back as that refusal (its code, its
texts, the field it names).

On the folder's deployed bus (conftest), PostgreSQL and RabbitMQ. Faults are injected through
the gateway's tester and admin APIs (fault rules, a route), which the tests put back; the tests
on that bus run one after another.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import httpx
import pytest

from egov.flow_client import answer, persona
from egov.launcher import BusPlan
from egov.machinery_flow import MachineryClient, expect, photo
from egov.vin_flow import VinClient
from servicekit.clock import ALMATY, bus_clock
from servicekit.http_clients import async_client
from servicekit.messages import texts_for
from tests.fixtures.clock import VIN_PILOT_DAY
from tests.fixtures.flows import farmers_new_tractor
from tests.harness import ADMIN

KOSTANAY, WORKER, OFFICER = "KST-KOSTANAY", "frontoffice_worker_kostanay", "akimat_officer_kostanay"
DEALER, SELLER = "dealer_manager", "dealer_astana_motors"
VERIFY_CMS, FACE, RECYCLING = "PKI_VerifyCms", "GBDFL_BiometricVerification", "RECYCLING_FeeByVin"
MACHINERY_DAY = datetime(2025, 10, 21, 10, 0, tzinfo=ALMATY)
"""A working day inside the machinery pilot."""


@pytest.fixture
def bus(deployed_bus: BusPlan) -> BusPlan:
    return deployed_bus


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with async_client(timeout=30) as client:
        yield client


@pytest.fixture
def machinery(bus: BusPlan, http: httpx.AsyncClient) -> MachineryClient:
    bus_clock.freeze(MACHINERY_DAY)  # tests/conftest.py puts the clock back after each test
    return MachineryClient(bus.url, http)


@pytest.fixture
def vin_flow(bus: BusPlan, http: httpx.AsyncClient) -> VinClient:
    bus_clock.freeze(VIN_PILOT_DAY)
    return VinClient(bus.url, http)


@asynccontextmanager
async def fault(bus: BusPlan, http: httpx.AsyncClient, **rule: Any) -> AsyncIterator[str]:
    """A fault rule of the gateway for the calls of the front office, removed afterwards."""
    body = {"kind": "error", "senderId": "frontoffice_service", **rule}
    added = await http.post(f"{bus.url('gateway')}/admin/faults", json=body, headers=ADMIN)
    assert added.status_code == 201, added.text
    rule_id: str = added.json()["id"]
    try:
        yield rule_id
    finally:
        await http.delete(f"{bus.url('gateway')}/admin/faults/{rule_id}", headers=ADMIN)


async def fired(bus: BusPlan, http: httpx.AsyncClient, rule_id: str) -> bool:
    """Whether a rule of `count` 1 has fired (it is gone then)."""
    rules = await http.get(f"{bus.url('gateway')}/admin/faults", headers=ADMIN)
    return rule_id not in {r["id"] for r in rules.json()}


def second_call_seed() -> int:
    """A seed for a rule of probability 0.5 that lets the first call through and fails the
    second: the worker's signature passes at the desk (M6.5), and НУЦ fails on arrival (M3)."""
    for seed in itertools.count():
        draws = random.Random(seed)
        if draws.random() >= 0.5 and draws.random() < 0.5:
            return seed
    raise AssertionError("unreachable")


async def ready_to_sign(flow: MachineryClient) -> dict[str, Any]:
    """M5–M6.4 done at the Kostanay desk for a tractor minted for the farmer."""
    opened = await flow.open(WORKER, KOSTANAY, **await farmers_new_tractor(flow))
    app = expect(answer(opened, 201), "IDENTIFIED")
    app = expect(answer(await flow.package(WORKER, app)), "PACKAGE_ACCEPTED")
    app = expect(await flow.fees(WORKER, app), "FEES_CONFIRMED")
    await flow.scan_all(WORKER, app)
    return app


async def left_sent(flow: MachineryClient, app: dict[str, Any]) -> dict[str, Any]:
    """The application at the desk once its arrival was decided (it is no longer SENT)."""
    deadline = time.monotonic() + 15
    while True:
        found = await flow.at_desk(WORKER, app)
        if found["status"] != "SENT" or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.1)


async def test_m3_nuc_failing_on_arrival_delays_the_application_never_rejects_it(
    machinery: MachineryClient, bus: BusPlan, http: httpx.AsyncClient
) -> None:
    """A НУЦ 500 when the application arrives: it is delivered again, and received once НУЦ
    answers (it was rejected for good as altered)."""
    app = await ready_to_sign(machinery)
    rule = {"serviceId": VERIFY_CMS, "errorCode": "PROVIDER_ERROR", "status": 500, "count": 1}
    async with fault(bus, http, **rule, probability=0.5, seed=second_call_seed()) as rule_id:
        sent = expect(answer(await machinery.sign(WORKER, app)), "SENT")
        arrived = await left_sent(machinery, sent)
        assert await fired(bus, http, rule_id), "НУЦ did not fail on arrival"
    assert arrived["status"] == "RECEIVED", arrived.get("refusal")
    received = await machinery.received(OFFICER, app)
    assert [c["step"] for c in received["checks"]] == ["M10.1", "M10.2", "M10.3"]


async def test_m6_5_nuc_failing_at_the_desk_is_503_then_the_signature_goes_through(
    machinery: MachineryClient, bus: BusPlan, http: httpx.AsyncClient
) -> None:
    """Whatever code and status a fault of НУЦ's call carries, the worker is told to try again
    (it was 422 SIGNATURE_NOT_ACCEPTED), and the application waits for the signature."""
    app = await ready_to_sign(machinery)
    for code, status in (
        ("PROVIDER_ERROR", 500),
        ("INTERNAL_ERROR", 500),
        ("CMS_MALFORMED", 400),
        ("SERVICE_NOT_FOUND", 404),
    ):
        rule = {"serviceId": VERIFY_CMS, "errorCode": code, "status": status, "count": 1}
        async with fault(bus, http, **rule):
            failed = await machinery.sign(WORKER, app)
        assert failed.status_code == 503, (code, failed.text)
        assert (failed.json()["code"], failed.json()["step"]) == (
            "SIGNATURE_CHECK_UNAVAILABLE",
            "M6.5",
        )
    assert (await machinery.at_desk(WORKER, app))["status"] == "FEES_CONFIRMED"
    expect(answer(await machinery.sign(WORKER, app)), "SENT")


async def test_m6_1_a_photo_gbd_fl_refuses_is_its_refusal_and_its_failure_a_503(
    machinery: MachineryClient, bus: BusPlan, http: httpx.AsyncClient
) -> None:
    """ГБД ФЛ refuses a photo that is not a JPEG or PNG: the desk says so, on `visitor.photo`,
    in ГБД ФЛ's words; ГБД ФЛ failing is a 503 to try again; neither opens an application."""
    vin = await machinery.new_machine("farmer")
    ticket = await machinery.submission_ticket(WORKER, KOSTANAY)
    body = {
        "ticketId": ticket["id"],
        "action": "REGISTRATION",
        "applicant": {"kind": "PERSON", "iin": persona("farmer")["iin"]},
        "phone": "+77015550101",
        "visitor": {
            "iin": persona("farmer")["iin"],
            "role": "APPLICANT",
            "identification": {"kind": "DIGITAL_DOCUMENT"},
            "photo": "R0lGODlhAQABAAAAACw=",  # a GIF
        },
        "machine": {"kind": "TRACTOR", "id": vin},
    }
    path = f"/offices/{KOSTANAY}/machinery/applications"
    refused = await machinery.call(WORKER, "POST", path, body)
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert (problem["code"], problem["field"], problem["step"], problem["registry"]) == (
        "PHOTO_INVALID",
        "visitor.photo",
        "M6.1",
        "ГБД ФЛ",
    )
    assert problem["registryField"] == "requestData.data.photo"
    assert problem["messages"] == texts_for("PHOTO_INVALID").render({})  # ГБД ФЛ's own words

    body["visitor"]["photo"] = photo()
    async with fault(bus, http, serviceId=FACE, errorCode="PROVIDER_ERROR", status=500, count=1):
        failed = await machinery.call(WORKER, "POST", path, body)
    assert failed.status_code == 503, failed.text
    assert (failed.json()["code"], failed.json()["registry"]) == ("REGISTRY_UNAVAILABLE", "ГБД ФЛ")
    opened = await machinery.call(WORKER, "POST", path, body)
    assert expect(answer(opened, 201), "IDENTIFIED")["ticketId"] == ticket["id"]


@asynccontextmanager
async def misrouted(
    bus: BusPlan, http: httpx.AsyncClient, service_id: str, path: str
) -> AsyncIterator[None]:
    """The gateway's route of `service_id` pointed at another path of its registry."""
    services = f"{bus.url('gateway')}/admin/services"
    registry = (await http.get(f"{bus.url('gateway')}/admin/registry", headers=ADMIN)).json()
    (service,) = [s for s in registry["services"] if s.pop("serviceId") == service_id]
    moved = await http.put(
        f"{services}/{service_id}", json={**service, "path": path}, headers=ADMIN
    )
    assert moved.status_code == 200, moved.text
    try:
        yield
    finally:
        back = await http.put(f"{services}/{service_id}", json=service, headers=ADMIN)
        assert back.status_code == 200, back.text


@pytest.mark.parametrize(
    ("path", "status"),
    [("/shep/nowhere", 404), ("/health", 405), ("/shep/async", 422)],
    ids=["no-such-path", "wrong-method", "other-channel"],
)
async def test_v5_a_registry_4xx_that_judges_nothing_keeps_the_step_and_a_retry_goes_on(
    vin_flow: VinClient, bus: BusPlan, http: httpx.AsyncClient, path: str, status: int
) -> None:
    """Жасыл даму's own 4xx for a call that reached none of its operations (the gateway's
    route points at the wrong path): V5 is unavailable, not refused; once the route is put
    right, the application goes on."""
    vin = await vin_flow.new_vehicle(SELLER, "buyer")
    app = await vin_flow.start(DEALER)
    async with misrouted(bus, http, RECYCLING, path):
        failed = await vin_flow.call(
            DEALER, "PUT", f"/dealer/applications/{app['id']}/vin", {"vin": vin}
        )
    assert failed.status_code == 503, failed.text
    assert (failed.json()["code"], failed.json()["step"]) == ("REGISTRY_UNAVAILABLE", "V5")
    stored = await vin_flow.ok(DEALER, "GET", f"/dealer/applications/{app['id']}")
    assert stored["state"] == "V2_AWAITING_VIN"
    (check,) = [c for c in stored["checks"] if c["step"] == "V5"]
    assert (check["outcome"], check["answer"]["status"]) == ("UNAVAILABLE", status)
    resumed = await vin_flow.enter_vin(DEALER, app, vin)
    assert resumed["state"] == "V6_AWAITING_BUYER"
