"""The PDF documents: the shortcuts of servicekit.pdf (the fonts read once per process, a
one-line text as one cell) give the bytes fpdf's own way gives."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import TTFFont

from servicekit import pdf

MADE = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
CERTIFICATE = pdf.Document(
    "СВИДЕТЕЛЬСТВО О РЕГИСТРАЦИИ ТРАНСПОРТНОГО СРЕДСТВА",
    "Көлік құралын тіркеу туралы куәлік № AL00000001 · от 2026-03-02",
    [
        pdf.Section("Транспортное средство", [("VIN", "MXAJC4111TK100201"), ("Цвет", "Белый")]),
        pdf.Section("Собственник", [("ФИО", "Әлиев Ұлан Қайратұлы")], ["Подпись: ________"]),
    ],
    MADE,
    footer=(
        "Изготовлено ИПЦ по решению административной полиции (шаг V19). Эмулятор egov-bus: "
        "документ не имеет юридической силы, и эта строка длиннее одной строки.",
        "Вторая строка.",
    ),
    keywords=["AL00000001"],
    copies=["Экземпляр владельца"],
)
OTHER = pdf.Document(
    "Акт № 5",
    "₸ 1 000 000",
    [pdf.Section("Ғ", [("ы", "ё"), ("Адрес", "г. Алматы, ул. " + "Абая " * 20 + "д. 1")])],
    MADE,
)


def _fpdf_way(document: FPDF) -> None:
    """What `_add_fonts` stands for: fpdf reading the font files for the document itself."""
    for style, name in pdf._FILES.items():
        document.add_font(pdf._FAMILY, style, str(pdf._FONTS / name))
    for font in document.fonts.values():
        assert isinstance(font, TTFFont)
        font.ttfont.recalcBBoxes = False


def test_fonts_read_once_give_the_bytes_of_fpdfs_own_way(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # In turns, so that anything one document left in the shared reading would show.
    cached = [pdf.render(d) for d in (CERTIFICATE, OTHER, CERTIFICATE)]
    monkeypatch.setattr(pdf, "_add_fonts", _fpdf_way)
    assert cached == [pdf.render(d) for d in (CERTIFICATE, OTHER, CERTIFICATE)]
    assert cached[0].startswith(b"%PDF-")
    assert cached[0] != cached[1]


def _multi_cell(
    document: FPDF,
    width: float,
    height: float,
    text: str,
    *,
    align: str = "J",
    new_x: XPos,
    new_y: YPos,
) -> None:
    document.multi_cell(width, height, text, align=align, new_x=new_x, new_y=new_y)


def test_one_line_texts_as_cells_give_the_bytes_of_multi_cell(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cells = [pdf.render(d) for d in (CERTIFICATE, OTHER)]
    monkeypatch.setattr(pdf, "_text", _multi_cell)
    assert cells == [pdf.render(d) for d in (CERTIFICATE, OTHER)]
