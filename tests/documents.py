"""Reading a printed document back as people read it: its text, page by page."""

from __future__ import annotations

import io

import pypdf


def pdf_text(data: bytes) -> str:
    """The text of every page of a PDF, one page after another."""
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)
