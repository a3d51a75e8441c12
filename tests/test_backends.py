"""`tests.backends.Drops`: every database a test used is dropped by the end of the run, even
when its drop was started in a loop that ended first or timed out while the loop was held."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.engine import URL, make_url

from tests import backends
from tests.backends import Drops

A, B = make_url("postgresql://x@h/a"), make_url("postgresql://x@h/b")


@pytest.fixture
def dropped(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    done: list[str] = []

    async def drop(url: URL) -> None:
        await asyncio.sleep(0)
        done.append(str(url.database))

    monkeypatch.setattr(backends, "drop_postgres_database", drop)
    return done


async def test_a_drop_left_behind_by_a_loop_that_ended_is_made_at_the_end(
    dropped: list[str],
) -> None:
    drops = Drops()

    async def synchronous_test() -> None:
        drops.start([A])  # the loop ends before the drop has run

    await asyncio.to_thread(asyncio.run, synchronous_test())
    drops.start([B])
    await drops.wait()
    assert sorted(dropped) == ["a", "b"]


async def test_a_drop_that_failed_is_tried_again(
    dropped: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    failing = True

    async def flaky(url: URL) -> None:
        if failing:
            raise TimeoutError
        dropped.append(str(url.database))

    monkeypatch.setattr(backends, "drop_postgres_database", flaky)
    drops = Drops()
    drops.start([A])
    await asyncio.sleep(0.01)
    failing = False
    await drops.wait()
    assert dropped == ["a"]
