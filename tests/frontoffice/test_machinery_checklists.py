"""M6.2 / M8: each action's checklist, for a person and for a legal entity, and the items an
incomplete or invalid package misses."""

from __future__ import annotations

import pytest

from frontoffice_service.machinery import (
    CHECKLISTS,
    MODEL,
    RULES,
    Action,
    Applicant,
    Item,
    Presented,
    checklist,
    missing,
)


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
