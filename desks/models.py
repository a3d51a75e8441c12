"""The desks keep nothing of their own: every page reads the services' public APIs. The
metadata is here so the service migrates like any other."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass
