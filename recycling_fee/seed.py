"""Deterministic seed data of recycling fee (Жасыл даму) by VIN."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.clock import Clock


async def seed(session: AsyncSession, clock: Clock) -> None:
    del session, clock
