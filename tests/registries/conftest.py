"""One bus per backend for the registries' modules (on SQLite and on the real PostgreSQL),
shared by the modules a worker takes, and an HTTP client: starting a bus is most of what a
registry module cost. The modules keep out of each other's way as the tests of one module
always have (records of their own, fault rules taken by the test that set them).

Modules that need only one backend, or a bus of their own, define their own `bus` fixture,
which takes precedence.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from servicekit.http_clients import async_client
from tests.fixtures.buses import SQLITE_AND_POSTGRES, bus_fixture, one_backend_at_a_time

bus = bus_fixture(SQLITE_AND_POSTGRES, scope="package")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    one_backend_at_a_time(items, Path(__file__).parent)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with async_client(timeout=10) as http:
        yield http
