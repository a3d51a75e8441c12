"""The fault campaign's table of steps (bench/fault_campaign.py) against the state services'
code: a registry call added to a flow must get its fault cases, or be named here as outside the
flows the campaign drives."""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]

NOT_DRIVEN = {
    "registration_service": {"BMG_Release", "BMG_Annul"},
    "frontoffice_service": {"GBDUL_UniversalServiceSync", "NOTARY_PowerOfAttorney"},
}
"""Calls outside the registrations the campaign drives: a declined or refused application's
plate given back, its hold released or its issue annulled (V10, V19), a legal entity as the
machinery applicant and a representative with a power of attorney (M6.1, M10.2)."""


def campaign() -> ModuleType:
    # The bench scripts import each other as top-level modules, as `python bench/…` runs them.
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        return importlib.import_module("fault_campaign")
    finally:
        sys.path.remove(str(ROOT / "bench"))


def called_by(service: str, known: set[str]) -> set[str]:
    """The gateway services whose id appears as a string in the service's code."""
    found: set[str] = set()
    for path in (ROOT / service).rglob("*.py"):
        found |= set(re.findall(r'"([A-Z]+_[A-Za-z]+)"', path.read_text())) & known
    return found


def test_campaign_faults_every_registry_call_of_v1_v22_and_m5_m15() -> None:
    module = campaign()
    known = set(module.providers())
    for service in NOT_DRIVEN:
        covered = {
            registry
            for steps in module.STEPS.values()
            for step in steps
            if step.sender == service
            for registry in step.registries
        }
        assert called_by(service, known) - covered == NOT_DRIVEN[service], service
        assert covered <= called_by(service, known), service


def test_campaign_only_one_registry_keeps_its_faults_and_its_kill() -> None:
    module = campaign()
    cases, kills = module.chosen_cases(quick=False, only="number_bank")
    assert kills == ["number_bank"]
    assert {case.registry for case in cases} == {
        "BMG_ReservedNumber",
        "BMG_FreeNumbers",
        "BMG_Reserve",
        "BMG_Issue",
        "BMG_PlateStatus",
    }
    # Every step that calls БМГ, with each of the three kinds.
    assert len(cases) == 3 * sum(
        registry.startswith("BMG_")
        for steps in module.STEPS.values()
        for step in steps
        for registry in step.registries
    )
