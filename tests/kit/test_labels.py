"""What documents print instead of stored codes: every code a document may show has its label
in the three languages, and a Russian verb agrees with who did it."""

from __future__ import annotations

from enum import StrEnum

import pytest

from eps_passports.models import EngineType
from frontoffice_service.machinery.catalogue import MACHINE_KINDS, MachineKind
from registration_service.printing import ENGINE_TYPES, PLATE_TYPES
from registration_service.schemas import PlateType
from servicekit.labels import REGIONS, gender_of, label, past
from servicekit.messages import Texts
from servicekit.service_centres import SERVICE_CENTRES


@pytest.mark.parametrize(
    ("labels", "codes"),
    [
        (ENGINE_TYPES, EngineType),
        (PLATE_TYPES, PlateType),
        (MACHINE_KINDS, MachineKind),
    ],
    ids=["engine types (ЭПТС)", "plate types (V15)", "machine kinds"],
)
def test_every_code_a_document_prints_has_three_labels(
    labels: dict[str, Texts], codes: type[StrEnum]
) -> None:
    assert set(labels) == {c.value for c in codes}
    for texts in labels.values():
        assert all((texts.ru, texts.kk, texts.en)), texts
        assert texts.ru != texts.en


def test_every_region_of_a_service_centre_has_a_label() -> None:
    assert {c.region_code for c in SERVICE_CENTRES} <= set(REGIONS)


def test_a_label_in_each_language_and_the_code_when_there_is_none() -> None:
    assert label(REGIONS, "10") == "Костанайская область"
    assert label(REGIONS, "10", "kk") == "Қостанай облысы"
    assert label(REGIONS, "02", "en") == "Almaty city"
    assert label(MACHINE_KINDS, MachineKind.TRAILER) == "прицеп к трактору"
    assert label(REGIONS, "99") == "99"
    assert label(REGIONS, None) == "—"


@pytest.mark.parametrize(
    ("name", "iin", "verb"),
    [
        ("ТОО «Астана Моторс Алматы»", None, "подало"),
        ("КХ «Береке»", None, "подало"),
        ("ГУ «Департамент полиции города Алматы»", None, "подало"),
        ("НАО «Государственная корпорация «Правительство для граждан»»", None, "подало"),
        ("Филиал иностранного производителя", None, "подал"),
        ("Товарищество с ограниченной ответственностью «Астана Моторс Алматы»", None, "подало"),
        ("Костанайский филиал товарищества с ограниченной ответственностью «А»", None, "подал"),
        ("Государственное учреждение «Департамент полиции города Алматы»", None, "подало"),
        ("Индивидуальный предприниматель Ким Д. С.", "791123310745", "подал"),
        ("Серикбаев Нурлан Маратович", "900515310005", "подал"),
        ("Жумабаева Айгерим Ерлановна", "850308410371", "подала"),
        ("Нургалиева Жанар Сериковна", "011231612221", "подала"),
    ],
)
def test_the_verb_agrees_with_a_legal_form_or_the_sex_in_the_iin(
    name: str, iin: str | None, verb: str
) -> None:
    assert past("подал", name, iin) == verb


def test_an_unknown_form_in_quotes_is_an_entity_and_a_bad_iin_is_not_guessed() -> None:
    assert gender_of("ПТ «Дорстрой»") == "neuter"  # полное товарищество
    assert gender_of("Ассоциация «Дорстрой»") == "feminine"
    assert gender_of("Петров Андрей", "123") == "masculine"
