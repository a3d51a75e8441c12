"""Instants as a person in Kazakhstan reads them: the bus speaks UTC (`…Z`), the people's desks
show Almaty's wall clock, 02.03.2026 10:00 in Russian and Kazakh, 2026-03-02 10:00 in English.
The tester's console keeps UTC (the `seconds` filter) to compare with the journal."""

from __future__ import annotations

from datetime import date, datetime

from desks.texts import Language
from servicekit.clock import ALMATY

_DATE = {"ru": "%d.%m.%Y", "kk": "%d.%m.%Y", "en": "%Y-%m-%d"}


def local_time(instant: str | datetime | date | None, language: Language) -> str:
    """`instant` in Almaty, to the minute; a bare date (a keep-until day) stays that day."""
    if instant is None or instant == "":
        return ""
    if isinstance(instant, str):
        text = instant.replace("Z", "+00:00")
        instant = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    if not isinstance(instant, datetime):
        return instant.strftime(_DATE[language])
    # A time without an offset came typed by a person on a desk (M11's issue time): already local.
    local = instant.astimezone(ALMATY) if instant.tzinfo else instant
    return local.strftime(f"{_DATE[language]} %H:%M")
