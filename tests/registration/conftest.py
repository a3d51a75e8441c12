"""A bus per test module for the VIN registration (V1–V22): on SQLite with the in-process bus,
and on PostgreSQL with RabbitMQ. The clock stands inside the pilot (2025-10-15..2026-08-31)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import httpx
import pytest

from egov.launcher import BusPlan
from egov.vin_flow import VinClient
from servicekit.clock import ALMATY, bus_clock
from tests.backends import fresh_postgres, fresh_vhost
from tests.harness import running_bus

PILOT_DAY = datetime(2026, 3, 2, 10, 0, tzinfo=ALMATY)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def bus(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[BusPlan]:
    data_dir = tmp_path_factory.mktemp("bus")
    if request.param == "sqlite":
        async with running_bus(data_dir) as plan:
            yield plan
    else:
        async with (
            fresh_postgres() as base_url,
            fresh_vhost() as amqp_url,
            running_bus(data_dir, database_url=base_url, amqp_url=amqp_url) as plan,
        ):
            yield plan


@pytest.fixture(autouse=True)
def _inside_the_pilot() -> None:
    bus_clock.freeze(PILOT_DAY)  # tests/conftest.py puts the clock back after each test


@pytest.fixture
async def flow(bus: BusPlan) -> AsyncIterator[VinClient]:
    async with httpx.AsyncClient(timeout=30) as http:
        yield VinClient(bus.url, http)
