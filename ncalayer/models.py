"""The emulator keeps nothing of its own: the keys are files, the choice of persona is the
tester's for the life of the process. The metadata is here so it migrates like any service."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass
