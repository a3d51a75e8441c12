from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import pytest

from servicekit.clock import bus_clock
from tests.backends import VHOSTS, require_rabbitmq
from tests.templates import TEMPLATES

# The buses of the tests take the development admin token (tests.harness.ADMIN), whatever
# token the shell that runs them gives the bus it starts by hand.
os.environ.pop("EGOV_ADMIN_TOKEN", None)

# Fixtures more than one folder uses, defined once.
pytest_plugins = ["tests.vin", "tests.fixtures.workers", "tests.fixtures.http"]


@pytest.fixture(autouse=True)
def _real_time_after_each_test() -> Iterator[None]:
    """The bus clock is process-wide; a test that moves it must not move the next one's."""
    yield
    bus_clock.reset()


@pytest.fixture(scope="session", autouse=True)
async def _made_for_the_process() -> AsyncIterator[None]:
    """The databases buses copy (tests.templates) and the virtual hosts they used
    (tests.backends.VHOSTS) live as long as the test process."""
    yield
    await TEMPLATES.drop_all()
    await VHOSTS.delete_all()


@pytest.fixture
def amqp_url() -> str:
    return require_rabbitmq()
