"""A bus shared by a gateway test module, and a client of its gateway.

One bus per module (embedded, SQLite): starting it is the slow part. Modules that need
another backend or settings define their own `bus` fixture, which takes precedence.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from egov.launcher import BusPlan
from servicekit.http_clients import async_client
from tests.fixtures.buses import bus_fixture

bus = bus_fixture("sqlite", scope="module")


@pytest.fixture
async def client(bus: BusPlan) -> AsyncIterator[httpx.AsyncClient]:
    async with async_client(base_url=bus.url("gateway"), timeout=10) as http:
        yield http
