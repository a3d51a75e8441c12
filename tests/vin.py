"""Fixtures of the VIN flow (V1–V22), for every folder whose tests drive it: `flow`, a client of
the flow on the `bus` that the test's folder or module provides, and `pilot_day`, the bus clock
frozen on a working day of the pilot (tests/conftest.py puts it back after each test)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import httpx
import pytest

from egov.launcher import BusPlan
from egov.vin_flow import VinClient
from servicekit.clock import ALMATY, bus_clock

PILOT_DAY = datetime(2026, 3, 2, 10, 0, tzinfo=ALMATY)
"""A working day inside the VIN pilot (2025-10-15..2026-08-31)."""


@pytest.fixture
def pilot_day() -> datetime:
    bus_clock.freeze(PILOT_DAY)
    return PILOT_DAY


@pytest.fixture
async def flow(bus: BusPlan) -> AsyncIterator[VinClient]:
    async with httpx.AsyncClient(timeout=30) as http:
        yield VinClient(bus.url, http)
