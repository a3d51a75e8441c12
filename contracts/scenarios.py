"""The table of every registry's tester scenarios, from the `x-test-scenarios` that each
registry's OpenAPI carries on `POST /shep/sync` (declared with its `SyncProvider`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from servicekit.provider import SYNC_PATH


def scenarios_table(specs: Mapping[str, Mapping[str, Any]]) -> str:
    """Markdown: each registry (a service whose spec has the provider's sync path) with its
    scenarios, by the OpenAPI documents of every service."""
    lines = [
        "# Tester scenarios",
        "",
        "Generated from the code (`egov contracts`): each registry declares its scenarios with",
        "its `SyncProvider`. Send `X-Test-Scenario: <registry>.<branch>` with a call to the",
        "gateway (or to a state service, which relays it on every registry call it makes): the",
        "registry it names answers that branch whatever its data says, the others ignore it.",
        "An undeclared `<registry>.…` scenario is refused by that registry, and one that names",
        "no registry by the gateway: 422 `UNKNOWN_SCENARIO`, field `X-Test-Scenario`, naming",
        "the known ones.",
        "",
        "| registry | scenario | what it forces |",
        "|----------|----------|----------------|",
    ]
    for name, spec in specs.items():
        operation = spec.get("paths", {}).get(SYNC_PATH, {}).get("post")
        if operation is None:
            continue
        declared: dict[str, str] = operation.get("x-test-scenarios", {})
        if not declared:
            lines.append(f"| `{name}` | — | takes no scenario |")
        for scenario, forces in sorted(declared.items()):
            cell = forces.replace("|", "\\|")
            lines.append(f"| `{name}` | `{scenario}` | {cell} |")
    return "\n".join(lines) + "\n"
