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
    """What a clock is doing: shifted by `offset` from real time, or stopped at `frozen_at`.

    `version` orders the changes: a process that learns the bus clock from several sources
    (a broadcast, a message left in its queue while it was down, the gateway's `GET /clock`)
    keeps the latest, whatever order they arrive in.
    """

    offset: timedelta = timedelta(0)
    frozen_at: datetime | None = None
    version: int = 0


def _real_now() -> datetime:
    return datetime.now(UTC)  # noqa: TID251 — the one sanctioned read of the system time


def _later_than(version: int) -> int:
    # Microseconds of real time rather than a bare counter: a gateway whose database was wiped
    # starts again from nothing, and its next change must still outrank what the running
    # services applied before.
    return max(version + 1, int(_real_now().timestamp() * 1_000_000))


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
            self._change(self._state.offset, _aware(at) if at else self.now())

    def set(self, at: datetime) -> None:
        """Jump to `at`; a frozen clock stays frozen there, a running one runs on from there."""
        at = _aware(at)
        with self._lock:
            if self._state.frozen_at is not None:
                self._change(self._state.offset, at)
            else:
                self._change(at - _real_now(), None)

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            frozen = self._state.frozen_at
            self._change(
                self._state.offset + (timedelta(0) if frozen else delta),
                frozen + delta if frozen else None,
            )

    def unfreeze(self) -> None:
        """Let a frozen clock run again from where it stands."""
        with self._lock:
            frozen = self._state.frozen_at
            if frozen is not None:
                self._change(frozen - _real_now(), None)

    def reset(self) -> None:
        """Back to real time."""
        with self._lock:
            self._change(timedelta(0), None)

    def apply(self, state: ClockState) -> bool:
        """Take over a state another process's clock is in (the bus clock, via the gateway),
        unless it is older than the one this clock is in; whether it was taken."""
        with self._lock:
            if state.version <= self._state.version:
                return False
            self._state = state
            return True

    def restore(self, state: ClockState) -> ClockState:
        """Take `state` whatever this clock is in, as a change later than any before it: the
        gateway, restarted, announces the bus clock it kept as the one that holds now."""
        with self._lock:
            self._change(state.offset, state.frozen_at)
            return self._state

    def _change(self, offset: timedelta, frozen_at: datetime | None) -> None:
        self._state = ClockState(offset, frozen_at, _later_than(self._state.version))


def instant(moment: datetime) -> str:
    """An instant as the bus writes it everywhere: RFC 3339 in UTC with `Z`, as pydantic
    writes a UTC datetime, so a hand-built dict or an XML element reads like a model."""
    return _aware(moment).isoformat().replace("+00:00", "Z")


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("the clock takes timezone-aware datetimes only")
    return moment.astimezone(UTC)


# One clock per process: in embedded mode all services share it, as they share the bus clock.
bus_clock = Clock()
