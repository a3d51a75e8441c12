"""A bus per registry test module, on SQLite and on the real PostgreSQL, and an HTTP client.

Modules that need only one backend define their own `bus` fixture, which takes precedence.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.fixtures.buses import SQLITE_AND_POSTGRES, bus_fixture

bus = bus_fixture(SQLITE_AND_POSTGRES, scope="module")


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as http:
        yield http
