"""The month the front office keeps the paper basis of an application (M16), by the bus clock
in Asia/Almaty, where the offices work: an application sent on day D is kept through
`keep_until(D)` — the same day of the next month, or that month's last day when it has no such
day (31 January → 28/29 February) — inclusive, and may leave from the next day on. The desk
sets it when the application is sent (M9); the archive reads it (M17)."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

from servicekit.clock import ALMATY


def keep_until(sent_at: datetime) -> date:
    """M16: the last day the office keeps the paper basis of an application sent at `sent_at`
    — one calendar month after the sending day in Asia/Almaty, clamped to the end of a shorter
    month (31 January → 28 or 29 February). The paper may leave on the day after it."""
    if sent_at.tzinfo is None:
        # A naive time would be read as the machine's zone: one day off near midnight.
        raise ValueError("keep_until takes a timezone-aware datetime")
    sent_on = sent_at.astimezone(ALMATY).date()
    year, month = (
        (sent_on.year + 1, 1) if sent_on.month == 12 else (sent_on.year, sent_on.month + 1)
    )
    return date(year, month, min(sent_on.day, calendar.monthrange(year, month)[1]))


def is_due(kept_until: date, today: date) -> bool:
    """M16: the month is over: the paper may leave today."""
    return kept_until < today


def leave_from(kept_until: date) -> date:
    """M16: the first day the paper may leave the office."""
    return kept_until + timedelta(days=1)
