"""What a channel asks before forwarding: should this call fail on purpose?

The tester controls (fault rules) implement `FaultSource`; the channels apply what it returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from servicekit.errors import Problem
from servicekit.messages import known_codes, texts_for

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


class InjectedFault(Problem):
    """The problem an error rule makes a channel answer, with the rule's code and status.

    A code the bus knows keeps its own texts; a code the tester made up is told with the
    INJECTED_FAULT texts (the rule and its message) rather than a generic invalid-value text.
    """

    def messages(self) -> dict[str, str]:
        code = self.code if self.code in known_codes() else "INJECTED_FAULT"
        return texts_for(code).render(self.params)
