"""M14: the provider's deadline on Kazakhstan's working-day calendar (Asia/Almaty): the 17:00
boundary, public holidays, days off moved by decree and working weekends, the year's end, and
the data file's overrides (31.08.2026, which the `holidays` package misses)."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

import pytest

from frontoffice_service.working_days import Overrides, WorkingCalendar
from servicekit.clock import ALMATY


@pytest.fixture(scope="module")
def calendar() -> WorkingCalendar:
    return WorkingCalendar()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ALMATY)


@pytest.mark.step("M14", "CUTOFF")
@pytest.mark.parametrize(
    ("arrived", "received_on", "due_on"),
    [
        # The examples.
        ("2025-10-20 10:00", date(2025, 10, 20), date(2025, 10, 21)),
        ("2025-12-15 17:30", date(2025, 12, 17), date(2025, 12, 18)),  # 16.12: Independence Day
        # The 17:00 boundary: 17:00:00 is still the same day, a second later is not.
        ("2025-10-21 16:59:59", date(2025, 10, 21), date(2025, 10, 22)),
        ("2025-10-21 17:00:00", date(2025, 10, 21), date(2025, 10, 22)),
        ("2025-10-21 17:00:01", date(2025, 10, 22), date(2025, 10, 23)),
        # Friday after 17:00 and the weekend count from Monday.
        ("2025-10-17 18:00", date(2025, 10, 20), date(2025, 10, 21)),
        ("2025-10-18 11:00", date(2025, 10, 20), date(2025, 10, 21)),
        # Republic Day 25.10.2025 (Saturday) moved to Monday 27.10.
        ("2025-10-24 12:00", date(2025, 10, 24), date(2025, 10, 28)),
        # Sunday 05.01.2025 was a working day (the day off moved to Friday 03.01), and 07.01
        # (Orthodox Christmas) is a day off.
        ("2025-01-05 10:00", date(2025, 1, 5), date(2025, 1, 6)),
        ("2025-01-03 10:00", date(2025, 1, 5), date(2025, 1, 6)),
        ("2025-01-06 15:00", date(2025, 1, 6), date(2025, 1, 8)),
        # The year's end: 01–02.01 are days off, then the weekend.
        ("2025-12-31 10:00", date(2025, 12, 31), date(2026, 1, 5)),
        ("2025-12-31 17:30", date(2026, 1, 5), date(2026, 1, 6)),
        # 31.08.2026: the override (Constitution Day moved from Sunday 30.08).
        ("2026-08-28 17:30", date(2026, 9, 1), date(2026, 9, 2)),
        ("2026-08-28 12:00", date(2026, 8, 28), date(2026, 9, 1)),
    ],
)
def test_m14_received_and_due(
    calendar: WorkingCalendar, arrived: str, received_on: date, due_on: date
) -> None:
    deadline = calendar.deadline(at(arrived))
    assert (deadline.received_on, deadline.due_on) == (received_on, due_on)
    # Due by the end of the day: overdue from the next midnight in Almaty.
    assert deadline.due_at.astimezone(ALMATY).time() == time(0)
    assert (deadline.due_at.astimezone(ALMATY).date() - due_on).days == 1


def test_m14_an_arrival_given_in_utc_is_judged_in_almaty_time(calendar: WorkingCalendar) -> None:
    # 11:30 UTC is 16:30 in Almaty (UTC+5): still the same day.
    arrived = datetime.fromisoformat("2025-10-21T11:30:00+00:00")
    assert calendar.received_on(arrived) == date(2025, 10, 21)
    # 12:30 UTC is 17:30 in Almaty.
    assert calendar.received_on(datetime.fromisoformat("2025-10-21T12:30:00+00:00")) == date(
        2025, 10, 22
    )


def test_without_the_override_the_package_takes_31_08_2026_for_a_working_day() -> None:
    bare = WorkingCalendar(Overrides())
    assert bare.is_working_day(date(2026, 8, 31))
    assert not WorkingCalendar().is_working_day(date(2026, 8, 31))


def test_overrides_file_adds_days_off_and_working_days(tmp_path: Path) -> None:
    path = tmp_path / "calendar.yaml"
    path.write_text(
        "days_off:\n  - {date: 2025-10-22, reason: test}\n"
        "working_days:\n  - {date: 2025-10-25, reason: a working Saturday}\n",
        encoding="utf-8",
    )
    calendar = WorkingCalendar(Overrides.load(path))
    assert not calendar.is_working_day(date(2025, 10, 22))
    assert calendar.is_working_day(date(2025, 10, 25))
    assert calendar.deadline(at("2025-10-21 10:00")).due_on == date(2025, 10, 23)


def test_a_malformed_overrides_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "calendar.yaml"
    path.write_text("days_off:\n  - {reason: no date}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no date"):
        Overrides.load(path)


def test_a_longer_term_counts_working_days_only() -> None:
    calendar = WorkingCalendar(term_days=3)
    # Received Wed 10.12.2025: Thu 11, Fri 12, (weekend), Mon 15 → due 15.12.
    assert calendar.deadline(at("2025-12-10 09:00")).due_on == date(2025, 12, 15)
