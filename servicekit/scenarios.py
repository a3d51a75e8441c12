"""Tester scenarios: `X-Test-Scenario: <registry>.<branch>` forces a branch of one registry.

A registry declares its scenarios once, with its `SyncProvider` (`servicekit.provider`); the
kit refuses a scenario under the registry's name that it does not declare, the OpenAPI of its
`/shep/sync` lists them (`x-test-scenarios`), and `egov contracts` puts every registry's in one
table. A scenario under another registry's name is left alone: a state service relays one
scenario to every registry it calls, and only the one it names acts on it. The gateway refuses
a scenario that names no registry at all, since none would ever act on it; a state service
passes either refusal on to the tester (`relayed_refusal`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from servicekit.errors import Problem
from servicekit.messages import Texts, register

HEADER = "X-Test-Scenario"
_NAME = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")

register(
    {
        "UNKNOWN_SCENARIO": Texts(
            "Сценарий «{scenario}» не известен; известные: {known}",
            "«{scenario}» сценарийі белгісіз; белгілілері: {known}",
            "The scenario '{scenario}' is unknown; known: {known}",
        ),
    }
)


def unknown_scenario(scenario: str, known: Iterable[str]) -> Problem:
    """The refusal of `scenario`, naming what is `known` instead (also as members of the
    document, for a program to read)."""
    names = list(known)
    return Problem(
        "UNKNOWN_SCENARIO",
        status=422,
        field=HEADER,
        extra={"scenario": scenario, "known": names},
        scenario=scenario,
        known=", ".join(names) or "—",
    )


def relayed_refusal(document: Mapping[str, Any]) -> Problem | None:
    """The refusal of a tester's scenario in a gateway fault's problem `document` — the
    gateway's own, or a registry's that the gateway relays — for a state service that relayed
    the scenario to pass on to the tester, instead of taking it for a registry failure."""
    sub_error = (document.get("errorInfo") or {}).get("subError") or {}
    for candidate in (document, sub_error.get("errorData") or {}):
        scenario = candidate.get("scenario")
        if candidate.get("code") == "UNKNOWN_SCENARIO" and isinstance(scenario, str):
            return unknown_scenario(scenario, candidate.get("known") or [])
    return None


def registry_of(scenario: str) -> str:
    """The registry a scenario names: what stands before its first dot."""
    return scenario.partition(".")[0]


@dataclass(frozen=True, slots=True)
class Scenarios:
    """The scenarios of one registry: each full name (`gbd_fl.not_found`) with what it forces."""

    registry: str
    branches: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in self.branches:
            if not _NAME.match(name) or registry_of(name) != self.registry:
                raise ValueError(f"scenario {name!r} is not {self.registry}.<branch>")

    def check(self, scenario: str | None) -> None:
        """Refuse a scenario under this registry's name that it does not declare."""
        if scenario is None or registry_of(scenario) != self.registry:
            return
        if scenario not in self.branches:
            raise unknown_scenario(scenario, sorted(self.branches))
