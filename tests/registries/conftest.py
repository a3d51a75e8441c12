"""A bus per registry test module, on SQLite and on the real PostgreSQL, and an HTTP client.

Modules that need only one backend define their own `bus` fixture, which takes precedence.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from egov.launcher import BusPlan
from tests.backends import fresh_postgres
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
            running_bus(data_dir, database_url=base_url) as plan,
        ):
            yield plan


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as http:
        yield http
