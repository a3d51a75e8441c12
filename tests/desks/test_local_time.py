"""The people's desks read the bus's UTC instants on Almaty's wall clock (UTC+5)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from desks.texts import Language
from desks.times import local_time


@pytest.mark.parametrize(
    ("language", "shown"),
    [("ru", "02.03.2026 10:00"), ("kk", "02.03.2026 10:00"), ("en", "2026-03-02 10:00")],
)
def test_a_utc_instant_shows_in_almaty(language: Language, shown: str) -> None:
    assert local_time("2026-03-02T05:00:00Z", language) == shown
    assert local_time("2026-03-02T05:00:00.123456+00:00", language) == shown
    assert local_time(datetime(2026, 3, 2, 5, tzinfo=UTC), language) == shown


def test_the_almaty_evening_is_the_next_day_in_utc_terms() -> None:
    assert local_time("2026-03-02T20:30:00Z", "ru") == "03.03.2026 01:30"


def test_a_day_stays_that_day_and_nothing_shows_nothing() -> None:
    assert local_time("2026-04-01", "ru") == "01.04.2026"
    assert local_time(date(2026, 4, 1), "en") == "2026-04-01"
    assert local_time(None, "kk") == ""
