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
from dataclasses import dataclass
from enum import StrEnum

from PIL import Image, UnidentifiedImageError

from frontoffice_service.problems import Refusal

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
    """The scan's type, size and digest; a Refusal (M6.4) when it cannot be kept."""
    if not data:
        raise Refusal("SCAN_EMPTY", step=STEP, field="file")
    if len(data) > max_bytes:
        raise Refusal(
            "SCAN_TOO_LARGE", step=STEP, status=413, field="file", size=len(data), limit=max_bytes
        )
    kind = next((kind for magic, kind in _MAGIC if data.startswith(magic)), None)
    if kind is None:
        raise Refusal("SCAN_TYPE_NOT_ALLOWED", step=STEP, status=415, field="file")
    if declared is not None and declared.split(";")[0].strip().lower() != kind.value:
        raise Refusal(
            "SCAN_TYPE_MISMATCH", step=STEP, field="file", declared=declared, found=kind.value
        )
    if not _whole(data, kind):
        raise Refusal("SCAN_CORRUPT", step=STEP, field="file", found=kind.value)
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
