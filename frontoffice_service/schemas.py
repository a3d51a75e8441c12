"""What the rooms' contracts share: the JSON style, the visitor's identification, a phone, an
application number; and the offices."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from frontoffice_service.models import IdentificationKind

ApplicationNumber = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[0-9A-Za-z\-/]+$")]
Phone = Annotated[str, Field(pattern=r"^\+7[0-9]{10}$", examples=["+77012345601"])]


class Contract(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class Identification(Contract):
    """How the visitor identified themselves: an identity card (its number is checked against
    the person's documents in ГБД ФЛ) or the ID shown in the «Цифровые документы» service
    (which vouches for the holder, so only the person is checked)."""

    kind: IdentificationKind
    number: str | None = Field(
        default=None,
        pattern=r"^[0-9]{9}$",
        validate_default=True,
        description="the identity card's number (nine digits); required with ID_CARD, "
        "not allowed with DIGITAL_DOCUMENT",
    )

    @field_validator("number")
    @classmethod
    def _number_goes_with_a_card(cls, number: str | None, info: ValidationInfo) -> str | None:
        if "kind" not in info.data:
            return number  # the kind itself is wrong: that is the error to report
        card = info.data["kind"] is IdentificationKind.ID_CARD
        if card and number is None:
            raise PydanticCustomError("FIELD_REQUIRED", "an identity card has a number")
        if not card and number is not None:
            raise PydanticCustomError("UNKNOWN_FIELD", "a digital document has no number here")
        return number


class OfficeRecord(Contract):
    id: str
    region_code: str
    name: str
    name_kk: str
    address: str
