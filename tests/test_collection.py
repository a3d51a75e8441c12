"""contracts/collection/: every request names an operation of the services' OpenAPI, and the
generator stops on one that is gone (its drift is checked in `tests/test_contracts.py`)."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from contracts import ROOT, collection
from servicekit.topology import SERVICES

FILES = sorted((ROOT / "collection").glob("*.http"))
SPECS: dict[str, dict[str, Any]] = {
    s.name: json.loads((ROOT / "openapi" / f"{s.name}.json").read_text(encoding="utf-8"))
    for s in SERVICES
}
REQUEST = re.compile(r"^(GET|POST|PUT|PATCH|DELETE) \{\{(\w+)\}\}(\S*)$")


def _requests(path: Path) -> list[tuple[str, str, str]]:
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = REQUEST.match(line)
        if match:
            method, service, target = match.groups()
            found.append((method, service, target.partition("?")[0]))
    return found


def _template(path: str) -> re.Pattern[str]:
    # A spec parameter stands for one segment; the collection fills it with a value or with
    # a `{{…}}` reference to an earlier answer.
    parts = re.split(r"\{[^/{}]+\}", path)
    return re.compile("[^/]+".join(re.escape(p) for p in parts) + "$")


def test_the_collection_covers_both_processes_and_the_tester_controls() -> None:
    assert [f.name for f in FILES] == [
        "machinery-registration.http",
        "tester-controls.http",
        "vin-registration.http",
    ]
    vin = (ROOT / "collection" / "vin-registration.http").read_text(encoding="utf-8")
    for step in ("V1 ", "V2–V5", "V9", "V10", "V15", "V16", "V17", "V18", "V19", "V20", "V22"):
        assert f"### {step}" in vin, step
    machinery = (ROOT / "collection" / "machinery-registration.http").read_text(encoding="utf-8")
    for step in ("M5", "M6.1", "M6.2", "M6.3", "M6.4", "M6.5", "M10.4", "M11", "M15", "M17"):
        assert f"### {step}" in machinery, step


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_request_names_an_operation_of_the_spec(path: Path) -> None:
    requests = _requests(path)
    assert requests
    for method, service, target in requests:
        operations = [
            template
            for template, methods in SPECS[service]["paths"].items()
            if method.lower() in methods and _template(template).match(target)
        ]
        assert operations, f"{path.name}: no {method} {target} in {service}'s OpenAPI"


def test_generation_stops_on_a_route_the_spec_no_longer_has() -> None:
    specs = copy.deepcopy(SPECS)
    specs["registration_service"]["paths"]["/dealer/applications/{application_id}/vins"] = specs[
        "registration_service"
    ]["paths"].pop("/dealer/applications/{application_id}/vin")
    with pytest.raises(KeyError, match=re.escape("PUT /dealer/applications/{application_id}/vin")):
        collection.documents(specs)
