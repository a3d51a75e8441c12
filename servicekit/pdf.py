"""PDF documents the state services hand out: the СРТС printed at V19, the acceptance act of
M17. A document is a title, sections of labelled values, and free lines; it renders the same
bytes for the same content and time, so a stored PDF can be checked against its data.

fpdf2 lays out and writes the PDF; the fonts are DejaVu Sans subset to Latin and Cyrillic
(Kazakh letters included) and shipped in `servicekit/fonts`, since the PDF standard fonts have no
Cyrillic and a fresh machine may have no fonts at all. Each document embeds them whole.
"""

from __future__ import annotations

import functools
import logging
import zlib
from collections.abc import Sequence
from copy import copy as shallow_copy
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import Glyph, SubsetMap, TTFFont
from fpdf.output import (
    CIDSystemInfo,
    OutputProducer,
    PDFExtGState,
    PDFFont,
    PDFType3Font,
    PDFXObject,
)
from fpdf.pattern import Pattern
from fpdf.syntax import Name, PDFArray, PDFContentStream

_FONTS = Path(__file__).parent / "fonts"
log = logging.getLogger(__name__)
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
    layout fills in afresh: a number, the descriptor and the glyphs used."""
    for style in _FILES:
        font = shallow_copy(_read_font(style))
        font.i = len(pdf.fonts) + 1
        font.desc = shallow_copy(font.desc)
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
    # Built here, once, so that documents rendered at once in threads only read it.
    font.ttfont.getReverseGlyphMap()
    return font


class _WholeFonts(OutputProducer):
    """fpdf's output, with each shipped font embedded whole instead of subset per document.

    fpdf subsets a TrueType font for every document (fontTools reads, prunes and writes the
    font again) and maps all 65,536 codes to glyphs: three quarters of a document's time. The
    shipped fonts are already cut down to Latin and Cyrillic (36 KiB each), so each goes in
    as it is, compressed once per process, and the code-to-glyph map covers the codes the
    document uses. The page contents — fpdf's codes, assigned as the text is laid out — are
    fpdf's own (tests/kit/test_pdf.py reads the text and the glyphs back)."""

    def _add_fonts(
        self,
        image_objects_per_index: dict[int, PDFXObject],
        gfxstate_objs_per_name: dict[str, PDFExtGState],
        pattern_objs_per_name: dict[str, Pattern],
    ) -> dict[int, PDFFont | PDFType3Font]:
        fonts = sorted(self.fpdf.fonts.values(), key=lambda font: font.i)
        return {font.i: self._embed(font) for font in fonts if isinstance(font, TTFFont)}

    def _embed(self, font: TTFFont) -> PDFFont:
        if font.missing_glyphs:
            missing = "".join(chr(code) for code in font.missing_glyphs)
            log.warning("font %s has no glyphs for %r: printed as boxes", font.name, missing)
        used = sorted((code, glyph) for glyph, code in font.subset.items() if glyph is not None)
        composite = PDFFont(subtype="Type0", base_font=font.name, encoding="Identity-H")
        self._add_pdf_obj(composite, "fonts")
        widths = _widths([(code, glyph.glyph_width) for code, glyph in used])
        cid_font = PDFFont(
            subtype="CIDFontType2", base_font=font.name, d_w=font.desc.missing_width, w=widths
        )
        self._add_pdf_obj(cid_font, "fonts")
        composite.descendant_fonts = PDFArray([cid_font])
        composite.to_unicode = PDFContentStream(_to_unicode(used).encode("ascii"))
        self._add_pdf_obj(composite.to_unicode, "fonts")
        cid_font.c_i_d_system_info = CIDSystemInfo()
        self._add_pdf_obj(cid_font.c_i_d_system_info, "fonts")
        descriptor = font.desc
        descriptor.font_name = Name(font.name)
        self._add_pdf_obj(descriptor, "fonts")
        cid_font.font_descriptor = descriptor
        # The glyph ids of the font as fpdf read it (not Glyph.glyph_id, which for .notdef is a
        # code point): the file goes in as it is, so they are the embedded font's.
        to_glyph = bytearray(2 * (used[-1][0] + 1))
        for code, glyph in used:
            glyph_id = font.ttfont.getGlyphID(glyph.glyph_name)
            to_glyph[2 * code : 2 * code + 2] = glyph_id.to_bytes(2, "big")
        cid_font.c_i_d_to_g_i_d_map = PDFContentStream(bytes(to_glyph), compress=True)
        self._add_pdf_obj(cid_font.c_i_d_to_g_i_d_map, "fonts")
        descriptor.font_file2 = _FontFile(*_compressed_font(font.ttffile))  # type: ignore[attr-defined]
        self._add_pdf_obj(descriptor.font_file2, "fonts")  # type: ignore[attr-defined]
        return composite


class _FontFile(PDFContentStream):
    """A TrueType font program, compressed beforehand."""

    def __init__(self, compressed: bytes, length: int) -> None:
        super().__init__(compressed)
        self.filter = Name("FlateDecode")
        self.length1 = length


def _widths(widths: Sequence[tuple[int, int]]) -> str:
    """The `W` array: each run of consecutive codes as its first code and its widths."""
    runs: list[tuple[int, list[int]]] = []
    for code, width in widths:
        if runs and runs[-1][0] + len(runs[-1][1]) == code:
            runs[-1][1].append(width)
        else:
            runs.append((code, [width]))
    return "[" + " ".join(f"{first} [{' '.join(map(str, run))}]" for first, run in runs) + "]"


def _to_unicode(used: Sequence[tuple[int, Glyph]]) -> str:
    """The ToUnicode CMap, which lets a reader search and copy the text: each code's
    characters, in blocks of at most 100 (Adobe Technical Note #5014)."""
    pairs = [
        f"<{code:04X}> <{''.join(map(chr, glyph.unicode)).encode('utf-16-be').hex().upper()}>"
        for code, glyph in used
        if isinstance(glyph.unicode, tuple) and glyph.unicode
    ]
    blocks = "".join(
        f"{len(block)} beginbfchar\n" + "\n".join(block) + "\nendbfchar\n"
        for block in (pairs[i : i + 100] for i in range(0, len(pairs), 100))
    )
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo\n<</Registry (Adobe)\n/Ordering (UCS)\n/Supplement 0\n>> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        f"{blocks}endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend"
    )


@functools.cache
def _compressed_font(path: Path) -> tuple[bytes, int]:
    data = path.read_bytes()
    return zlib.compress(data), len(data)


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
    return bytes(pdf.output(output_producer_class=_WholeFonts))


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
