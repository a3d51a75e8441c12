"""The contract of ЕРАП (the `data` of the gateway's envelope, and the admin API)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from servicekit.identifiers import Iin

CaseNumber = Annotated[str, Field(min_length=1, max_length=20, pattern=r"^[0-9A-Z\-]+$")]


class Contract(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class FinesRequest(Contract):
    """`ERAP_FinesByIin`: the fines imposed on a person."""

    iin: Iin


class FineRecord(Contract):
    case_number: str
    iin: str
    article: str = Field(description="Article and part of the КоАП РК, e.g. «ст. 592 ч. 1»")
    description: str
    description_kk: str
    decision_date: date
    amount_mrp: Decimal = Field(description="The fine in МРП (a decimal, as a string)")
    amount: int = Field(description="The fine in whole ₸: МРП × the МРП of the decision's year")
    due_date: date
    paid: bool
    paid_at: datetime | None
    overdue: bool = Field(description="Unpaid after its due date (bus clock, Asia/Almaty)")


class FinesAnswer(Contract):
    """An empty list is an answer too. With unpaid fines, `code` is UNPAID_FINES and
    `messages` say "pay the fines and submit again" (V14)."""

    iin: str
    fines: list[FineRecord]
    unpaid_count: int
    unpaid_total: int = Field(description="₸, the sum of the unpaid fines")
    code: str | None = None
    messages: dict[str, str] | None = None


class PayFineRequest(Contract):
    """`ERAP_PayFine`: a fine is paid (by the offender or anyone else)."""

    case_number: CaseNumber
    payer_iin: Iin


class PayFineAnswer(Contract):
    """Not found is an answer (`found` false, code FINE_NOT_FOUND). Paying a paid fine again
    changes nothing and says `alreadyPaid`, so a retried call is harmless."""

    found: bool
    already_paid: bool = False
    fine: FineRecord | None = None
    code: str | None = None
    messages: dict[str, str] | None = None


class FineIn(Contract):
    """A fine as the admin API writes it (the case number is in the path)."""

    iin: Iin
    article: str = Field(min_length=1, max_length=50)
    description: str = Field(min_length=1, max_length=300)
    description_kk: str = Field(min_length=1, max_length=300)
    decision_date: date
    amount_mrp: Decimal = Field(gt=0, max_digits=8, decimal_places=2)
    amount: int = Field(gt=0)
    due_date: date
    paid: bool = False
    paid_at: datetime | None = None
    payer_iin: Iin | None = None


class AdminPayIn(Contract):
    payer_iin: Iin | None = Field(default=None, description="who paid; the offender if omitted")
