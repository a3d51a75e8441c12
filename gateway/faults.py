"""What a channel asks before forwarding: should this call fail on purpose?

The tester controls (fault rules) implement `FaultSource`; the channels apply what it returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

FaultKind = Literal["latency", "error", "timeout", "drop"]


@dataclass(frozen=True, slots=True)
class Fault:
    """An injected failure.

    - latency: wait `latency_ms`, then go on as usual;
    - error: answer the fault `error_code` with HTTP `status` (and `message`), not forwarding;
    - timeout: wait for the service's timeout, then answer PROVIDER_TIMEOUT;
    - drop: start the response and close the connection, as a dropped link would.
    """

    kind: FaultKind
    rule_id: str
    latency_ms: int = 0
    error_code: str = "PROVIDER_ERROR"
    status: int = 502
    message: str = ""


class FaultSource(Protocol):
    def pick(
        self, *, service_id: str, operation: str, sender_id: str | None, run_id: str | None
    ) -> Fault | None:
        """The fault to inject into this call, if a rule matches and fires."""


class NoFaults:
    def pick(
        self, *, service_id: str, operation: str, sender_id: str | None, run_id: str | None
    ) -> Fault | None:
        return None
