"""The portal killed outright in the middle of V19 and started again resumes every application
from its stored state: the submission waits in its durable queue, the plate is issued once
(the key is the application's), the СРТС printed once. The portal runs as its own process on
PostgreSQL and RabbitMQ; the rest of the bus runs in the test's process."""

from __future__ import annotations

import urllib.parse

from egov.launcher import BusPlan
from egov.vin_flow import VinClient, expect
from servicekit.http_clients import async_client
from tests.fixtures.buses import apart_bus_fixture
from tests.harness import ADMIN, ServiceProcess

PORTAL = "registration_service"
apart_bus = apart_bus_fixture(PORTAL, extra={PORTAL: {"auto_decision": True}})


async def test_v19_portal_killed_while_issuing_the_plate_resumes_after_restart(
    apart_bus: BusPlan,
) -> None:
    bus, portal = apart_bus, ServiceProcess(apart_bus, PORTAL)
    await portal.start()
    try:
        async with async_client(timeout=30) as http:
            flow = VinClient(bus.url, http)
            vin = await flow.new_vehicle("dealer_astana_motors", "buyer")
            app = await flow.signed_by_dealer("dealer_manager", vin, "900515310005")
            app = await flow.to_payment("buyer", app, "ALM-ALMALY")
            await flow.pay(app)
            app = (await flow.cabinet("buyer", app, "payment-check")).json()
            # БМГ answers slowly, so the auto-decision is in the middle of BMG_Issue when the
            # process dies.
            rule = {"kind": "latency", "serviceId": "BMG_Issue", "latencyMs": 3000, "count": 1}
            added = await http.post(f"{bus.url('gateway')}/admin/faults", json=rule, headers=ADMIN)
            assert added.status_code in (200, 201), added.text
            expect((await flow.buyer_sign("buyer", app)).json(), "V19_AWAITING_DECISION")
            case = await flow.police_case("police_officer_almaty", app)
            assert case["decidedAt"] is None
            await portal.kill()

            await portal.start()
            ready = await flow.until("buyer", app, ["V20_READY_FOR_PICKUP"], seconds=40)
            assert ready["decision"]["rule"] == "AUTO_CLEAN_APPLICATION"
            documents = await flow.listing("buyer", "/cabinet/documents")
            assert [d["applicationId"] for d in documents].count(app["id"]) == 1
            plate = urllib.parse.quote(ready["plate"])
            detail = await http.get(f"{bus.url('number_bank')}/admin/plates/{plate}", headers=ADMIN)
            history = [e["action"] for e in detail.json()["history"]]
            assert (detail.json()["status"], history.count("ISSUED")) == ("ISSUED", 1)
    finally:
        await portal.stop()
