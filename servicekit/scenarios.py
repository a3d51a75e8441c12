"""Tester scenarios: `X-Test-Scenario: <registry>.<branch>` forces a branch of one registry.

A registry declares its scenarios once, with its `SyncProvider` (`servicekit.provider`); the
kit refuses a scenario under the registry's name that it does not declare, the OpenAPI of its
`/shep/sync` lists them (`x-test-scenarios`), and `egov contracts` puts every registry's in one
table. A scenario under another registry's name is left alone: a state service relays one
scenario to every registry it calls, and only the one it names acts on it. The gateway refuses
a scenario that names no registry at all, since none would ever act on it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

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
    """The refusal of `scenario`, naming what is `known` instead."""
    listed = ", ".join(known) or "—"
    return Problem("UNKNOWN_SCENARIO", status=422, field=HEADER, scenario=scenario, known=listed)


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
