"""Identifiers: ИИН (persons), БИН (legal entities) and VIN (vehicles).

See docs/kz-reference.md §1: twelve digits, the same two-pass mod-11 check digit for
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


# --- VIN (ISO 3779; kz-reference §2) -------------------------------------------------------

_VIN_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
# Model-year codes cycle every 30 years; the later of the two readings not in the future
# is the one a registry of new vehicles means.
_VIN_YEARS = "ABCDEFGHJKLMNPRSTVWXY123456789"


@dataclass(frozen=True, slots=True)
class VinInfo:
    vin: str
    check_digit_valid: bool
    """Position 9 matches the ISO 3779 check digit: mandatory in North America only, so a
    mismatch is flagged, never a reason to refuse."""
    wmi: str
    model_year_code: str


def vin_check_digit(vin: str) -> str:
    remainder = sum(_VIN_VALUES[c] * w for c, w in zip(vin, _VIN_WEIGHTS, strict=True)) % 11
    return "X" if remainder == 10 else str(remainder)


def validate_vin(value: str) -> str:
    """17 characters of 0–9 and A–Z without I, O and Q (upper case)."""
    if len(value) != 17:
        raise IdentifierError("VIN_LENGTH", length=len(value))
    if any(c not in _VIN_VALUES for c in value):
        raise IdentifierError("VIN_CHARACTERS")
    return value


def parse_vin(value: str) -> VinInfo:
    validate_vin(value)
    return VinInfo(value, vin_check_digit(value) == value[8], value[:3], value[9])


def model_year(code: str, not_after: int) -> int | None:
    """The model year a position-10 code means, the latest one not after `not_after`."""
    if code not in _VIN_YEARS:
        return None
    year = 1980 + _VIN_YEARS.index(code)
    while year + 30 <= not_after:
        year += 30
    return year


def _vin_upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


Vin = Annotated[str, BeforeValidator(_vin_upper), _as_pydantic(validate_vin)]
"""A VIN in a request model (upper-cased): wrong length or letters fail with VIN_*; a wrong
check digit does not fail (see `parse_vin`)."""
