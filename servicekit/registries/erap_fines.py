"""ЕРАП, the administrative offences: the fines of a person (V14)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from servicekit.registries.base import LookupAnswer, Operation, RegistryAnswer, RegistryRequest

ERAP = "ЕРАП"


class FinesRequest(RegistryRequest):
    iin: str


class Fine(RegistryAnswer):
    case_number: str
    iin: str
    article: str
    description: str
    description_kk: str
    decision_date: date
    amount_mrp: Decimal
    amount: int
    """Whole ₸."""
    due_date: date
    paid: bool
    paid_at: datetime | None = None
    overdue: bool


class FinesAnswer(LookupAnswer):
    iin: str
    fines: list[Fine]
    unpaid_count: int
    unpaid_total: int
    """₸."""

    @property
    def unpaid(self) -> list[Fine]:
        return [fine for fine in self.fines if not fine.paid]


FINES_BY_IIN = Operation("ERAP_FinesByIin", ERAP, FinesRequest, FinesAnswer)
