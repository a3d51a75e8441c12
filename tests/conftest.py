from __future__ import annotations

import asyncio
import gc
import os
from collections.abc import AsyncIterator, Iterator

import pytest

from servicekit.clock import bus_clock
from servicekit.serving import long_lived
from tests.backends import DROPS, VHOSTS, require_rabbitmq
from tests.fixtures.apps import let_go_of_apps

# The buses of the tests take the development admin token (tests.harness.ADMIN), whatever
# token the shell that runs them gives the bus it starts by hand.
os.environ.pop("EGOV_ADMIN_TOKEN", None)

# Fixtures more than one folder uses, defined once.
pytest_plugins = [
    "tests.fixtures.vin",
    "tests.fixtures.workers",
    "tests.fixtures.http",
    "tests.fixtures.templates",
    "tests.fixtures.browser",
]


def pytest_collection_finish(session: pytest.Session) -> None:
    """A test process serves whole buses, as `egov serve` serves a service: it tunes the
    garbage collector the same way once the suite is loaded, but collects the middle
    generation after 50 young collections rather than 10 (and the oldest after 100 of those):
    a test process keeps much of what it makes for as long as a module's bus, and what
    outlived a young collection was walked again and again before it was freed. Measured over
    the suite on 4 workers: 1.4-3.3 s of middle collections per worker, 0.15-0.17 s so."""
    long_lived()
    gc.set_threshold(50_000, 50, 100)


@pytest.fixture(autouse=True)
def _real_time_after_each_test() -> Iterator[None]:
    """The bus clock is process-wide; a test that moves it must not move the next one's."""
    yield
    bus_clock.reset()


@pytest.fixture(scope="module", autouse=True)
def _apps_let_go_after_each_module() -> Iterator[None]:
    """An app lives as long as its module's bus, not as long as the test process."""
    yield
    let_go_of_apps()


@pytest.fixture(scope="session", autouse=True)
async def _backends_cleaned_up() -> AsyncIterator[None]:
    """The virtual hosts the process's buses used (tests.backends.VHOSTS) live as long as it;
    the databases they used are dropped in the background (tests.backends.DROPS), done by
    the time it ends. Both at once: on a loaded machine each takes seconds (the drops wait for
    the server's checkpoints, the broker stops each host's queues), and a worker's last
    seconds are the run's."""
    yield
    failures = await asyncio.gather(DROPS.wait(), VHOSTS.delete_all(), return_exceptions=True)
    for failure in failures:
        if failure is not None:
            raise failure


@pytest.fixture
def amqp_url() -> str:
    return require_rabbitmq()
