"""Tables of e-signed sale contracts."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from servicekit.seeding import define_seed_table


class Base(DeclarativeBase):
    pass


seed_versions = define_seed_table(Base.metadata)
