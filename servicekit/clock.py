"""The bus clock: the one source of "now" for every service.

Services never call `datetime.now()`; they read a `Clock`. Tests (and, through the gateway's admin
API, testers) can freeze, set and advance it, so deadlines and retention are tested without
sleeping.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

# All of Kazakhstan is UTC+5 since 2024-03-01; Asia/Almaty carries that history in tzdata.
ALMATY = ZoneInfo("Asia/Almaty")


@dataclass(frozen=True, slots=True)
class ClockState:
    """What a clock is doing: shifted by `offset` from real time, or stopped at `frozen_at`."""

    offset: timedelta = timedelta(0)
    frozen_at: datetime | None = None


def _real_now() -> datetime:
    return datetime.now(UTC)  # noqa: TID251 — the one sanctioned read of the system time


class Clock:
    """A controllable clock. Thread-safe, because embedded mode runs services side by side."""

    def __init__(self, state: ClockState | None = None) -> None:
        self._state = state or ClockState()
        self._lock = threading.Lock()

    @property
    def state(self) -> ClockState:
        return self._state

    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        state = self._state
        if state.frozen_at is not None:
            return state.frozen_at
        return _real_now() + state.offset

    def local_now(self) -> datetime:
        """The current instant in Asia/Almaty time, where the working-day rules are defined."""
        return self.now().astimezone(ALMATY)

    def today(self) -> date:
        return self.local_now().date()

    def freeze(self, at: datetime | None = None) -> None:
        """Stop the clock, at `at` or at the current (possibly shifted) instant."""
        with self._lock:
            self._state = ClockState(self._state.offset, _aware(at) if at else self.now())

    def set(self, at: datetime) -> None:
        """Jump to `at`; a frozen clock stays frozen there, a running one runs on from there."""
        at = _aware(at)
        with self._lock:
            if self._state.frozen_at is not None:
                self._state = ClockState(self._state.offset, at)
            else:
                self._state = ClockState(at - _real_now(), None)

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            frozen = self._state.frozen_at
            self._state = ClockState(
                self._state.offset + (timedelta(0) if frozen else delta),
                frozen + delta if frozen else None,
            )

    def unfreeze(self) -> None:
        """Let a frozen clock run again from where it stands."""
        with self._lock:
            frozen = self._state.frozen_at
            if frozen is not None:
                self._state = ClockState(frozen - _real_now(), None)

    def apply(self, state: ClockState) -> None:
        """Take over a state another process's clock is in (the bus clock, via the gateway)."""
        with self._lock:
            self._state = state

    def reset(self) -> None:
        """Back to real time."""
        with self._lock:
            self._state = ClockState()


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("the clock takes timezone-aware datetimes only")
    return moment.astimezone(UTC)


# One clock per process: in embedded mode all services share it, as they share the bus clock.
bus_clock = Clock()
