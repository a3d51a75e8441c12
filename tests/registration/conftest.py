"""A bus per test module for the VIN registration (V1–V22): on SQLite with the in-process bus,
and on PostgreSQL with RabbitMQ. The clock stands inside the pilot; `flow`
(tests/fixtures/vin.py) drives the flow on the module's bus."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.fixtures.buses import WITH_RABBITMQ, bus_fixture

bus = bus_fixture(WITH_RABBITMQ, scope="module")


@pytest.fixture(autouse=True)
def _inside_the_pilot(pilot_day: datetime) -> None:
    """Every test here runs on a working day of the pilot."""
