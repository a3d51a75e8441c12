"""Tables of customs payments by VIN."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from servicekit.seeding import define_seed_table


class Base(DeclarativeBase):
    pass


seed_versions = define_seed_table(Base.metadata)
