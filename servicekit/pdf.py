"""PDF documents the state services hand out: the СРТС printed at V19, the acceptance act of
M17. A document is a title, sections of labelled values, and free lines; it renders the same
bytes for the same content and time, so a stored PDF can be checked against its data.

fpdf2 writes the PDF; the fonts are DejaVu Sans subset to Latin and Cyrillic (Kazakh letters
included) and shipped in `servicekit/fonts`, since the PDF standard fonts have no Cyrillic and a
fresh machine may have no fonts at all.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from copy import copy as shallow_copy
from dataclasses import dataclass, field
from datetime import datetime
from io import BytesIO
from pathlib import Path

from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import SubsetMap, TTFFont

_FONTS = Path(__file__).parent / "fonts"
# fontTools reports each table it subsets at INFO: a dozen lines per document.
logging.getLogger("fontTools").setLevel(logging.WARNING)
_FAMILY = "DejaVuSans"
_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
"""The font file of each style the documents use."""


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
    footer: tuple[str, ...] = ()
    """Small print at the end, one line each (a tuple: a bare string would be its letters)."""
    keywords: Sequence[str] = field(default_factory=tuple)
    copies: Sequence[str] = ()
    """An act made in several copies (M17: one for each party) is printed once per label
    given here, each copy from a new page with its label under the subtitle; none: once."""


def _add_fonts(pdf: FPDF) -> None:
    """The shipped fonts, as `pdf.add_font` adds them, without reading them again for every
    document: fpdf's reading of a font file (its cmap, widths and descriptor, a fifth of a
    document's time) is done once per process, and each document gets a copy with what its
    output fills in afresh: a number, the descriptor, the glyphs used, and the font file to
    subset (tests/kit/test_pdf.py checks that the bytes are those of `add_font`'s way)."""
    for style, name in _FILES.items():
        font = shallow_copy(_read_font(style))
        font.i = len(pdf.fonts) + 1
        font.desc = shallow_copy(font.desc)
        # The shipped fonts' glyph boxes are right as they are: recomputing them when the
        # subset is written would expand and recompile every glyph, a third of a document's
        # time, for the same outlines.
        font.ttfont = TTFont(
            BytesIO(_font_file(name)), lazy=True, recalcTimestamp=False, recalcBBoxes=False
        )
        # The shipped fonts carry no glyph names (`post` format 3): fontTools would derive
        # them from the cmap for every document, decoding it twice, a fifth of the subsetting.
        # Given those same names, the subset is the same bytes. A list of its own: the
        # subsetter replaces the order of the font it works on.
        font.ttfont.setGlyphOrder(list(_glyph_order(name)))
        font.subset = SubsetMap(font)
        font.missing_glyphs = []
        font.biggest_size_pt = 0
        pdf.fonts[font.fontkey] = font


@functools.cache
def _read_font(style: str) -> TTFFont:
    scratch = FPDF()
    scratch.add_font(_FAMILY, style, str(_FONTS / _FILES[style]))
    (font,) = scratch.fonts.values()
    assert isinstance(font, TTFFont)
    return font


@functools.cache
def _font_file(name: str) -> bytes:
    return (_FONTS / name).read_bytes()


@functools.cache
def _glyph_order(name: str) -> tuple[str, ...]:
    font = TTFont(BytesIO(_font_file(name)), lazy=True)
    return tuple(font.getGlyphOrder())


def render(document: Document) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_creation_date(document.created_at)
    pdf.set_title(document.title)
    pdf.set_creator("egov-bus")
    if document.keywords:
        pdf.set_keywords(" ".join(document.keywords))
    _add_fonts(pdf)
    pdf.set_auto_page_break(auto=True, margin=15)
    for copy in document.copies or ("",):
        _print_copy(pdf, document, copy)
    return bytes(pdf.output())


def _print_copy(pdf: FPDF, document: Document, copy: str) -> None:
    pdf.add_page()
    width = pdf.epw

    pdf.set_font(_FAMILY, "B", 14)
    _text(pdf, width, 8, document.title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(_FAMILY, "", 10)
    _text(pdf, width, 6, document.subtitle, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if copy:
        pdf.set_font(_FAMILY, "B", 10)
        _text(pdf, width, 6, copy, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    for section in document.sections:
        pdf.set_font(_FAMILY, "B", 11)
        pdf.cell(width, 7, section.heading, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(_FAMILY, "", 10)
        for label, value in section.rows:
            _text(pdf, width * 0.4, 6, label, new_x=XPos.RIGHT, new_y=YPos.TOP)
            _text(pdf, width * 0.6, 6, value or "—", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        for line in section.lines:
            _text(pdf, width, 6, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(3)
    if document.footer:
        pdf.set_font(_FAMILY, "", 8)
        for line in document.footer:
            _text(pdf, width, 5, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _text(
    pdf: FPDF,
    width: float,
    height: float,
    text: str,
    *,
    align: str = "J",
    new_x: XPos,
    new_y: YPos,
) -> None:
    """`pdf.multi_cell`, with the same output. A text that fits on one line is written as one
    cell: fpdf's line breaking measures the line again for every character it adds (a quarter
    of a document's time), and most texts here are one short line."""
    if "\n" not in text and pdf.get_string_width(text) <= width - 2 * pdf.c_margin:
        # multi_cell aligns the last (here the only) line of justified text to the left.
        one_line = "L" if align == "J" else align
        pdf.cell(width, height, text, align=one_line, new_x=new_x, new_y=new_y)
    else:
        pdf.multi_cell(width, height, text, align=align, new_x=new_x, new_y=new_y)
