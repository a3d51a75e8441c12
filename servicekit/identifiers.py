"""Kazakh identifiers: ИИН (persons) and БИН (legal entities).

See shared/domain/kz-reference.md §1: twelve digits, the same two-pass mod-11 check digit for
both; an ИИН starts with the birth date and carries century and sex in d7, a БИН starts with
the registration year and month and carries its type in d5.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError

_WEIGHTS_1 = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
_WEIGHTS_2 = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
_CENTURY_SEX = {
    "1": (1800, "M"),
    "2": (1800, "F"),
    "3": (1900, "M"),
    "4": (1900, "F"),
    "5": (2000, "M"),
    "6": (2000, "F"),
}


class Sex(StrEnum):
    MALE = "M"
    FEMALE = "F"


@dataclass(frozen=True, slots=True)
class IinInfo:
    iin: str
    birth_date: date
    sex: Sex


class IdentifierError(ValueError):
    """A malformed identifier; `code` is the stable problem code, `params` fill its text."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def check_digit(first11: str) -> int | None:
    """The 12th digit for these 11, or None when no number may use this prefix."""
    digits = [int(c) for c in first11]
    for weights in (_WEIGHTS_1, _WEIGHTS_2):
        remainder = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        if remainder != 10:
            return remainder
    return None


def _check_shape(value: str, kind: str) -> None:
    if len(value) != 12:
        raise IdentifierError(f"{kind}_LENGTH", length=len(value))
    if not value.isascii() or not value.isdigit():
        raise IdentifierError(f"{kind}_NOT_DIGITS")


def _check_control(value: str, kind: str) -> None:
    expected = check_digit(value[:11])
    if expected is None or expected != int(value[11]):
        raise IdentifierError(f"{kind}_CHECK_DIGIT")


def parse_iin(value: str) -> IinInfo:
    """Validate an ИИН fully (length, digits, century/sex, birth date, check digit)."""
    _check_shape(value, "IIN")
    century_sex = _CENTURY_SEX.get(value[6])
    if century_sex is None:
        raise IdentifierError("IIN_CENTURY")
    century, sex = century_sex
    try:
        born = date(century + int(value[0:2]), int(value[2:4]), int(value[4:6]))
    except ValueError:
        raise IdentifierError("IIN_BIRTH_DATE") from None
    _check_control(value, "IIN")
    return IinInfo(value, born, Sex(sex))


def validate_bin(value: str) -> str:
    """Validate a БИН (length, digits, registration month, entity type, check digit)."""
    _check_shape(value, "BIN")
    if not 1 <= int(value[2:4]) <= 12:
        raise IdentifierError("BIN_MONTH")
    if value[4] not in "456":
        raise IdentifierError("BIN_TYPE")
    _check_control(value, "BIN")
    return value


def make_iin(born: date, sex: Sex, serial: int) -> str:
    """Build a valid ИИН (used by seed generators and tests); serial is d8–d11 (0–9999)."""
    century_digit = {1800: 1, 1900: 3, 2000: 5}[born.year // 100 * 100]
    if sex is Sex.FEMALE:
        century_digit += 1
    for candidate in range(serial, serial + 10000):
        first11 = f"{born:%y%m%d}{century_digit}{candidate % 10000:04d}"
        control = check_digit(first11)
        if control is not None:
            return f"{first11}{control}"
    raise ValueError("no serial gives a valid check digit")  # unreachable: 1 in 11 fail


def _as_pydantic(validator: object) -> AfterValidator:
    def run(value: str) -> str:
        try:
            validator(value)  # type: ignore[operator]
        except IdentifierError as exc:
            raise PydanticCustomError(exc.code, exc.code, dict(exc.params)) from None
        return value

    return AfterValidator(run)


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


Iin = Annotated[str, BeforeValidator(_strip), _as_pydantic(parse_iin)]
"""An ИИН in a request model: a malformed one fails with its own stable code (IIN_*)."""

Bin = Annotated[str, BeforeValidator(_strip), _as_pydantic(validate_bin)]
"""A БИН in a request model: a malformed one fails with its own stable code (BIN_*)."""
