"""Kazakhstan's working days and the provider's deadline (M14).

M14: the service takes one working day from the receipt of the package in АРМ ГО; a package
received after 17:00 counts from the next working day. As implemented here:

- an application counts as received on the day it arrives (Asia/Almaty, by the bus clock) if
  that is a working day and it arrives by 17:00 (17:00:00 included); otherwise on the next
  working day;
- it is due by the end of the first working day after that day (before midnight, Almaty).

Working days come from the `holidays` package's KZ calendar (public holidays, days off moved
by government decree, working Saturdays and Sundays), corrected by a data file of overrides:
`working_calendar.yaml` beside this module, or the file the `calendar_overrides` setting
names. The package misses, for one, 31.08.2026, the day off that Constitution Day (Sunday
30.08.2026) moved to (kz-reference §8).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import holidays

from servicekit import yaml_files
from servicekit.clock import ALMATY

OVERRIDES = Path(__file__).with_name("working_calendar.yaml")
CUTOFF = time(17, 0)
"""M14: a package received after this (Almaty time) counts from the next working day."""


@dataclass(frozen=True, slots=True)
class Overrides:
    days_off: frozenset[date] = frozenset()
    """Days off the package does not know of."""
    working_days: frozenset[date] = frozenset()
    """Working days the package takes for days off (a moved working Saturday, say)."""

    @classmethod
    def load(cls, path: Path) -> Overrides:
        data = yaml_files.load(path.read_text(encoding="utf-8")) or {}
        return cls(
            days_off=frozenset(_dates(data.get("days_off"), path)),
            working_days=frozenset(_dates(data.get("working_days"), path)),
        )


def _dates(entries: object, path: Path) -> list[date]:
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise ValueError(f"{path}: a list of {{date, reason}} entries expected")
    found = []
    for entry in entries:
        day = entry.get("date") if isinstance(entry, dict) else None
        if not isinstance(day, date):
            raise ValueError(f"{path}: {entry!r} has no date (YYYY-MM-DD)")
        found.append(day)
    return found


@dataclass(frozen=True, slots=True)
class Deadline:
    received_on: date
    """The working day the term counts from."""
    due_on: date
    due_at: datetime
    """The end of `due_on` in Almaty: overdue from this instant."""


class WorkingCalendar:
    def __init__(
        self,
        overrides: Overrides | None = None,
        *,
        cutoff: time = CUTOFF,
        term_days: int = 1,
    ) -> None:
        self.overrides = overrides if overrides is not None else Overrides.load(OVERRIDES)
        self.cutoff, self.term_days = cutoff, term_days
        # Years are added as they are asked for.
        self._kz = holidays.country_holidays("KZ")

    def is_working_day(self, day: date) -> bool:
        if day in self.overrides.working_days:
            return True
        if day in self.overrides.days_off:
            return False
        return bool(self._kz.is_working_day(day))

    def next_working_day(self, day: date) -> date:
        """The first working day after `day`."""
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def received_on(self, arrived: datetime) -> date:
        local = arrived.astimezone(ALMATY)
        day = local.date()
        if self.is_working_day(day) and local.time() <= self.cutoff:
            return day
        return self.next_working_day(day)

    def deadline(self, arrived: datetime) -> Deadline:
        received = due = self.received_on(arrived)
        for _ in range(self.term_days):
            due = self.next_working_day(due)
        end = datetime.combine(due + timedelta(days=1), time(0), tzinfo=ALMATY)
        return Deadline(received_on=received, due_on=due, due_at=end)
