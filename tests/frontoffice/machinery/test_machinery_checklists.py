"""M6.2 / M8: each action's checklist, for a person and for a legal entity, and the items an
incomplete or invalid package misses."""

from __future__ import annotations

from datetime import date

import pytest

from frontoffice_service.machinery.catalogue import (
    CHECKLISTS,
    MODEL,
    RULES,
    Action,
    Applicant,
    Item,
    Presented,
    checklist,
    missing,
    require_pilot,
)
from frontoffice_service.settings import Settings
from servicekit.errors import StepRefusal


def codes(items: list[Item]) -> list[str]:
    return [item.code for item in items]


def test_m6_2_registration_follows_the_rules_and_asks_producer_obligations_first_time_only() -> (
    None
):
    first = checklist(Action.REGISTRATION, Applicant.PERSON, first_registration=True)
    assert codes(first) == [
        "APPLICATION_FORM",
        "IDENTITY_DOCUMENT",
        "FEE_RECEIPT",
        "PRODUCER_OBLIGATIONS",
        "OWNERSHIP_DOCUMENT",
        "MACHINE_PASSPORT",
    ]
    again = checklist(Action.REGISTRATION, Applicant.PERSON, first_registration=False)
    assert "PRODUCER_OBLIGATIONS" not in codes(again)
    assert all(item.source == RULES for item in first if item.code != "MACHINE_PASSPORT")


def test_m6_2_a_legal_entity_shows_its_registration_not_an_identity_document() -> None:
    items = codes(
        checklist(Action.DEREGISTRATION, Applicant.LEGAL_ENTITY, first_registration=False)
    )
    assert "ENTITY_REGISTRATION_CERTIFICATE" in items
    assert "IDENTITY_DOCUMENT" not in items


def test_every_item_names_its_source_and_has_three_languages() -> None:
    for items in CHECKLISTS.values():
        for item in items:
            assert item.source
            assert all(getattr(item.names, lang).strip() for lang in ("ru", "kk", "en"))
    modelled = {item.code for item in CHECKLISTS[Action.DUPLICATE] if item.source == MODEL}
    assert modelled == {"LOSS_STATEMENT"}


@pytest.mark.parametrize("action", list(Action))
def test_m8_an_empty_package_misses_the_whole_checklist(action: Action) -> None:
    needed = checklist(action, Applicant.PERSON, first_registration=True)
    assert missing(action, Applicant.PERSON, [], first_registration=True) == needed


@pytest.mark.parametrize("action", list(Action))
def test_m8_a_complete_package_misses_nothing(action: Action) -> None:
    needed = checklist(action, Applicant.PERSON, first_registration=True)
    package = [Presented(item.code, present=True, valid=True) for item in needed]
    assert missing(action, Applicant.PERSON, package, first_registration=True) == []


def test_m8_an_absent_or_invalid_document_is_missing_in_checklist_order() -> None:
    needed = checklist(Action.REREGISTRATION, Applicant.PERSON, first_registration=False)
    package = [Presented(item.code, present=True, valid=True) for item in needed]
    package[1] = Presented(package[1].code, present=True, valid=False)
    package[3] = Presented(package[3].code, present=False, valid=False)
    result = missing(Action.REREGISTRATION, Applicant.PERSON, package, first_registration=False)
    assert codes(result) == [needed[1].code, needed[3].code]


@pytest.mark.step("M4", "MACHINERY_PILOT_REGION", "MACHINERY_PILOT_PERIOD")
@pytest.mark.parametrize(
    ("office", "today", "code"),
    [
        ("KST-KOSTANAY", date(2025, 9, 1), None),
        ("ALM-ALMALY", date(2025, 12, 31), None),
        ("ALM-ALMALY", date(2025, 8, 31), "MACHINERY_PILOT_PERIOD"),
        ("KST-KOSTANAY", date(2026, 1, 1), "MACHINERY_PILOT_PERIOD"),
        ("AST-ESIL", date(2025, 10, 20), "MACHINERY_PILOT_REGION"),
    ],
)
def test_m4_the_service_is_given_in_the_pilots_regions_and_period(
    office: str, today: date, code: str | None
) -> None:
    if code is None:
        require_pilot(Settings(), office, today)
        return
    with pytest.raises(StepRefusal) as refused:
        require_pilot(Settings(), office, today)
    assert (refused.value.code, refused.value.extra["step"]) == (code, "M4")


def test_m4_the_pilot_is_policy_set_by_the_settings() -> None:
    wider = Settings(machinery_pilot_end=date(2026, 12, 31), machinery_pilot_regions=("02",))
    require_pilot(wider, "ALM-ALMALY", date(2026, 6, 1))
    with pytest.raises(StepRefusal, match="MACHINERY_PILOT_REGION"):
        require_pilot(wider, "KST-KOSTANAY", date(2025, 10, 1))
