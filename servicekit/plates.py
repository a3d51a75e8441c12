"""Machinery plates (МТНБ): their format and region letters, for БМГ, which keeps and issues
them, and for ИИС ЦОН 2.0, whose provider enters them by hand (M12).

`ABC P 123` is **this project's model** of the two-row tractor plate (СТ РК 1176,
kz-reference §3): three series letters, the region *letter*, three digits 001–999, written on
one line in the order a secondary parser reads them. Region letters are modelled only where
kz-reference names them: A Almaty city (02), P Kostanay (10), Y Shymkent (17), G Abai (18),
Q Jetisu (19), W Ulytau (20). Plate text is upper case with single spaces; input is
normalised to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MACHINERY_REGION_LETTERS: dict[str, str] = {
    "A": "02",
    "P": "10",
    "Y": "17",
    "G": "18",
    "Q": "19",
    "W": "20",
}
"""Region letters of machinery plates → the region's numeric code (only those kz-reference
names; the 1993 letters of the other regions are not modelled)."""

REGION_LETTERS: dict[str, str] = {code: letter for letter, code in MACHINERY_REGION_LETTERS.items()}
"""The region's numeric code → the letter its machinery plates carry."""

_MACHINERY = re.compile(r"([A-Z]{3}) ([A-Z]) (\d{3})")


class PlateError(ValueError):
    """Malformed plate input; `code` is the stable problem code, `params` fill its text."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True, slots=True)
class MachineryPlateNumber:
    text: str
    letters: str
    region_letter: str
    region_code: str
    digits: str


def normalise(value: str) -> str:
    """Upper case, single spaces: `" agr  p 001 "` → `"AGR P 001"`."""
    return " ".join(value.upper().split())


def parse_machinery_plate(value: str) -> MachineryPlateNumber:
    """The plate read as `ABC P 123`; PLATE_FORMAT if it is not one, PLATE_REGION if its
    region letter is not modelled."""
    text = normalise(value)
    match = _MACHINERY.fullmatch(text)
    if match is None:
        raise PlateError("PLATE_FORMAT")
    letters, region_letter, digits = match.groups()
    if region_letter not in MACHINERY_REGION_LETTERS:
        raise PlateError("PLATE_REGION", region=region_letter)
    if digits == "000":
        raise PlateError("PLATE_FORMAT")
    return MachineryPlateNumber(
        text, letters, region_letter, MACHINERY_REGION_LETTERS[region_letter], digits
    )
