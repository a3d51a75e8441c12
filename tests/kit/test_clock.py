"""The bus clock: frozen, set, advanced, and back to real time — never a sleep."""

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import pytest

from egov.launcher import free_port
from servicekit.clock import ALMATY, Clock, ClockState
from servicekit.clock_sync import catch_up


def test_running_clock_follows_real_time() -> None:
    clock = Clock()
    first = clock.now()
    assert first.tzinfo is UTC or first.utcoffset() == timedelta(0)
    assert clock.now() >= first


def test_frozen_clock_stands_still_and_advances_on_demand() -> None:
    clock = Clock()
    at = datetime(2025, 10, 20, 5, 0, tzinfo=UTC)
    clock.freeze(at)
    assert clock.now() == at == clock.now()
    clock.advance(timedelta(hours=12, minutes=30))
    assert clock.now() == at + timedelta(hours=12, minutes=30)


def test_local_time_is_almaty_utc_plus_five() -> None:
    clock = Clock()
    clock.freeze(datetime(2025, 12, 15, 12, 30, tzinfo=UTC))
    local = clock.local_now()
    assert local.utcoffset() == timedelta(hours=5)
    assert (local.hour, local.minute) == (17, 30)
    assert local.tzinfo == ALMATY
    assert clock.today().isoformat() == "2025-12-15"


def test_set_on_a_running_clock_shifts_it_and_it_keeps_running() -> None:
    clock = Clock()
    target = datetime(2030, 1, 1, tzinfo=UTC)
    clock.set(target)
    shifted = clock.now()
    assert timedelta(0) <= shifted - target < timedelta(seconds=5)
    clock.advance(timedelta(days=1))
    assert clock.now() - target >= timedelta(days=1)


def test_unfreeze_runs_on_from_the_frozen_instant() -> None:
    clock = Clock()
    at = datetime(2025, 1, 1, tzinfo=UTC)
    clock.freeze(at)
    clock.unfreeze()
    assert clock.state.frozen_at is None
    assert timedelta(0) <= clock.now() - at < timedelta(seconds=5)


def test_reset_returns_to_real_time() -> None:
    clock = Clock(ClockState(offset=timedelta(days=365)))
    clock.reset()
    assert (clock.state.offset, clock.state.frozen_at) == (timedelta(0), None)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Clock().freeze(datetime(2025, 1, 1))


def test_a_clock_never_takes_an_older_state_than_its_own() -> None:
    """A message left in a queue while the service was down, or an answer of the gateway
    overtaken by a broadcast, must not set the bus clock back."""
    gateway, service = Clock(), Clock()
    gateway.freeze(datetime(2025, 1, 1, tzinfo=UTC))
    older = gateway.state
    gateway.advance(timedelta(days=1))
    assert service.apply(gateway.state) is True
    assert service.apply(older) is False
    assert service.now() == datetime(2025, 1, 2, tzinfo=UTC)


def test_restore_outranks_every_change_before() -> None:
    """A restarted gateway announces the clock it kept as the one that holds now, even to a
    service that saw later versions from a gateway whose database was since wiped."""
    kept = ClockState(frozen_at=datetime(2025, 1, 1, tzinfo=UTC), version=5)
    service = Clock()
    service.freeze(datetime(2030, 1, 1, tzinfo=UTC))
    restored = Clock().restore(kept)
    assert (restored.frozen_at, restored.offset) == (kept.frozen_at, kept.offset)
    assert service.apply(restored) is True
    assert service.now() == datetime(2025, 1, 1, tzinfo=UTC)


@asynccontextmanager
async def _gateway_answering(
    *statuses: int, view: dict[str, object]
) -> AsyncIterator[tuple[str, list[int]]]:
    """A gateway's `GET /clock` on a real socket: `statuses` in turn (the last one stays),
    with `view` as the body of a 200. Yields its URL and the statuses it answered."""
    answered: list[int] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        status = statuses[min(len(answered), len(statuses) - 1)]
        answered.append(status)
        body = json.dumps(view if status == 200 else {"code": "NOT_READY"}).encode()
        head = f"HTTP/1.1 {status} -\r\nContent-Type: application/json\r\n"
        head += f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        writer.write(head.encode() + body)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", answered
    finally:
        server.close()
        await server.wait_closed()


async def test_a_starting_service_waits_for_a_starting_gateway_and_takes_its_clock() -> None:
    """The gateway may have announced its clock before this service's queue existed: while it
    answers 503 (starting) the service asks again, then runs on the bus clock."""
    at = datetime(2025, 12, 15, 12, 30, tzinfo=UTC)
    view = {"now": at.isoformat(), "frozen": True, "offsetSeconds": 0.0, "version": 7}
    clock = Clock()
    async with _gateway_answering(503, 503, 200, view=view) as (url, answered):
        await catch_up(url, clock)
    assert answered == [503, 503, 200]
    assert clock.now() == at
    # An answer older than what the service already follows changes nothing.
    clock.advance(timedelta(hours=1))
    async with _gateway_answering(200, view=view) as (url, answered):
        await catch_up(url, clock)
    assert (answered, clock.now()) == ([200], at + timedelta(hours=1))


async def test_a_service_does_not_wait_for_a_gateway_that_is_not_there() -> None:
    """No gateway listening: it has not announced yet, and its announcement will reach the
    service's queue; the service starts at once."""
    clock = Clock()
    await catch_up(f"http://127.0.0.1:{free_port()}", clock, within=30)
    assert clock.state.version == 0
