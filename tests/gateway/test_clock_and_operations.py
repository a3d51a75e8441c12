"""Clock control for the whole bus, operational data and Prometheus metrics."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from egov.launcher import BusPlan
from egov.services import build_app
from servicekit.bus import InMemoryBroker, create_bus
from servicekit.clock import Clock, bus_clock
from servicekit.clock_sync import follow_bus_clock
from servicekit.http_clients import async_client
from servicekit.topology import spec
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
    async with async_client() as plain:
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


@asynccontextmanager
async def _gateway(data_dir: Path, broker: InMemoryBroker) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway alone in this process, started on its SQLite database in `data_dir`."""
    app = build_app(spec("gateway"), broker=broker, port=0, data_dir=str(data_dir))
    async with (
        app.router.lifespan_context(app),
        async_client(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client,
    ):
        for _ in range(400):
            if (await client.get("/ready")).status_code == 200:
                break
            await asyncio.sleep(0.025)
        yield client


async def test_frozen_clock_survives_a_gateway_restart_and_reaches_every_service(
    tmp_path: Path,
) -> None:
    at = datetime(2025, 12, 15, 12, 30, tzinfo=UTC)
    broker = InMemoryBroker()  # the embedded bus's: the service hears the gateway on it
    async with _gateway(tmp_path, broker) as gateway:
        frozen = await gateway.post(
            "/admin/clock/freeze", json={"at": at.isoformat()}, headers=ADMIN
        )
        assert frozen.status_code == 200, frozen.text
    # A new gateway process starts on real time; a service that started while the gateway
    # was down runs on real time too, until the gateway announces the clock.
    bus_clock.reset()
    service_clock, service_bus = Clock(), create_bus(None, broker)
    await service_bus.start()
    follower = await follow_bus_clock(service_bus, service_clock, "restart_test")
    try:
        async with _gateway(tmp_path, broker) as gateway:
            view = (await gateway.get("/clock")).json()
            assert (view["frozen"], datetime.fromisoformat(view["now"])) == (True, at)
            assert view["version"] > frozen.json()["version"]
            assert await _reaches(service_clock, at)
            # A change after the restart is kept and announced as before.
            await gateway.post("/admin/clock/advance", json={"seconds": 60}, headers=ADMIN)
            assert await _reaches(service_clock, at + timedelta(minutes=1))
    finally:
        await follower.cancel()
        await service_bus.close()


async def _reaches(clock: Clock, at: datetime) -> bool:
    """Whether `clock` shows `at` once the bus delivered what is on its way."""
    for _ in range(200):
        if clock.now() == at:
            return True
        await asyncio.sleep(0.01)
    return False
