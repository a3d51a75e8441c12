"""The pages bench/desks_pages.py measures are found in the desks app's routes, so a desk
added later is measured without editing the script; the personas it signs in with cover every
set of roles of the catalogue."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def bench() -> ModuleType:
    # The bench scripts are top-level modules, as `python bench/…` runs them.
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        return importlib.import_module("desks_pages")
    finally:
        sys.path.remove(str(ROOT / "bench"))


def test_the_pages_are_the_desks_html_routes_without_parameters() -> None:
    pages = bench().desk_pages()
    assert {"/", "/console", "/console/flow", "/login", "/vin/dealer", "/vin/police"} <= set(pages)
    # JSON, streams, pages of one application and the API docs are not pages one opens.
    assert not [p for p in pages if "{" in p or "/api/" in p or p.endswith("/stream")]
    assert "/docs" not in pages
    assert "/health" not in pages


def test_a_login_is_tried_first_as_a_citizen_then_once_per_set_of_roles() -> None:
    tried = bench().candidates()
    assert tried[0] == "buyer"
    assert {"dealer_manager", "police_officer_almaty", "frontoffice_worker_almaty"} <= set(tried)
    assert "police_officer_kostanay" not in tried
