"""A bus shared by a gateway test module, and a client of its gateway.

One bus per module (embedded, SQLite): starting it is the slow part. Modules that need
another backend or settings define their own `bus` fixture, which takes precedence.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from egov.launcher import BusPlan
from tests.harness import running_bus


@pytest.fixture(scope="module")
async def bus(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BusPlan]:
    async with running_bus(tmp_path_factory.mktemp("bus")) as plan:
        yield plan


@pytest.fixture
async def client(bus: BusPlan) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=bus.url("gateway"), timeout=10) as http:
        yield http
