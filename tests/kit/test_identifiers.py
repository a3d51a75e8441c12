"""ИИН and БИН (kz-reference §1): the check digit, the date, century and sex, the БИН type."""

from datetime import date

import pytest
from pydantic import BaseModel, ValidationError

from servicekit.identifiers import (
    Bin,
    IdentifierError,
    Iin,
    Sex,
    Vin,
    check_digit,
    make_iin,
    model_year,
    parse_iin,
    parse_vin,
    validate_bin,
)


@pytest.mark.parametrize(
    ("number", "born", "sex"),
    [
        ("061211600012", date(2006, 12, 11), Sex.FEMALE),  # shows the second weighting pass
        ("791028302728", date(1979, 10, 28), Sex.MALE),
        ("900515300018", date(1990, 5, 15), Sex.MALE),
        ("011231600426", date(2001, 12, 31), Sex.FEMALE),
        ("850308412348", date(1985, 3, 8), Sex.FEMALE),
    ],
)
def test_reference_iins_are_valid_and_decoded(number: str, born: date, sex: Sex) -> None:
    info = parse_iin(number)
    assert (info.birth_date, info.sex) == (born, sex)


@pytest.mark.parametrize("number", ["940140000385", "990140004654", "240340001235", "150141000771"])
def test_reference_bins_are_valid(number: str) -> None:
    assert validate_bin(number) == number


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("90051530001", "IIN_LENGTH"),
        ("9005153000188", "IIN_LENGTH"),
        ("", "IIN_LENGTH"),
        ("90051530001A", "IIN_NOT_DIGITS"),
        ("９００５１５３０００１８", "IIN_NOT_DIGITS"),  # full-width digits are not ASCII digits
        ("900515700018", "IIN_CENTURY"),
        ("900515000018", "IIN_CENTURY"),
        ("901315300018", "IIN_BIRTH_DATE"),
        ("900230300018", "IIN_BIRTH_DATE"),
        ("900515300019", "IIN_CHECK_DIGIT"),
        ("900101300800", "IIN_CHECK_DIGIT"),  # prefix 90010130080 can carry no check digit
    ],
)
def test_malformed_iins_fail_with_their_own_code(number: str, code: str) -> None:
    with pytest.raises(IdentifierError) as caught:
        parse_iin(number)
    assert caught.value.code == code


def test_prefix_with_remainder_ten_twice_has_no_check_digit() -> None:
    assert check_digit("90010130080") is None


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("94014000038", "BIN_LENGTH"),
        ("94014000038x", "BIN_NOT_DIGITS"),
        ("941340000385", "BIN_MONTH"),
        ("940130000385", "BIN_TYPE"),
        ("940140000386", "BIN_CHECK_DIGIT"),
    ],
)
def test_malformed_bins_fail_with_their_own_code(number: str, code: str) -> None:
    with pytest.raises(IdentifierError) as caught:
        validate_bin(number)
    assert caught.value.code == code


def test_make_iin_round_trips_for_every_century_and_sex() -> None:
    for born in (date(1899, 1, 31), date(1968, 2, 29), date(2008, 6, 30)):
        for sex in Sex:
            for serial in range(0, 200, 7):
                info = parse_iin(make_iin(born, sex, serial))
                assert (info.birth_date, info.sex) == (born, sex)


class _Request(BaseModel):
    iin: Iin
    bin: Bin | None = None


def test_pydantic_types_carry_the_stable_code() -> None:
    with pytest.raises(ValidationError) as caught:
        _Request(iin="900515300019", bin="941340000385")
    assert [e["type"] for e in caught.value.errors()] == ["IIN_CHECK_DIGIT", "BIN_MONTH"]


def test_pydantic_type_strips_surrounding_spaces() -> None:
    assert _Request(iin=" 900515300018 ").iin == "900515300018"


@pytest.mark.parametrize(
    ("vin", "valid"),
    [("1M8GDM9AXKP042788", True), ("MXAB12342SK000001", True), ("MXAB12343SK000001", False)],
)
def test_vin_check_digit_is_flagged_not_refused(vin: str, valid: bool) -> None:
    info = parse_vin(vin)
    assert info.check_digit_valid is valid
    assert info.wmi == vin[:3]


@pytest.mark.parametrize(
    ("vin", "code"),
    [
        ("MXAB12342SK00000", "VIN_LENGTH"),
        ("MXAB12342SK0000001", "VIN_LENGTH"),
        ("MXAB1234OSK000001", "VIN_CHARACTERS"),
        ("MXAB1234-SK000001", "VIN_CHARACTERS"),
    ],
)
def test_malformed_vins_fail_with_their_own_code(vin: str, code: str) -> None:
    with pytest.raises(IdentifierError) as caught:
        parse_vin(vin)
    assert caught.value.code == code


def test_vin_model_year_codes() -> None:
    assert (model_year("S", 2026), model_year("T", 2026), model_year("Y", 2026)) == (
        2025,
        2026,
        2000,
    )
    assert model_year("1", 2026) == 2001
    assert model_year("U", 2026) is None


def test_vin_type_upper_cases_input() -> None:
    class _Car(BaseModel):
        vin: Vin

    assert _Car(vin=" mxab12342sk000001 ").vin == "MXAB12342SK000001"
