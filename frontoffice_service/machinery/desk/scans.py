"""M6.4: the scans of the applicant's documents, judged before they are kept.

A scan is a PDF, a JPEG or a PNG, as its bytes say (not its name or the declared type, which
must agree with them), no larger than the limit, and whole: an image must decode (Pillow
verifies its structure and checksums), a PDF must have its header, a cross-reference pointer
and its end-of-file marker (a truncated upload has not). What is kept is the bytes and their
SHA-256, which the provider later sees with the application (M9) and can download.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from PIL import Image, UnidentifiedImageError
from sqlalchemy.ext.asyncio import AsyncSession

from frontoffice_service.access import Worker
from frontoffice_service.machinery.desk.package import presented_codes
from frontoffice_service.machinery.models import (
    ApplicationStatus,
    MachineryApplication,
    MachineryScan,
)
from frontoffice_service.machinery.repository import ScanRepository
from frontoffice_service.machinery.states import wrong_step
from servicekit.errors import StepRefusal

STEP = "M6.4"


MAX_BYTES = 10 * 1024 * 1024
"""The default limit of one scan (this project's choice; the `scan_max_bytes` setting)."""


class ScanType(StrEnum):
    PDF = "application/pdf"
    JPEG = "image/jpeg"
    PNG = "image/png"


_MAGIC = (
    (b"%PDF-", ScanType.PDF),
    (b"\xff\xd8\xff", ScanType.JPEG),
    (b"\x89PNG\r\n\x1a\n", ScanType.PNG),
)


@dataclass(frozen=True, slots=True)
class Scan:
    content_type: ScanType
    size: int
    sha256: str


def inspect(data: bytes, declared: str | None, *, max_bytes: int = MAX_BYTES) -> Scan:
    """The scan's type, size and digest; a StepRefusal (M6.4) when it cannot be kept."""
    if not data:
        raise StepRefusal("SCAN_EMPTY", step=STEP, field="file")
    if len(data) > max_bytes:
        raise StepRefusal(
            "SCAN_TOO_LARGE", step=STEP, status=413, field="file", size=len(data), limit=max_bytes
        )
    kind = next((kind for magic, kind in _MAGIC if data.startswith(magic)), None)
    if kind is None:
        raise StepRefusal("SCAN_TYPE_NOT_ALLOWED", step=STEP, status=415, field="file")
    if declared is not None and declared.split(";")[0].strip().lower() != kind.value:
        raise StepRefusal(
            "SCAN_TYPE_MISMATCH", step=STEP, field="file", declared=declared, found=kind.value
        )
    if not _whole(data, kind):
        raise StepRefusal("SCAN_CORRUPT", step=STEP, field="file", found=kind.value)
    return Scan(kind, len(data), hashlib.sha256(data).hexdigest())


def _whole(data: bytes, kind: ScanType) -> bool:
    if kind is ScanType.PDF:
        tail = data[-1024:]
        return b"%%EOF" in tail and b"startxref" in tail
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
        # verify() checks the structure; decoding the pixels finds a cut-off stream.
        with Image.open(io.BytesIO(data)) as image:
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return False
    return True


async def store_scan(
    session: AsyncSession,
    app: MachineryApplication,
    *,
    code: str,
    data: bytes,
    declared: str,
    filename: str,
    max_bytes: int,
    worker: Worker,
    now: datetime,
) -> MachineryScan:
    """M6.4: the scan of a document of the package, judged by its bytes, kept whole with its
    SHA-256; a second scan of the same document replaces the first until the application is
    signed."""
    if app.status not in (ApplicationStatus.PACKAGE_ACCEPTED, ApplicationStatus.FEES_CONFIRMED):
        raise wrong_step(app, "M6.4")
    if code not in presented_codes(app):
        raise StepRefusal("SCAN_NOT_IN_PACKAGE", step="M6.4", field="code", code_name=code)
    inspected = inspect(data, declared, max_bytes=max_bytes)
    scan = MachineryScan(
        id=str(uuid.uuid4()),
        application_id=app.id,
        document_code=code,
        filename=filename,
        content_type=inspected.content_type,
        size=len(data),
        sha256=inspected.sha256,
        content=data,
        uploaded_at=now,
        uploaded_by=worker.iin,
    )
    await ScanRepository(session).put_scan(scan)
    app.updated_at = now
    return scan
