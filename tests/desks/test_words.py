"""Every code besides a status that the people's desks show has words in ru, kk and en: the
police decision (V19), a VIN check's outcome (V1–V18), the action, machine kind, applicant's
kind, visitor's role, identification and power of attorney's status (M6.1), the queue
ticket's kind (M5, V20). The action and kind names stay the catalogue's, and every checklist
document the scans list names has all three names."""

from __future__ import annotations

import pytest

from desks.frontoffice.tson import ACTIONS, IDENTIFICATIONS, MACHINE_KINDS
from desks.texts import LANGUAGES
from desks.words import Group, known, word
from frontoffice_service.machinery.catalogue import (
    ACTION_NAMES,
    CHECKLISTS,
    Action,
    Applicant,
    MachineKind,
)
from frontoffice_service.machinery.catalogue import (
    MACHINE_KINDS as KIND_NAMES,
)
from frontoffice_service.machinery.models import VisitorRole
from frontoffice_service.models import IdentificationKind
from frontoffice_service.queue.models import TicketKind
from notary.models import PowerStatus
from servicekit.messages import Texts

CODES: dict[Group, set[str]] = {
    # registration_service keeps these as plain strings: police.py, checks.py.
    "decision": {"APPROVED", "REFUSED"},
    "outcome": {"PASSED", "FAILED", "UNAVAILABLE"},
    "action": {member.value for member in Action},
    "machine_kind": {member.value for member in MachineKind},
    "applicant": {member.value for member in Applicant},
    "role": {member.value for member in VisitorRole},
    "attorney": {member.value for member in PowerStatus},
    "identification": {member.value for member in IdentificationKind},
    "ticket_kind": {member.value for member in TicketKind},
}


@pytest.mark.parametrize("group", list(CODES))
def test_each_code_has_a_text_in_every_language(group: Group) -> None:
    codes = CODES[group]
    assert codes == known(group), f"{group}: {sorted(codes ^ known(group))}"
    for code in codes:
        for language in LANGUAGES:
            text = word(group, code, language)
            assert text.strip(), (group, code, language)
            assert text != code, (group, code, language)


@pytest.mark.parametrize(
    ("group", "names"), [("action", ACTION_NAMES), ("machine_kind", KIND_NAMES)]
)
def test_the_catalogue_names_are_the_desks_words(group: Group, names: dict[str, Texts]) -> None:
    for code, texts in names.items():
        for language in LANGUAGES:
            assert word(group, code, language) == getattr(texts, language), (code, language)


def test_the_forms_offer_every_action_kind_and_identification() -> None:
    assert set(ACTIONS) == CODES["action"]
    assert set(MACHINE_KINDS) == CODES["machine_kind"]
    assert set(IDENTIFICATIONS) == CODES["identification"]


def test_every_checklist_document_has_three_names() -> None:
    for items in CHECKLISTS.values():
        for item in items:
            assert all(getattr(item.names, language).strip() for language in LANGUAGES), item.code
