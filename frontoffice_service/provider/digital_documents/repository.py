"""All SQL of the digital documents."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontoffice_service.provider.digital_documents.models import DigitalDocument


class DocumentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, document: DigitalDocument) -> None:
        self.session.add(document)
        await self.session.flush()

    async def of_holder(self, *, iin: str | None, bin_: str | None) -> Sequence[DigitalDocument]:
        query = select(DigitalDocument)
        if bin_ is not None:
            query = query.where(DigitalDocument.holder_bin == bin_)
        else:
            query = query.where(DigitalDocument.holder_iin == iin)
        return (await self.session.scalars(query.order_by(DigitalDocument.issued_at))).all()

    async def get(self, document_id: str) -> DigitalDocument | None:
        return await self.session.get(DigitalDocument, document_id)
