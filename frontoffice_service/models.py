"""What every room's tables share: the one `DeclarativeBase` of the service's one database,
the kit's outbox, idempotency keys and seed versions, and how a visitor identified themselves.

Each room keeps its tables in its own `models.py`; `tables` imports them all, for Alembic.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Enum
from sqlalchemy.orm import DeclarativeBase

from servicekit.idempotency import define_idempotency_table
from servicekit.outbox import define_outbox_table
from servicekit.seeding import define_seed_table


class Base(DeclarativeBase):
    pass


outbox = define_outbox_table(Base.metadata)
idempotency_keys = define_idempotency_table(Base.metadata)
seed_versions = define_seed_table(Base.metadata)
"""The provider's machinery registry is seeded once per version of its seed (M10.3)."""


def enum_column(cls: type[StrEnum], *, length: int = 20) -> Enum:
    """A status column: the enum's names as strings, checked by the database."""
    return Enum(cls, native_enum=False, length=length, validate_strings=True)


class IdentificationKind(StrEnum):
    ID_CARD = "ID_CARD"
    """The identity card: its number must be a valid document of the ИИН in ГБД ФЛ."""
    DIGITAL_DOCUMENT = "DIGITAL_DOCUMENT"
    """The ID shown in the «Цифровые документы» service: the person must exist in ГБД ФЛ."""
