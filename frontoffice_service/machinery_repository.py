"""All SQL of the machinery applications: the applications, their numbers, scans, receipts,
deliveries and digital documents (the provider's registry has its own, machine_registry)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from frontoffice_service.machinery_models import (
    ApplicationCounter,
    ApplicationStatus,
    Delivery,
    DigitalDocument,
    FeeReceipt,
    MachineryApplication,
    MachineryScan,
)
from servicekit.db import dialect_insert, insert_new

_RECORD_DELIVERY = insert_new(Delivery, Delivery.event_id, unique=[Delivery.event_id])


class MachineryRepository:
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
            query = query.with_for_update()
        return await self.session.scalar(query)

    async def in_region(
        self, region: str, number: str, *, lock: bool = False
    ) -> MachineryApplication | None:
        """An application the provider of `region` has received (none before it arrived)."""
        query = select(MachineryApplication).where(
            MachineryApplication.region == region,
            MachineryApplication.number == number,
            MachineryApplication.received_at.is_not(None),
        )
        if lock:
            query = query.with_for_update()
        return await self.session.scalar(query)

    async def by_number(self, number: str, *, lock: bool = False) -> MachineryApplication | None:
        query = select(MachineryApplication).where(MachineryApplication.number == number)
        if lock:
            query = query.with_for_update()
        return await self.session.scalar(query)

    async def of_office(
        self, office: str, *, status: ApplicationStatus | None, limit: int
    ) -> Sequence[MachineryApplication]:
        query = select(MachineryApplication).where(MachineryApplication.office == office)
        if status is not None:
            query = query.where(MachineryApplication.status == status)
        query = query.order_by(MachineryApplication.created_at.desc()).limit(limit)
        return (await self.session.scalars(query)).all()

    async def inbox(
        self,
        region: str,
        *,
        status: ApplicationStatus | None,
        overdue_at: datetime | None,
        limit: int,
    ) -> Sequence[MachineryApplication]:
        """The provider's applications, the soonest due first; `overdue_at`: only those still
        undecided (RECEIVED) and due before that instant."""
        query = select(MachineryApplication).where(
            MachineryApplication.region == region, MachineryApplication.received_at.is_not(None)
        )
        if status is not None:
            query = query.where(MachineryApplication.status == status)
        if overdue_at is not None:
            query = query.where(
                MachineryApplication.status == ApplicationStatus.RECEIVED,
                MachineryApplication.due_at < overdue_at,
            )
        query = query.order_by(MachineryApplication.due_at, MachineryApplication.number)
        return (await self.session.scalars(query.limit(limit))).all()

    async def overdue_by_region(self, now: datetime) -> dict[str, int]:
        """M14: undecided applications past their term, per region (for the metrics)."""
        rows = await self.session.execute(
            select(MachineryApplication.region, func.count())
            .where(
                MachineryApplication.status == ApplicationStatus.RECEIVED,
                MachineryApplication.due_at < now,
            )
            .group_by(MachineryApplication.region)
        )
        return {region: int(count) for region, count in rows.all()}

    async def save(self) -> None:
        await self.session.flush()

    # --- scans (M6.4) ---

    async def scans(self, application_id: str) -> Sequence[MachineryScan]:
        query = (
            select(MachineryScan)
            .where(MachineryScan.application_id == application_id)
            .order_by(MachineryScan.document_code)
        )
        return (await self.session.scalars(query)).all()

    async def scan(self, application_id: str, code: str) -> MachineryScan | None:
        return await self.session.scalar(
            select(MachineryScan).where(
                MachineryScan.application_id == application_id,
                MachineryScan.document_code == code,
            )
        )

    async def put_scan(self, scan: MachineryScan) -> None:
        """Keep this scan of the document, replacing an earlier one of the same document."""
        old = await self.scan(scan.application_id, scan.document_code)
        if old is not None:
            await self.session.delete(old)
            await self.session.flush()
        self.session.add(scan)
        await self.session.flush()

    # --- fees (M6.3) ---

    async def used_receipts(self, keys: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which of these (invoice, purpose) pairs already paid for an application."""
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

    # --- deliveries (M9, M3) ---

    async def record_delivery(self, delivery: Delivery) -> bool:
        """False for an event already received (a redelivery)."""
        values = {
            "event_id": delivery.event_id,
            "application_number": delivery.application_number,
            "accepted": delivery.accepted,
            "reason": delivery.reason,
            "arrived_at": delivery.arrived_at,
        }
        return await self.session.scalar(_RECORD_DELIVERY(self.session), values) is not None

    async def deliveries(self, number: str) -> Sequence[Delivery]:
        query = (
            select(Delivery)
            .where(Delivery.application_number == number)
            .order_by(Delivery.arrived_at)
        )
        return (await self.session.scalars(query)).all()

    # --- digital documents (M15) ---

    async def add_document(self, document: DigitalDocument) -> None:
        self.session.add(document)
        await self.session.flush()

    async def documents_of(self, *, iin: str | None, bin_: str | None) -> Sequence[DigitalDocument]:
        query = select(DigitalDocument)
        if bin_ is not None:
            query = query.where(DigitalDocument.holder_bin == bin_)
        else:
            query = query.where(DigitalDocument.holder_iin == iin)
        return (await self.session.scalars(query.order_by(DigitalDocument.issued_at))).all()

    async def document(self, document_id: str) -> DigitalDocument | None:
        return await self.session.get(DigitalDocument, document_id)
