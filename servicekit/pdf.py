"""PDF documents the state services hand out: the СРТС printed at V19, the acceptance act of
M17. A document is a title, sections of labelled values, and free lines; it renders the same
bytes for the same content and time, so a stored PDF can be checked against its data.

fpdf2 writes the PDF; the fonts are DejaVu Sans subset to Latin and Cyrillic (Kazakh letters
included) and shipped in `servicekit/fonts`, since the PDF standard fonts have no Cyrillic and a
fresh machine may have no fonts at all.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import TTFFont

_FONTS = Path(__file__).parent / "fonts"
# fontTools reports each table it subsets at INFO: a dozen lines per document.
logging.getLogger("fontTools").setLevel(logging.WARNING)
_FAMILY = "DejaVuSans"


@dataclass(frozen=True, slots=True)
class Section:
    heading: str
    rows: Sequence[tuple[str, str]] = ()
    """Label and value, one line each."""
    lines: Sequence[str] = ()
    """Free text after the rows (a list of documents, a signature line)."""


@dataclass(frozen=True, slots=True)
class Document:
    title: str
    subtitle: str
    sections: Sequence[Section]
    created_at: datetime
    footer: str = ""
    keywords: Sequence[str] = field(default_factory=tuple)
    copies: Sequence[str] = ()
    """An act made in several copies (M17: one for each party) is printed once per label
    given here, each copy from a new page with its label under the subtitle; none: once."""


def render(document: Document) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_creation_date(document.created_at)
    pdf.set_title(document.title)
    pdf.set_creator("egov-bus")
    if document.keywords:
        pdf.set_keywords(" ".join(document.keywords))
    pdf.add_font(_FAMILY, "", str(_FONTS / "DejaVuSans.ttf"))
    pdf.add_font(_FAMILY, "B", str(_FONTS / "DejaVuSans-Bold.ttf"))
    for font in pdf.fonts.values():
        if isinstance(font, TTFFont):
            # The shipped fonts' glyph boxes are right as they are. Recomputing them when the
            # subset is written expands and recompiles every glyph: a third of a document's
            # time, for the same bytes of outline.
            font.ttfont.recalcBBoxes = False
    pdf.set_auto_page_break(auto=True, margin=15)
    for copy in document.copies or ("",):
        _print_copy(pdf, document, copy)
    return bytes(pdf.output())


def _print_copy(pdf: FPDF, document: Document, copy: str) -> None:
    pdf.add_page()
    width = pdf.epw

    pdf.set_font(_FAMILY, "B", 15)
    pdf.multi_cell(width, 8, document.title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(_FAMILY, "", 10)
    pdf.multi_cell(width, 6, document.subtitle, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if copy:
        pdf.set_font(_FAMILY, "B", 10)
        pdf.multi_cell(width, 6, copy, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    for section in document.sections:
        pdf.set_font(_FAMILY, "B", 11)
        pdf.cell(width, 7, section.heading, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(_FAMILY, "", 10)
        for label, value in section.rows:
            pdf.multi_cell(width * 0.4, 6, label, new_x=XPos.RIGHT, new_y=YPos.TOP)
            pdf.multi_cell(width * 0.6, 6, value or "—", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        for line in section.lines:
            pdf.multi_cell(width, 6, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(3)
    if document.footer:
        pdf.set_font(_FAMILY, "", 8)
        pdf.multi_cell(width, 5, document.footer, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
