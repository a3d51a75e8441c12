"""The tester scenarios every registry declares, as the gateway reads them to refuse a
misspelt one at the door.

Each registry lists its scenarios in the `x-test-scenarios` of its `/shep/sync` operation; the
OpenAPI files checked in under `contracts/openapi/` carry them (drift-checked against the
registries' code). The gateway reads them there, once: a registry need not be up for the gateway
to know its branches, and a state service that relays a scenario to every registry it calls
learns of a typo on its first call, not only when the misspelt registry's turn comes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from gateway.soap.payloads import OPENAPI_DIR
from servicekit.provider import SYNC_PATH


def declared_in(directory: Path) -> dict[str, frozenset[str]]:
    """Each registry's declared scenarios, by the registry's name (its file's stem)."""
    declared: dict[str, frozenset[str]] = {}
    for path in sorted(directory.glob("*.json")):
        spec = json.loads(path.read_text(encoding="utf-8"))
        operation = spec.get("paths", {}).get(SYNC_PATH, {}).get("post")
        if operation is not None:
            declared[path.stem] = frozenset(operation.get("x-test-scenarios", {}))
    return declared


@cache
def declared() -> Mapping[str, frozenset[str]]:
    """The scenarios of the contracts checked in beside the gateway."""
    return declared_in(OPENAPI_DIR)
