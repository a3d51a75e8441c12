"""Plate numbers (ГРНЗ, МТНБ): their formats, region codes and increased-demand categories.

The formats follow docs/kz-reference.md §3; where the sources stop, this project
chose, and says so:

- `VEHICLE_INDIVIDUAL` `123 ABC 02`: three digits, three Latin letters, the region code 01–20.
- `VEHICLE_LEGAL` `123 AB 02`: the same with two letters.
- `MACHINERY` `ABC P 123`: **this project's model** of the two-row tractor plate (СТ РК 1176),
  parsed by `servicekit.plates`, which the ЦОН's provider desk shares (M12): three series
  letters, the region *letter*, three digits.

Digits run 001–999. Any of the 26 Latin letters is accepted (the secondary parser's reading of
the rules since 2018). Plate text is upper case with single spaces; input is normalised to it.

Increased-demand numbers (номера повышенного спроса) are recognised from the text alone, so a
plate's flag can never disagree with its number; machinery plates have none:

| category | numbers |
|----------|---------|
| `SPECIAL_DIGITS` | 010, 020 … 090, 077, 707 (57 МРП) |
| `SPECIAL_DIGITS_IDENTICAL_LETTERS` | the same digits with all letters identical (114 МРП) |
| `ROUND_OR_TRIPLE_DIGITS` | 100, 111, 200, 222 … 900, 999 (137 МРП) |
| `IDENTICAL_LETTERS` | any other digits with all letters identical (`123 AAA 02`) |
| `SINGLE_DIGIT` | 001–009: this project's model (the 2025 draft tariff names 007) |
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError

from servicekit.plates import PlateError, normalise, parse_machinery_plate

REGIONS: dict[str, str] = {
    "01": "Астана",
    "02": "Алматы",
    "03": "Акмолинская область",
    "04": "Актюбинская область",
    "05": "Алматинская область",
    "06": "Атырауская область",
    "07": "Западно-Казахстанская область",
    "08": "Жамбылская область",
    "09": "Карагандинская область",
    "10": "Костанайская область",
    "11": "Кызылординская область",
    "12": "Мангистауская область",
    "13": "Туркестанская область",
    "14": "Павлодарская область",
    "15": "Северо-Казахстанская область",
    "16": "Восточно-Казахстанская область",
    "17": "Шымкент",
    "18": "Абайская область",
    "19": "Жетысуская область",
    "20": "Улытауская область",
}
"""Region codes of vehicle plates (kz-reference §3), with the region's Russian name."""


class PlateKind(StrEnum):
    VEHICLE_INDIVIDUAL = "VEHICLE_INDIVIDUAL"
    VEHICLE_LEGAL = "VEHICLE_LEGAL"
    MACHINERY = "MACHINERY"


class DemandCategory(StrEnum):
    SPECIAL_DIGITS = "SPECIAL_DIGITS"
    SPECIAL_DIGITS_IDENTICAL_LETTERS = "SPECIAL_DIGITS_IDENTICAL_LETTERS"
    ROUND_OR_TRIPLE_DIGITS = "ROUND_OR_TRIPLE_DIGITS"
    IDENTICAL_LETTERS = "IDENTICAL_LETTERS"
    SINGLE_DIGIT = "SINGLE_DIGIT"


_SPECIAL_DIGITS = frozenset({*(f"0{d}0" for d in range(1, 10)), "077", "707"})
_ROUND_OR_TRIPLE = frozenset(
    {*(f"{d}00" for d in range(1, 10)), *(str(d) * 3 for d in range(1, 10))}
)

_VEHICLE = re.compile(r"(\d{3}) ([A-Z]{2,3}) (\d{2})")


@dataclass(frozen=True, slots=True)
class PlateNumber:
    text: str
    kind: PlateKind
    region_code: str
    digits: str
    letters: str

    @property
    def demand_category(self) -> DemandCategory | None:
        if self.kind is PlateKind.MACHINERY:
            return None
        identical = len(set(self.letters)) == 1
        if self.digits in _SPECIAL_DIGITS:
            if identical:
                return DemandCategory.SPECIAL_DIGITS_IDENTICAL_LETTERS
            return DemandCategory.SPECIAL_DIGITS
        if self.digits in _ROUND_OR_TRIPLE:
            return DemandCategory.ROUND_OR_TRIPLE_DIGITS
        if self.digits.startswith("00"):
            return DemandCategory.SINGLE_DIGIT
        if identical:
            return DemandCategory.IDENTICAL_LETTERS
        return None


def parse_plate(value: str) -> PlateNumber:
    text = normalise(value)
    match = _VEHICLE.fullmatch(text)
    if match is None:
        # Not a vehicle's: a machinery plate, or nothing (its parser says which).
        machine = parse_machinery_plate(text)
        return PlateNumber(
            text, PlateKind.MACHINERY, machine.region_code, machine.digits, machine.letters
        )
    digits, letters, region = match.groups()
    if region not in REGIONS:
        raise PlateError("PLATE_REGION", region=region)
    if digits == "000":
        raise PlateError("PLATE_FORMAT")
    kind = PlateKind.VEHICLE_INDIVIDUAL if len(letters) == 3 else PlateKind.VEHICLE_LEGAL
    return PlateNumber(text, kind, region, digits, letters)


def check_region_code(value: str) -> str:
    if value not in REGIONS:
        raise PlateError("REGION_CODE", region=value)
    return value


def _pydantic(check: object) -> AfterValidator:
    def run(value: str) -> str:
        try:
            result = check(value)  # type: ignore[operator]
        except PlateError as exc:
            raise PydanticCustomError(exc.code, exc.code, dict(exc.params)) from None
        return result.text if isinstance(result, PlateNumber) else value

    return AfterValidator(run)


def _strip(value: object) -> object:
    return normalise(value) if isinstance(value, str) else value


Plate = Annotated[str, BeforeValidator(_strip), _pydantic(parse_plate)]
"""A plate in a request model, normalised; a malformed one fails with PLATE_FORMAT/PLATE_REGION."""

RegionCode = Annotated[str, BeforeValidator(_strip), _pydantic(check_region_code)]
"""A region code 01–20 in a request model; anything else fails with REGION_CODE."""
