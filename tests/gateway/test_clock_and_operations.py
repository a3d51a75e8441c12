"""Clock control for the whole bus, operational data and Prometheus metrics."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx

from egov.launcher import BusPlan
from servicekit.clock import bus_clock
from tests.harness import ADMIN, envelope, send

PERSON = "GBDFL_UniversalServiceSync"


async def test_clock_control_moves_every_service(bus: BusPlan, client: httpx.AsyncClient) -> None:
    at = datetime(2025, 12, 15, 12, 30, tzinfo=UTC)
    frozen = (
        await client.post("/admin/clock/freeze", json={"at": at.isoformat()}, headers=ADMIN)
    ).json()
    assert frozen["frozen"] is True
    assert datetime.fromisoformat(frozen["localNow"]).hour == 17  # Asia/Almaty, UTC+5
    advanced = (
        await client.post("/admin/clock/advance", json={"seconds": 86400}, headers=ADMIN)
    ).json()
    assert datetime.fromisoformat(advanced["now"]) == at + timedelta(days=1)
    async with httpx.AsyncClient() as plain:
        ready = (await plain.get(f"{bus.url('gbd_fl')}/ready")).json()
    assert datetime.fromisoformat(ready["now"]) == at + timedelta(days=1)
    # The registry's answer is dated by the bus clock too.
    reply = await send(client, bus, envelope(PERSON, {"iin": "900515310005"}))
    assert reply.json()["responseInfo"]["responseDate"].startswith("2025-12-16T12:30:00")
    assert (await client.get("/clock")).json()["frozen"] is True
    await client.post("/admin/clock/reset", headers=ADMIN)
    assert bus_clock.state.frozen_at is None


async def test_clock_admin_refuses_bad_input_and_no_credential(client: httpx.AsyncClient) -> None:
    assert (await client.post("/admin/clock/advance", json={"seconds": 5})).status_code == 401
    naive = await client.post("/admin/clock/set", json={"at": "2025-01-01T10:00:00"}, headers=ADMIN)
    assert (naive.status_code, naive.json()["field"]) == (422, "at")
    backwards = await client.post("/admin/clock/advance", json={"seconds": -1}, headers=ADMIN)
    assert backwards.status_code == 422


async def test_operational_data_counts_failures_and_durations(
    bus: BusPlan, client: httpx.AsyncClient
) -> None:
    await client.delete("/admin/operational", headers=ADMIN)
    await asyncio.gather(
        *(send(client, bus, envelope(PERSON, {"iin": "900515310005"})) for _ in range(5)),
        send(client, bus, envelope(PERSON, {"iin": "900515310006"})),
    )
    figures = {
        f["serviceId"]: f for f in (await client.get("/admin/operational", headers=ADMIN)).json()
    }
    person = figures[PERSON]
    assert (person["count"], person["failures"]) == (6, 1)
    assert person["codes"] == {"SCSS001": 5, "PROVIDER_ERROR": 1}
    assert 0 < person["minMs"] <= person["p50Ms"] <= person["p99Ms"] <= person["maxMs"]
    assert person["minMs"] <= person["avgMs"] <= person["maxMs"]


async def test_prometheus_metrics(bus: BusPlan, client: httpx.AsyncClient) -> None:
    await send(client, bus, envelope(PERSON, {"iin": "900515310005"}))
    text = (await client.get("/metrics")).text
    assert (
        'egov_gateway_requests_total{channel="sync",code="SCSS001",'
        f'operation="SendMessage",service="{PERSON}"}}'
    ) in text
    assert "egov_gateway_request_duration_seconds_bucket" in text
