"""The front office on a running bus: on the embedded default (SQLite, the in-process bus) and
on PostgreSQL with RabbitMQ, one bus per backend for the whole package (starting it is the slow
part). Tests keep out of each other's way with a business day of their own (the queue is per
day) and application numbers of their own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest

from egov.launcher import BusPlan
from servicekit.bus import MessageBus, create_bus
from servicekit.clock import ALMATY
from servicekit.http_clients import async_client
from tests.fixtures.buses import bus_fixture, one_backend_at_a_time
from tests.fixtures.clock import day_fixture, every_day
from tests.frontoffice.support import EventTap, FrontOffice

bus = bus_fixture({"embedded": "sqlite", "postgres+rabbitmq": "postgres+rabbitmq"}, scope="package")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The rooms' folders share the package's buses (after pytest's own ordering)."""
    one_backend_at_a_time(items, Path(__file__).parent)


@pytest.fixture(scope="package")
async def broker(bus: BusPlan) -> AsyncIterator[MessageBus]:
    """The test's own connection to the bus's broker, to publish and take events."""
    async with create_bus(bus.amqp_url, bus.broker) as connection:
        yield connection


@pytest.fixture(scope="package")
async def handed_over(broker: MessageBus) -> AsyncIterator[EventTap]:
    """Stands in for the portal's queue of `frontoffice.pickup.handed_over`."""
    async with EventTap.bound(broker, "frontoffice.pickup.handed_over") as tap:
        yield tap


business_day = day_fixture(
    every_day(datetime(2027, 3, 1, 10, 0, tzinfo=ALMATY)), name="business_day"
)
"""The clock stopped at 10:00 Almaty on a day no other test of this run uses."""


@pytest.fixture
async def office(
    bus: BusPlan, broker: MessageBus, handed_over: EventTap
) -> AsyncIterator[FrontOffice]:
    async with (
        async_client(base_url=bus.url("frontoffice_service"), timeout=15) as http,
        async_client(base_url=bus.url("pki"), timeout=15) as pki,
        async_client(base_url=bus.url("gateway"), timeout=15) as gateway,
    ):
        yield FrontOffice(http, pki, gateway, broker, handed_over)
