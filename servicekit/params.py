"""Numeric query and header parameters that fit the database.

An offset or an id a client sends ends up in SQL. Unbounded, `?offset=99999999999999999999999`
passed validation and overflowed in the driver (a 500 with a traceback); bounded to the
database's integer, it is a 422 problem naming the parameter. Use these instead of a bare
`int` (with `Query(...)`/`Header(...)` on top for the alias and description).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

BIGINT_MAX = 2**63 - 1
"""The largest integer PostgreSQL's BIGINT and SQLite's INTEGER hold."""

Offset = Annotated[int, Field(ge=0, le=BIGINT_MAX)]
"""How many rows to skip."""

RowId = Annotated[int, Field(ge=0, le=BIGINT_MAX)]
"""An id the client has seen (`after`, `Last-Event-ID`): only those with a greater one."""
