"""All SQL of the front-office desk: the application's number and rows, and the fee receipts
(the scans are `machinery.repository`'s)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from frontoffice_service.machinery.models import (
    ApplicationCounter,
    ApplicationStatus,
    FeeReceipt,
    MachineryApplication,
)
from servicekit.db import dialect_insert, lock_for_update


class DeskRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def next_number(self, office: str, day: date) -> int:
        """The office's next application number of the day; one upsert, as the queue's."""
        insert = dialect_insert(self.session)(ApplicationCounter).values(
            office=office, service_day=day, last_number=1
        )
        number = await self.session.scalar(
            insert.on_conflict_do_update(
                index_elements=[ApplicationCounter.office, ApplicationCounter.service_day],
                set_={"last_number": ApplicationCounter.last_number + 1},
            ).returning(ApplicationCounter.last_number)
        )
        assert number is not None
        return int(number)

    async def add(self, application: MachineryApplication) -> None:
        self.session.add(application)
        await self.session.flush()

    async def at_office(
        self, office: str, number: str, *, lock: bool = False
    ) -> MachineryApplication | None:
        query = select(MachineryApplication).where(
            MachineryApplication.office == office, MachineryApplication.number == number
        )
        if lock:
            query = await lock_for_update(self.session, query)
        return await self.session.scalar(query)

    async def of_office(
        self, office: str, *, status: ApplicationStatus | None, limit: int
    ) -> Sequence[MachineryApplication]:
        query = select(MachineryApplication).where(MachineryApplication.office == office)
        if status is not None:
            query = query.where(MachineryApplication.status == status)
        query = query.order_by(MachineryApplication.created_at.desc()).limit(limit)
        return (await self.session.scalars(query)).all()

    async def used_receipts(self, keys: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which of these (invoice, purpose) pairs already paid for an application (M6.3)."""
        if not keys:
            return set()
        invoices = {invoice for invoice, _ in keys}
        rows = await self.session.execute(
            select(FeeReceipt.invoice_number, FeeReceipt.purpose).where(
                FeeReceipt.invoice_number.in_(invoices)
            )
        )
        return {(invoice, purpose) for invoice, purpose in rows.all()} & set(keys)

    async def application_numbers(self, numbers: Collection[str]) -> set[str]:
        """Which of these are the numbers of machinery applications."""
        if not numbers:
            return set()
        found = await self.session.scalars(
            select(MachineryApplication.number).where(MachineryApplication.number.in_(numbers))
        )
        return set(found.all())

    async def use_receipts(self, receipts: Sequence[FeeReceipt]) -> bool:
        """Count these payments for their application; False when another application took
        one of them at the same moment (the key decides)."""
        # No savepoint: a lost race ends the request (its transaction rolls back whole).
        try:
            self.session.add_all(receipts)
            await self.session.flush()
        except IntegrityError:
            return False
        return True
