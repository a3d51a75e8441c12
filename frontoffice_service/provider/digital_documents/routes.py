"""The HTTP surface of the digital documents (M15): the signed-in person's (or their
organisation's) own documents, as JSON and as a PDF."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Response
from fastapi import Path as PathParam
from sqlalchemy.ext.asyncio import AsyncSession

from frontoffice_service.provider.digital_documents.models import DigitalDocument
from frontoffice_service.provider.digital_documents.pdf import pdf_of
from frontoffice_service.provider.digital_documents.repository import DocumentRepository
from servicekit import pdf
from servicekit.clock import instant
from servicekit.db import DbSession
from servicekit.errors import StepRefusal
from servicekit.tokens import SignedIn

router = APIRouter(prefix="/digital-documents", tags=["digital documents (M15)"])


DocumentId = Annotated[str, PathParam(alias="documentId", pattern=r"^[0-9a-f\-]{36}$")]


@router.get("", summary="The signed-in person's (or their organisation's) documents")
async def my_documents(principal: SignedIn, session: DbSession) -> list[dict[str, Any]]:
    found = await DocumentRepository(session).of_holder(iin=principal.iin, bin_=principal.bin)
    return [_document_record(d) for d in found]


def _document_record(document: DigitalDocument) -> dict[str, Any]:
    return {
        "id": document.id,
        "kind": document.kind,
        "issuedAt": instant(document.issued_at),
        **document.data,
    }


async def _own_document(
    session: AsyncSession, principal: SignedIn, document_id: str
) -> DigitalDocument:
    document = await DocumentRepository(session).get(document_id)
    mine = document is not None and (
        (principal.bin is not None and document.holder_bin == principal.bin)
        or (document.holder_iin is not None and document.holder_iin == principal.iin)
    )
    if document is None or not mine:
        raise StepRefusal("DIGITAL_DOCUMENT_NOT_FOUND", step="M15", status=404, field="documentId")
    return document


@router.get(
    "/{documentId}",
    summary="One document",
    responses={404: {"description": "DIGITAL_DOCUMENT_NOT_FOUND"}},
)
async def one_document(
    document_id: DocumentId, principal: SignedIn, session: DbSession
) -> dict[str, Any]:
    return _document_record(await _own_document(session, principal, document_id))


@router.get(
    "/{documentId}/pdf",
    summary="The document as a PDF",
    response_class=Response,
    responses={404: {"description": "DIGITAL_DOCUMENT_NOT_FOUND"}},
)
async def document_pdf(
    document_id: DocumentId, principal: SignedIn, session: DbSession
) -> Response:
    document = await _own_document(session, principal, document_id)
    data = await asyncio.to_thread(pdf.render, pdf_of(document))
    return Response(data, media_type="application/pdf")
