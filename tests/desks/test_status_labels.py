"""Every status a service can give has words on the people's desks in ru, kk and en: a new
member of a status enum without texts fails here, before a person sees its code."""

from __future__ import annotations

from enum import StrEnum

import pytest

from desks.statuses import Family, known, status_text
from desks.texts import LANGUAGES
from frontoffice_service.archive.models import ActStatus
from frontoffice_service.machinery.models import ApplicationStatus, ArchiveStatus
from frontoffice_service.pickup.models import PickupStatus
from frontoffice_service.queue.models import TicketStatus
from registration_service.states import State

ENUMS: dict[Family, type[StrEnum]] = {
    "vin": State,
    "machinery": ApplicationStatus,
    "pickup": PickupStatus,
    "ticket": TicketStatus,
    "act": ActStatus,
    "archive": ArchiveStatus,
}


@pytest.mark.parametrize("family", list(ENUMS))
def test_each_status_has_a_text_in_every_language(family: Family) -> None:
    codes = {member.value for member in ENUMS[family]}
    assert codes <= known(family), f"{family}: no texts for {sorted(codes - known(family))}"
    assert known(family) <= codes, f"{family}: texts for no status {sorted(known(family) - codes)}"
    for code in codes:
        for language in LANGUAGES:
            text = status_text(family, code, language)
            assert text.strip(), (family, code, language)
            assert text != code, (family, code, language)


def test_the_texts_of_a_status_differ_by_language() -> None:
    ru, kk, en = (status_text("vin", "V10_AWAITING_BUYER_CONSENT", lang) for lang in LANGUAGES)
    assert (ru, kk, en) == (
        "Ждёт согласия покупателя",
        "Сатып алушының келісімін күтуде",
        "Waiting for the buyer's consent",
    )
