"""One bus for the console's tests (starting it is the slow part), and a client of the desks."""

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


@pytest.fixture(scope="module")
async def desks(bus: BusPlan) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=bus.url("desks"), timeout=20) as client:
        yield client
