"""A bus per test module for the VIN registration (V1–V22): on SQLite with the in-process bus,
and on PostgreSQL with RabbitMQ. The clock stands inside the pilot; `flow` (tests/vin.py) drives
the flow on the module's bus."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import pytest

from egov.launcher import BusPlan
from tests.backends import fresh_postgres, fresh_vhost
from tests.harness import running_bus


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
def _inside_the_pilot(pilot_day: datetime) -> None:
    """Every test here runs on a working day of the pilot."""
