"""M6.4: which scans are kept — PDF, JPEG, PNG by their bytes, within the size limit, whole —
and which are refused, each with its own code."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime

import pytest
from PIL import Image

from frontoffice_service.machinery.desk.scans import ScanType, inspect
from servicekit import pdf
from servicekit.errors import StepRefusal


def image(kind: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, format=kind)
    return buffer.getvalue()


def document() -> bytes:
    made = datetime(2025, 10, 20, tzinfo=UTC)
    return pdf.render(
        pdf.Document("Паспорт", "скан", [pdf.Section("Машина", [("VIN", "X")])], made)
    )


def refused(data: bytes, declared: str | None = None, **limits: int) -> tuple[int, str]:
    with pytest.raises(StepRefusal) as caught:
        inspect(data, declared, **limits)
    assert caught.value.extra["step"] == "M6.4"
    return caught.value.status, caught.value.code


@pytest.mark.parametrize(
    ("data", "kind"),
    [(document(), ScanType.PDF), (image("JPEG"), ScanType.JPEG), (image("PNG"), ScanType.PNG)],
)
def test_m6_4_pdf_jpeg_and_png_are_kept_with_their_digest(data: bytes, kind: ScanType) -> None:
    scan = inspect(data, kind.value)
    assert (scan.content_type, scan.size, scan.sha256) == (
        kind,
        len(data),
        hashlib.sha256(data).hexdigest(),
    )
    assert inspect(data, None).content_type is kind


def test_m6_4_other_types_are_refused() -> None:
    assert refused(b"GIF89a" + b"\0" * 100) == (415, "SCAN_TYPE_NOT_ALLOWED")
    assert refused(b"PK\x03\x04 a zip, or a docx") == (415, "SCAN_TYPE_NOT_ALLOWED")


def test_m6_4_the_declared_type_must_be_the_files() -> None:
    assert refused(image("PNG"), "image/jpeg") == (422, "SCAN_TYPE_MISMATCH")
    assert inspect(image("PNG"), "IMAGE/PNG; charset=binary").content_type is ScanType.PNG


def test_m6_4_empty_and_too_large_are_refused() -> None:
    assert refused(b"") == (422, "SCAN_EMPTY")
    data = image("PNG")
    assert refused(data, max_bytes=len(data) - 1) == (413, "SCAN_TOO_LARGE")
    assert inspect(data, None, max_bytes=len(data)).size == len(data)


@pytest.mark.parametrize("kind", ["PNG", "JPEG"])
def test_m6_4_a_cut_off_image_is_corrupt(kind: str) -> None:
    data = image(kind)
    assert refused(data[: len(data) // 2]) == (422, "SCAN_CORRUPT")


def test_m6_4_a_cut_off_or_damaged_pdf_is_corrupt() -> None:
    data = document()
    assert refused(data[: len(data) // 2]) == (422, "SCAN_CORRUPT")
    assert refused(b"%PDF-1.7 nothing else") == (422, "SCAN_CORRUPT")
