"""`POST /admin/reset` of every service, on SQLite and PostgreSQL: what testers changed is
gone and the seed is back, the state services are empty, the gateway has no fault rules, and
what must outlive a reset (the clock, the message log, НУЦ's login key) does."""

from __future__ import annotations

from typing import Any

import httpx

from egov.launcher import BusPlan
from egov.vin_flow import VinClient
from servicekit.topology import SERVICES
from tests.harness import ADMIN, envelope, send

BUYER_2 = "850308410371"


async def _reset_all(client: httpx.AsyncClient, bus: BusPlan) -> dict[str, dict[str, Any]]:
    reports = {}
    for service in SERVICES:
        reply = await client.post(f"{bus.url(service.name)}/admin/reset", headers=ADMIN)
        assert reply.status_code == 200, (service.name, reply.text)
        reports[service.name] = reply.json()
    return reports


async def test_reset_needs_the_admin_token(bus: BusPlan, client: httpx.AsyncClient) -> None:
    for service in SERVICES:
        reply = await client.post(f"{bus.url(service.name)}/admin/reset")
        assert (reply.status_code, reply.json()["code"]) == (401, "ADMIN_CREDENTIAL_REQUIRED")


async def test_reset_brings_the_seed_back_and_keeps_the_bus_history(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    persons = f"{bus.url('gbd_fl')}/admin/persons/{BUYER_2}"
    assert (await client.delete(persons, headers=ADMIN)).status_code == 204
    vin = await VinClient(bus.url, client).new_vehicle("dealer_astana_motors", "buyer")
    gateway = bus.url("gateway")
    rule = {
        "kind": "error",
        "serviceId": "GBDFL_UniversalServiceSync",
        "errorCode": "GBDFL_MAINTENANCE",
        "status": 503,
        "message": "ГБД ФЛ на регламентных работах",
    }
    assert (await client.post(f"{gateway}/admin/faults", json=rule, headers=ADMIN)).is_success
    keys = (await client.get(f"{bus.url('pki')}/auth/jwks")).json()
    logged = (await client.get(f"{gateway}/admin/log/verify", headers=ADMIN)).json()["checked"]

    reports = await _reset_all(client, bus)

    assert (await client.get(persons, headers=ADMIN)).status_code == 200
    passports = f"{bus.url('eps_passports')}/admin/passports"
    assert (await client.get(passports, params={"vin": vin}, headers=ADMIN)).json() == []
    assert (await client.get(f"{gateway}/admin/faults", headers=ADMIN)).json() == []
    # The registry of interactions is back and the sync channel answers through it.
    reply = await send(client, bus, envelope("GBDFL_UniversalServiceSync", {"iin": BUYER_2}))
    assert reply.json()["responseData"]["data"]["found"] is True
    # Kept: НУЦ's login key (tokens stay valid), the message log, the clock.
    assert (await client.get(f"{bus.url('pki')}/auth/jwks")).json() == keys
    verified = (await client.get(f"{gateway}/admin/log/verify", headers=ADMIN)).json()
    assert verified["ok"] is True
    assert verified["checked"] >= logged
    assert {"bus_clock", "message_log"} <= set(reports["gateway"]["kept"])
    assert "message_log" not in reports["gateway"]["emptied"]
    assert reports["pki"]["kept"] == ["token_keys"]
    # The portal's seed is empty, the NCALayer emulator and the desks keep nothing; every other
    # service's seed (the registries', the front office's machine registry) is written again.
    unseeded = {"registration_service", "ncalayer", "desks"}
    assert all(reports[name]["seeded"] is False for name in unseeded)
    assert "applications" in reports["registration_service"]["emptied"]
    assert all(reports[s.name]["seeded"] for s in SERVICES if s.name not in unseeded)
