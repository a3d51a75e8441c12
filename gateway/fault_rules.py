"""Fault rules: the tester's way to make the gateway fail on purpose, as WireMock and LocalStack do.

A rule says which calls it applies to (service, operation, sender, test run), what goes wrong
(latency, an error, a timeout, a dropped connection) and how often (probability, at most
`count` times, until `expires_at` on the bus clock). The channels ask `pick` before forwarding.

Rules live in memory only: they are test set-up, and a restarted gateway starting clean is
what a tester expects.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from gateway.faults import Fault, FaultKind
from servicekit.clock import Clock

ANY = "*"


@dataclass(slots=True)
class FaultRule:
    id: str
    fault: Fault
    """What goes wrong when the rule fires."""
    service_id: str
    operation: str
    sender_id: str | None
    run_id: str | None
    """The `X-Test-Run-Id` the rule was made under: it then applies to that run's calls only."""
    created_at: datetime
    probability: float = 1.0
    count: int | None = None
    """Fires at most this many times, then is removed."""
    expires_at: datetime | None = None
    seed: int | None = None
    """Gives the rule its own random sequence, so which calls a 0.5 rule hits is repeatable."""
    fired: int = 0
    rng: random.Random | None = field(default=None, repr=False)

    def matches(
        self, service_id: str, operation: str, sender_id: str | None, run_id: str | None
    ) -> bool:
        return (
            (self.run_id is None or self.run_id == run_id)
            and self.service_id in (ANY, service_id)
            and self.operation in (ANY, operation)
            and (self.sender_id is None or self.sender_id == sender_id)
        )


class FaultRules:
    """The gateway's fault rules: a `FaultSource`. Oldest rule first."""

    def __init__(self, clock: Clock, rng: random.Random | None = None) -> None:
        self.clock = clock
        self._rng = rng or random.Random()
        # Insertion order is creation order, which decides between several matching rules.
        self._rules: dict[str, FaultRule] = {}

    def add(
        self,
        *,
        kind: FaultKind,
        service_id: str = ANY,
        operation: str = ANY,
        sender_id: str | None = None,
        run_id: str | None = None,
        latency_ms: int = 0,
        error_code: str = "PROVIDER_ERROR",
        status: int = 502,
        message: str = "",
        probability: float = 1.0,
        count: int | None = None,
        expires_at: datetime | None = None,
        ttl_seconds: float | None = None,
        seed: int | None = None,
    ) -> FaultRule:
        now = self.clock.now()
        if ttl_seconds is not None:
            expires_at = now + timedelta(seconds=ttl_seconds)
        rule_id = str(uuid.uuid4())
        rule = FaultRule(
            id=rule_id,
            fault=Fault(
                kind=kind,
                rule_id=rule_id,
                latency_ms=latency_ms,
                error_code=error_code,
                status=status,
                message=message,
            ),
            service_id=service_id,
            operation=operation,
            sender_id=sender_id,
            run_id=run_id,
            created_at=now,
            probability=probability,
            count=count,
            expires_at=expires_at,
            seed=seed,
            rng=random.Random(seed) if seed is not None else None,
        )
        self._rules[rule.id] = rule
        return rule

    def pick(
        self, *, service_id: str, operation: str, sender_id: str | None, run_id: str | None
    ) -> Fault | None:
        """The fault of the oldest matching rule whose dice say yes, if any.

        A matching rule that does not fire this time (probability) leaves the call to the
        next matching rule, so independent rules stay independent.
        """
        if not self._rules:  # the usual case, on every call: no clock read, no iteration
            return None
        for rule in self._live():
            if not (rule.matches(service_id, operation, sender_id, run_id) and self._fires(rule)):
                continue
            rule.fired += 1
            if rule.count is not None and rule.fired >= rule.count:
                del self._rules[rule.id]
            return rule.fault
        return None

    def _fires(self, rule: FaultRule) -> bool:
        # Certain outcomes draw no number, so a 0.5 rule's sequence is not shifted by them.
        if rule.probability >= 1:
            return True
        if rule.probability <= 0:
            return False
        return (rule.rng or self._rng).random() < rule.probability

    def _live(self) -> Iterator[FaultRule]:
        """The rules not yet expired, oldest first; expired ones are forgotten on the way."""
        now = self.clock.now()
        for rule in list(self._rules.values()):
            if rule.expires_at is not None and rule.expires_at <= now:
                del self._rules[rule.id]
            else:
                yield rule

    def rules(self, run_id: str | None = None) -> list[FaultRule]:
        """The live rules of one test run, or every live rule when `run_id` is None."""
        return [r for r in self._live() if run_id is None or r.run_id == run_id]

    def remove(self, rule_id: str, run_id: str | None = None) -> bool:
        """Remove a rule; with `run_id`, only if it is that run's (runs cannot touch others')."""
        rule = self._rules.get(rule_id)
        if rule is None or (run_id is not None and rule.run_id != run_id):
            return False
        del self._rules[rule_id]
        return True

    def clear(self, run_id: str | None = None) -> int:
        """Remove one run's rules, or all of them when `run_id` is None; how many went."""
        doomed = [r.id for r in self._rules.values() if run_id is None or r.run_id == run_id]
        for rule_id in doomed:
            del self._rules[rule_id]
        return len(doomed)
