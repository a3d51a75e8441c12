"""The buses of the reliability suite: one per configuration, each started once for the whole
folder and shared by the modules that need it (a bus on PostgreSQL and RabbitMQ takes seconds
to start and to stop). A test changes a shared bus only through its admin APIs (fault rules, a
route, the police desk's policy) and puts back what it changed; a test that needs other
settings starts a bus of its own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from egov.launcher import BusPlan
from tests.backends import fresh_postgres, fresh_vhost
from tests.harness import running_bus

DEADLINE_SECONDS = 1.0
"""How long the state services wait for a registry on the impatient bus (30 s by default)."""
STREAMS = 2
"""The cap of live streams per buyer on the embedded bus (5 by default)."""


@pytest.fixture(scope="package")
async def deployed_bus(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BusPlan]:
    """PostgreSQL and RabbitMQ with the default settings, as deployed."""
    async with (
        fresh_postgres() as database_url,
        fresh_vhost() as amqp_url,
        running_bus(
            tmp_path_factory.mktemp("deployed"), database_url=database_url, amqp_url=amqp_url
        ) as plan,
    ):
        yield plan


@pytest.fixture(scope="package")
async def impatient_bus(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BusPlan]:
    """PostgreSQL and RabbitMQ, where the state services give up on a registry after
    `DEADLINE_SECONDS` (an answer that comes later is lost to them, its effect done), and the
    portal's consumers retry a failed message after milliseconds instead of seconds (an outage
    is many attempts in little wall time)."""
    deadline = {"gateway_timeout_seconds": DEADLINE_SECONDS}
    portal = {**deadline, "bus_retry_first_delay": 0.02, "bus_retry_max_delay": 0.1}
    async with (
        fresh_postgres() as database_url,
        fresh_vhost() as amqp_url,
        running_bus(
            tmp_path_factory.mktemp("impatient"),
            database_url=database_url,
            amqp_url=amqp_url,
            extra={"registration_service": portal, "frontoffice_service": deadline},
        ) as plan,
    ):
        yield plan


@pytest.fixture(scope="package")
async def embedded_bus(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BusPlan]:
    """SQLite and the in-process bus (`egov up` with nothing configured), whose retries follow
    the bus clock; a buyer holds at most `STREAMS` live streams."""
    settings = {"registration_service": {"streams_per_principal": STREAMS}}
    async with running_bus(tmp_path_factory.mktemp("embedded"), extra=settings) as plan:
        yield plan
