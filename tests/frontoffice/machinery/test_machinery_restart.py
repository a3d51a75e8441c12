"""ИИС ЦОН 2.0 killed outright in the middle of the machinery service and started again
resumes from what it stored: the application sent just before the kill arrives at the
provider's desk (the outbox and the durable queue), the scans are the bytes that were uploaded,
and an entry interrupted while БМГ issues the plate is finished once when entered again. The
front office runs as its own process on PostgreSQL and RabbitMQ; the rest of the bus runs in
the test's process."""

from __future__ import annotations

import asyncio
import time
import urllib.parse
from datetime import datetime, timedelta

import httpx
import pytest

from egov.flow_client import answer
from egov.launcher import BusPlan
from egov.machinery_flow import MachineryClient, expect, scan_png
from servicekit.clock import ALMATY
from servicekit.http_clients import async_client
from tests.fixtures.buses import apart_bus_fixture
from tests.fixtures.flows import farmers_new_tractor
from tests.harness import ADMIN, ServiceProcess

FRONTOFFICE = "frontoffice_service"
WORKER, OFFICER, OFFICE = "frontoffice_worker_kostanay", "akimat_officer_kostanay", "KST-KOSTANAY"
DAY = datetime(2025, 11, 3, 11, 0, tzinfo=ALMATY)
apart_bus = apart_bus_fixture(FRONTOFFICE)


async def _clock_at(http: httpx.AsyncClient, bus: BusPlan, at: datetime) -> None:
    """Freeze the bus clock through the gateway and wait until the front office follows."""
    frozen = await http.post(
        f"{bus.url('gateway')}/admin/clock/freeze", json={"at": at.isoformat()}, headers=ADMIN
    )
    assert frozen.status_code == 200, frozen.text
    deadline = time.monotonic() + 20
    while (
        datetime.fromisoformat((await http.get(f"{bus.url(FRONTOFFICE)}/ready")).json()["now"])
        != at
    ):
        assert time.monotonic() < deadline, "the front office did not follow the bus clock"
        await asyncio.sleep(0.05)


async def test_machinery_resumes_after_the_front_office_is_killed(apart_bus: BusPlan) -> None:
    bus, frontoffice = apart_bus, ServiceProcess(apart_bus, FRONTOFFICE)
    await frontoffice.start()
    try:
        async with async_client(timeout=30) as http:
            await _clock_at(http, bus, DAY)
            flow = MachineryClient(bus.url, http)
            registration = await farmers_new_tractor(flow)
            vin = registration["machine"]["id"]
            sent = await flow.sent(WORKER, OFFICE, **registration)
            # Killed the moment the application left: it may still be in the outbox, or on
            # its way, or in the provider's queue.
            await frontoffice.kill()
            await frontoffice.start()
            received = await flow.received(OFFICER, sent, seconds=40)
            assert received["status"] == "RECEIVED"
            assert received["digest"] == sent["digest"]
            scan = await flow.call(
                OFFICER,
                "GET",
                f"/provider/machinery/applications/{sent['number']}/scans/APPLICATION_FORM",
            )
            assert scan.content == scan_png(0)

            expect(answer(await flow.decide(OFFICER, sent, approve=True)), "APPROVED")
            plate = await flow.free_plate("10")
            entry = {
                "machineId": vin,
                "technicalPassport": f"KS 3{vin[-6:]}",
                "plate": plate,
                "issueAt": (DAY + timedelta(days=1)).isoformat(),
            }
            # БМГ answers slowly: the process dies in the middle of issuing the plate.
            rule = {"kind": "latency", "serviceId": "BMG_Issue", "latencyMs": 3000, "count": 1}
            added = await http.post(f"{bus.url('gateway')}/admin/faults", json=rule, headers=ADMIN)
            assert added.status_code in (200, 201), added.text
            entering = asyncio.create_task(flow.enter(OFFICER, sent, entry))
            await asyncio.sleep(1.0)
            await frontoffice.kill()
            with pytest.raises(httpx.HTTPError):
                await entering
            await frontoffice.start()
            # Nothing of the entry was kept; entered again, it is done once.
            still = await flow.received(OFFICER, sent)
            assert still["status"] == "APPROVED"
            issued = expect(answer(await flow.enter(OFFICER, sent, entry)), "ISSUED")
            assert issued["entry"]["plate"] == plate
            detail = await http.get(
                f"{bus.url('number_bank')}/admin/plates/{urllib.parse.quote(plate)}", headers=ADMIN
            )
            history = [e["action"] for e in detail.json()["history"]]
            assert (detail.json()["status"], history.count("ISSUED")) == ("ISSUED", 1)
            await flow.sms_about("+77015550101", sent["number"], "Выдача")
    finally:
        await frontoffice.stop()
        async with async_client(timeout=10) as http:
            await http.post(f"{bus.url('gateway')}/admin/clock/reset", headers=ADMIN)
