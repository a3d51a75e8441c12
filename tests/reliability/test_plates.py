"""One vehicle, one plate (V19, M12): БМГ answers BMG_Issue after the caller stopped waiting,
so the officer gets 503 while the plate is ISSUED in БМГ. Whatever the officer does next, the
vehicle ends with at most one issued plate: a refusal annuls the issue, an approval asked
again gets that same issue, and the provider's entry of another plate for the machine is
refused.

On the folder's impatient bus (conftest), where the services' deadline is short
(`gateway_timeout_seconds`): a gateway fault rule holds BMG_Issue longer than that before it
reaches БМГ, and the answer of a committed issue is lost, as when БМГ answers after 30 s or is
killed after its commit. PostgreSQL and RabbitMQ, as deployed.
"""

from __future__ import annotations

import asyncio
import time
import urllib.parse
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from egov.flow_client import answer
from egov.launcher import BusPlan
from egov.machinery_flow import MachineryClient, expect
from egov.vin_flow import VinClient
from servicekit.clock import ALMATY, bus_clock
from tests.fixtures.flows import farmers_new_tractor
from tests.harness import ADMIN
from tests.reliability.conftest import DEADLINE_SECONDS

DEALER, BUYER, OFFICER, SELLER = (
    "dealer_manager",
    "buyer",
    "police_officer_almaty",
    "dealer_astana_motors",
)
DAY = datetime(2025, 11, 3, 10, 0, tzinfo=ALMATY)
"""A working day inside both pilots (vehicles by VIN, machinery)."""
LATE_MS = round(DEADLINE_SECONDS * 1000) + 600
"""How long the gateway holds BMG_Issue before БМГ gets it: past the services' deadline."""


@pytest.fixture
def bus(impatient_bus: BusPlan) -> BusPlan:
    return impatient_bus


@pytest.fixture(autouse=True)
def _inside_the_pilot() -> None:
    bus_clock.freeze(DAY)


async def _status(flow: VinClient, bus: BusPlan, plate: str) -> str:
    path = f"{bus.url('number_bank')}/admin/plates/{urllib.parse.quote(plate)}"
    reply = await flow.http.get(path, headers=ADMIN)
    assert reply.status_code == 200, reply.text
    status: str = reply.json()["status"]
    return status


async def _plates_of(flow: VinClient, bus: BusPlan, vin: str) -> dict[str, str]:
    """Every plate БМГ has for the VIN, with its status."""
    reply = await flow.http.get(
        f"{bus.url('number_bank')}/admin/plates", params={"vin": vin}, headers=ADMIN
    )
    assert reply.status_code == 200, reply.text
    return {p["plate"]: p["status"] for p in reply.json()}


async def _late_issue(http: httpx.AsyncClient, bus: BusPlan) -> None:
    """The next BMG_Issue reaches БМГ after its caller's deadline."""
    rule = {"kind": "latency", "serviceId": "BMG_Issue", "latencyMs": LATE_MS, "count": 1}
    added = await http.post(f"{bus.url('gateway')}/admin/faults", json=rule, headers=ADMIN)
    assert added.status_code in (200, 201), added.text


async def _until_issued(flow: VinClient, bus: BusPlan, plate: str) -> None:
    """The late request reaches БМГ a moment after its caller gave up on it."""
    deadline = time.monotonic() + 10
    while await _status(flow, bus, plate) != "ISSUED":
        assert time.monotonic() < deadline, "БМГ never issued the plate"
        await asyncio.sleep(0.1)


async def _issued_late(flow: VinClient, bus: BusPlan) -> dict[str, Any]:
    """An application whose approval got 503 while БМГ went on to issue its plate."""
    vin = await flow.new_vehicle(SELLER, BUYER)
    app = await flow.submitted(DEALER, BUYER, vin)
    await flow.police_case(OFFICER, app)
    await _late_issue(flow.http, bus)
    reply = await flow.decide(OFFICER, app, approve=True)
    assert (reply.status_code, reply.json()["code"], reply.json()["step"]) == (
        503,
        "REGISTRY_UNAVAILABLE",
        "V19",
    )
    await _until_issued(flow, bus, app["plate"])
    return app


async def test_v19_refusal_after_a_late_issue_annuls_it_and_the_vin_gets_one_plate(
    flow: VinClient, bus: BusPlan
) -> None:
    app = await _issued_late(flow, bus)
    reply = await flow.decide(OFFICER, app, approve=False, reason="ТС числится в розыске")
    assert reply.status_code == 200, reply.text
    assert reply.json()["application"]["state"] == "REFUSED"
    after_refusal = await _status(flow, bus, app["plate"])

    # The same vehicle, a new application: it gets a plate, and the only issued one.
    again = await flow.submitted(DEALER, BUYER, app["vin"])
    await flow.police_case(OFFICER, again)
    approved = await flow.decide(OFFICER, again, approve=True)
    statuses = [await _status(flow, bus, p) for p in (app["plate"], again["plate"])]
    assert (after_refusal, approved.status_code, statuses.count("ISSUED")) == ("ANNULLED", 200, 1)
    assert await _plates_of(flow, bus, app["vin"]) == {
        app["plate"]: "ANNULLED",
        again["plate"]: "ISSUED",
    }


async def test_v19_approval_asked_again_after_a_late_issue_gets_that_issue(
    flow: VinClient, bus: BusPlan
) -> None:
    app = await _issued_late(flow, bus)
    reply = await flow.decide(OFFICER, app, approve=True)
    assert reply.status_code == 200, reply.text
    assert await _plates_of(flow, bus, app["vin"]) == {app["plate"]: "ISSUED"}
    full = await flow.ok(DEALER, "GET", f"/dealer/applications/{app['id']}")
    issues = [c["outcome"] for c in full["checks"] if c["serviceId"] == "BMG_Issue"]
    assert issues == ["UNAVAILABLE", "PASSED"]


async def test_m12_another_plate_after_a_late_issue_is_refused_and_the_issued_one_entered(
    flow: VinClient, bus: BusPlan
) -> None:
    machinery = MachineryClient(bus.url, flow.http)
    registration = await farmers_new_tractor(machinery)
    machine = registration["machine"]["id"]
    app = await machinery.sent("frontoffice_worker_kostanay", "KST-KOSTANAY", **registration)
    officer = "akimat_officer_kostanay"
    await machinery.received(officer, app)
    expect(answer(await machinery.decide(officer, app, approve=True)), "APPROVED")
    first, second = await machinery.free_plate("10"), await machinery.free_plate("10")
    while second == first:
        second = await machinery.free_plate("10")
    entry = {"machineId": machine, "issueAt": (DAY + timedelta(days=1)).isoformat()}
    passport = f"KS 2{machine[-6:]}"

    await _late_issue(flow.http, bus)
    late = await machinery.enter(
        officer, app, {**entry, "plate": first, "technicalPassport": passport}
    )
    assert (late.status_code, late.json()["code"]) == (503, "PLATE_CHECK_UNAVAILABLE")
    await _until_issued(flow, bus, first)

    other = await machinery.enter(
        officer, app, {**entry, "plate": second, "technicalPassport": passport}
    )
    statuses = [await _status(flow, bus, p) for p in (first, second)]
    assert (other.status_code, other.json().get("code"), statuses) == (
        409,
        "BMG_PLATE_REFUSED",
        ["ISSUED", "FREE"],
    )
    entered = await machinery.enter(
        officer, app, {**entry, "plate": first, "technicalPassport": passport}
    )
    assert expect(answer(entered), "ISSUED")["entry"]["plate"] == first
