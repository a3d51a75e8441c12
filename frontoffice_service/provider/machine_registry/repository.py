"""All SQL of the provider's machinery registry. Every change is a conditional UPDATE on the
state the check saw, or an INSERT that a primary key or a unique index refuses: the database
decides between two entries at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from frontoffice_service.provider.machine_registry.models import (
    Machine,
    MachineStatus,
    PassportStatus,
    PlateStatus,
    RegistryEvent,
    RegistryPlate,
    TechnicalPassport,
)
from frontoffice_service.provider.machine_registry.owners import Owner
from servicekit.db import insert_new, one_row_changed


@dataclass(frozen=True, slots=True)
class SeedRows:
    machines: list[dict[str, Any]]
    passports: list[dict[str, Any]]
    plates: list[dict[str, Any]]
    history: list[dict[str, Any]]


def _is(column: Any, value: str | None) -> ColumnElement[bool]:
    result: ColumnElement[bool] = column.is_(None) if value is None else column == value
    return result


class RegistryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def machine(self, machine_id: str) -> Machine | None:
        return await self.session.get(Machine, machine_id, populate_existing=True)

    async def plate(self, plate: str) -> RegistryPlate | None:
        return await self.session.get(RegistryPlate, plate, populate_existing=True)

    async def passport(self, number: str) -> TechnicalPassport | None:
        return await self.session.get(TechnicalPassport, number, populate_existing=True)

    async def plates_of(self, machine_id: str) -> Sequence[RegistryPlate]:
        """The machine's plates, the newest first."""
        result = await self.session.scalars(
            select(RegistryPlate)
            .where(RegistryPlate.machine_id == machine_id)
            .order_by(RegistryPlate.assigned_at.desc(), RegistryPlate.plate)
        )
        return result.all()

    async def passports_of(self, machine_id: str) -> Sequence[TechnicalPassport]:
        """The machine's technical passports, the newest first."""
        result = await self.session.scalars(
            select(TechnicalPassport)
            .where(TechnicalPassport.machine_id == machine_id)
            .order_by(TechnicalPassport.issued_at.desc(), TechnicalPassport.number)
        )
        return result.all()

    async def add_machine(self, values: dict[str, Any]) -> bool:
        """A machine never registered here; False if its id is taken (meanwhile)."""
        return await self._insert_if_new(Machine, values, Machine.machine_id)

    async def add_passport(
        self, number: str, machine_id: str, *, duplicate: bool, now: datetime
    ) -> bool:
        """A VALID passport; False if the number exists or the machine has a valid one."""
        values = {
            "number": number,
            "machine_id": machine_id,
            "duplicate": duplicate,
            "status": PassportStatus.VALID,
            "issued_at": now,
        }
        return await self._insert_if_new(TechnicalPassport, values, TechnicalPassport.number)

    async def add_plate(self, plate: str, machine_id: str, region: str, now: datetime) -> bool:
        """An ACTIVE plate; False if the plate exists or the machine has an active one."""
        values = {
            "plate": plate,
            "machine_id": machine_id,
            "region": region,
            "status": PlateStatus.ACTIVE,
            "assigned_at": now,
        }
        return await self._insert_if_new(RegistryPlate, values, RegistryPlate.plate)

    async def _insert_if_new(self, table: type[Any], values: dict[str, Any], key: Any) -> bool:
        # ON CONFLICT DO NOTHING without a target covers the partial unique indexes too, and
        # on PostgreSQL it waits for a concurrent insert of the same key to commit or roll back.
        return await self.session.scalar(insert_new(table, key)(self.session), values) is not None

    async def update_machine(
        self,
        machine_id: str,
        *,
        status: MachineStatus,
        owner: Owner | None,
        values: dict[str, Any],
    ) -> bool:
        """Change the machine if it still is in `status` (and with `owner`, when given): the
        state the check saw. False if another entry changed it first."""
        conditions = [Machine.machine_id == machine_id, Machine.status == status]
        if owner is not None:
            conditions += [_is(Machine.owner_iin, owner.iin), _is(Machine.owner_bin, owner.bin)]
        result = await self.session.execute(
            update(Machine)
            .where(*conditions)
            .values(values)
            .execution_options(synchronize_session=False)
        )
        return one_row_changed(result)

    async def retire_passport(self, machine_id: str, status: PassportStatus) -> str | None:
        """The machine's VALID passport → `status`; its number, or None if it had none."""
        number: str | None = await self.session.scalar(
            update(TechnicalPassport)
            .where(
                TechnicalPassport.machine_id == machine_id,
                TechnicalPassport.status == PassportStatus.VALID,
            )
            .values(status=status)
            .returning(TechnicalPassport.number)
            .execution_options(synchronize_session=False)
        )
        return number

    async def archive_plate(self, machine_id: str, plate: str) -> bool:
        """The machine's ACTIVE plate `plate` → ARCHIVED; False if it is not that (any more)."""
        result = await self.session.execute(
            update(RegistryPlate)
            .where(
                RegistryPlate.plate == plate,
                RegistryPlate.machine_id == machine_id,
                RegistryPlate.status == PlateStatus.ACTIVE,
            )
            .values(status=PlateStatus.ARCHIVED)
            .execution_options(synchronize_session=False)
        )
        return one_row_changed(result)

    async def record(self, values: dict[str, Any]) -> None:
        await self.session.execute(insert(RegistryEvent).values(values))

    async def replace_seeded(self, machine_ids: list[str], rows: SeedRows) -> None:
        """Remove the seeded machines with all they have, then write them as seeded."""
        for table in (RegistryEvent, RegistryPlate, TechnicalPassport, Machine):
            await self.session.execute(delete(table).where(table.machine_id.in_(machine_ids)))
        await self.session.execute(insert(Machine), rows.machines)
        await self.session.execute(insert(TechnicalPassport), rows.passports)
        await self.session.execute(insert(RegistryPlate), rows.plates)
        await self.session.execute(insert(RegistryEvent), rows.history)
