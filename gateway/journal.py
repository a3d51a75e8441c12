"""The request journal: the recent exchanges of the gateway, for a tester to query and reset.

In memory and bounded: at most `run_capacity` entries per test run (`X-Test-Run-Id`; calls
without one form a run of their own) and `capacity` in all, the oldest going first. The
message log keeps the durable record; the journal is for asserting on what just happened.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict, deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from gateway.exchange import Exchange


@dataclass(frozen=True, slots=True)
class JournalQuery:
    """Criteria an entry must all meet; None means any."""

    service_id: str | None = None
    sender_id: str | None = None
    operation: str | None = None
    correlation_id: str | None = None
    """A conversation: the call whose messageId it is, and every call correlated to it."""
    message_id: str | None = None
    code: str | None = None
    since: datetime | None = None
    """Inclusive lower bound of `started_at` (bus clock)."""
    until: datetime | None = None
    """Exclusive upper bound of `started_at` (bus clock)."""

    def admits(self, exchange: Exchange) -> bool:
        return (
            _equal(self.service_id, exchange.service_id)
            and _equal(self.sender_id, exchange.sender_id)
            and _equal(self.operation, exchange.operation)
            and (
                self.correlation_id is None
                or self.correlation_id in (exchange.correlation_id, exchange.message_id)
            )
            and _equal(self.message_id, exchange.message_id)
            and _equal(self.code, exchange.code)
            and (self.since is None or exchange.started_at >= self.since)
            and (self.until is None or exchange.started_at < self.until)
        )


def _equal(wanted: str | None, actual: str | None) -> bool:
    return wanted is None or wanted == actual


class Journal:
    """An `ExchangeObserver` keeping the most recent exchanges, per test run."""

    def __init__(self, *, run_capacity: int, capacity: int) -> None:
        self.run_capacity = run_capacity
        self.capacity = capacity
        self._sequence = itertools.count()
        # Every entry in arrival order, and each run's sequence numbers in the same order:
        # both bounds then evict in O(1), always the oldest entry of the run or of the whole.
        self._entries: OrderedDict[int, Exchange] = OrderedDict()
        self._runs: dict[str | None, deque[int]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def observe(self, exchange: Exchange) -> None:
        number = next(self._sequence)
        self._entries[number] = exchange
        run = self._runs.setdefault(exchange.run_id, deque())
        run.append(number)
        if len(run) > self.run_capacity:
            del self._entries[run.popleft()]
        if len(self._entries) > self.capacity:
            _, oldest = self._entries.popitem(last=False)
            self._drop_head(oldest.run_id)

    def _drop_head(self, run_id: str | None) -> None:
        run = self._runs[run_id]
        run.popleft()
        if not run:
            del self._runs[run_id]

    def query(
        self, criteria: JournalQuery, *, limit: int, run_id: str | None = None
    ) -> list[Exchange]:
        """Matching entries, newest first; only run `run_id`'s when given, else everyone's."""
        return list(itertools.islice(filter(criteria.admits, self._newest_first(run_id)), limit))

    def _newest_first(self, run_id: str | None) -> Iterator[Exchange]:
        if run_id is None:
            return reversed(self._entries.values())
        return (self._entries[n] for n in reversed(self._runs.get(run_id, ())))

    def reset(self, run_id: str | None = None) -> int:
        """Forget one run's entries, or all of them when `run_id` is None; how many went."""
        if run_id is None:
            removed = len(self._entries)
            self._entries.clear()
            self._runs.clear()
            return removed
        numbers = self._runs.pop(run_id, deque())
        for number in numbers:
            del self._entries[number]
        return len(numbers)
