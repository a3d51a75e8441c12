"""A bus per registry test module, on SQLite and on the real PostgreSQL, and an HTTP client.

Modules that need only one backend define their own `bus` fixture, which takes precedence.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from egov.launcher import BusPlan
from tests.harness import BACKENDS, bus_on


@pytest.fixture(scope="module", params=BACKENDS)
async def bus(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[BusPlan]:
    data_dir = tmp_path_factory.mktemp("bus")
    async with bus_on(request.param, data_dir) as plan:
        yield plan


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as http:
        yield http
