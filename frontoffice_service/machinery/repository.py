"""The SQL every machinery room reads an application's scans with (M6.4, M10.1)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontoffice_service.machinery.models import MachineryScan


class ScanRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

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
