"""What documents people read print instead of stored codes: labels in Russian, Kazakh and
English (a region, not "10"), and a Russian past-tense verb that agrees with who did it («ТОО
… подало», «Серикбаев Н. подал», «Жумабаева А. подала»). Both state services print regions
and name applicants in their texts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Literal

from servicekit.identifiers import IdentifierError, Sex, parse_iin
from servicekit.messages import Language, Texts

REGIONS: dict[str, Texts] = {
    "02": Texts("г. Алматы", "Алматы қаласы", "Almaty city"),
    "10": Texts("Костанайская область", "Қостанай облысы", "Kostanay region"),
}
"""The pilot regions, by their code on plates (kz-reference §3)."""


def label(labels: Mapping[str, Texts], value: object, language: Language = "ru") -> str:
    """The label of `value` in `language`; "—" for none. A value without a label is printed
    as it is: a code a registry added before its label here is shown, not lost."""
    if value is None or value == "":
        return "—"
    key = value.value if isinstance(value, StrEnum) else str(value)
    texts = labels.get(key)
    return key if texts is None else str(getattr(texts, language))


Gender = Literal["masculine", "feminine", "neuter"]

ABBREVIATIONS: dict[str, Gender] = {
    # ТОО: товарищество, АО: общество, КХ: хозяйство, ГУ: учреждение, ГКП: предприятие…
    **dict.fromkeys(
        ("ТОО", "АО", "НАО", "ПАО", "ОАО", "ЗАО", "ОО", "ОЮЛ", "КХ", "ФХ", "ПТ", "КТ"), "neuter"
    ),
    **dict.fromkeys(("ГУ", "КГУ", "РГУ", "ГКП", "РГП", "ГККП"), "neuter"),
    "ИП": "masculine",
    "ПК": "masculine",
}
"""Legal forms as a name's first word abbreviates them, with the gender of their noun."""

NOUNS: dict[str, Gender] = {
    **dict.fromkeys(
        (
            "товарищество",
            "общество",
            "хозяйство",
            "учреждение",
            "предприятие",
            "управление",
            "представительство",
            "предпринимательство",
            "объединение",
            "партнёрство",
            "партнерство",
        ),
        "neuter",
    ),
    **dict.fromkeys(
        ("филиал", "кооператив", "департамент", "акимат", "фонд", "союз", "предприниматель"),
        "masculine",
    ),
    **dict.fromkeys(("ассоциация", "корпорация", "организация"), "feminine"),
}
"""The head nouns of legal forms written out («Товарищество с ограниченной ответственностью»,
«Костанайский филиал товарищества…»: the first of them in the nominative decides)."""

_WORD = re.compile(r"[^\s«»\"(),.]+")


def gender_of(name: str, iin: str | None = None) -> Gender:
    """The grammatical gender of who `name` is: a legal entity by its legal form (ТОО «…»,
    Товарищество с ограниченной ответственностью «…», Костанайский филиал …); a person by the
    sex the ИИН encodes. A name in quotes of an unknown form is neuter (most forms are); a
    person without a readable ИИН masculine."""
    before_quotes = name.split("«", 1)[0]
    words = _WORD.findall(before_quotes)
    if words and words[0] in ABBREVIATIONS:
        return ABBREVIATIONS[words[0]]
    for word in words:
        if word.lower() in NOUNS:
            return NOUNS[word.lower()]
    if iin is not None:
        try:
            return "feminine" if parse_iin(iin).sex is Sex.FEMALE else "masculine"
        except IdentifierError:
            pass
    return "neuter" if "«" in name else "masculine"


_ENDINGS: dict[Gender, str] = {"masculine": "", "feminine": "а", "neuter": "о"}


def past(verb: str, name: str, iin: str | None = None) -> str:
    """A Russian past-tense verb given in the masculine («подал», «принял») in the form that
    agrees with `name`: «подало» for ТОО «…», «подала» for a woman."""
    return verb + _ENDINGS[gender_of(name, iin)]
