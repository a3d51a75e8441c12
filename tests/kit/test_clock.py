"""The bus clock: frozen, set, advanced, and back to real time — never a sleep."""

from datetime import UTC, datetime, timedelta

import pytest

from servicekit.clock import ALMATY, Clock, ClockState


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
