"""The PDF documents: the shortcuts of servicekit.pdf give what fpdf's own way gives — the
fonts read once per process and embedded whole give the same pages, text and glyphs; a
one-line text as one cell gives the same bytes as a multi-cell."""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO

import pytest
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.output import OutputProducer

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


_OBJECT = re.compile(rb"(\d+) 0 obj\n<<\n(.*?)\n>>\n(?:stream\n(.*?)\nendstream\n)?endobj", re.S)


@dataclass(frozen=True)
class Font:
    name: str
    file: bytes
    text: dict[int, str]
    """Each code's characters, by the ToUnicode CMap."""
    glyphs: dict[int, int]
    """Each code's glyph in the font file, by the CIDToGIDMap."""
    widths: dict[int, int]


@dataclass(frozen=True)
class Pdf:
    pages: list[bytes]
    fonts: list[Font]


def _read(data: bytes) -> Pdf:
    """What a reader takes from one of our PDFs, read as fpdf writes them: each object on its
    own, a dictionary a line per key, streams compressed or not."""
    objects = {int(m[1]): (m[2], m[3]) for m in _OBJECT.finditer(data)}

    def value(obj: bytes, key: str) -> bytes:
        found = re.search(rb"^/" + key.encode() + rb" (.*)$", obj, re.M)
        assert found is not None, key
        return found[1]

    def ref(obj: bytes, key: str) -> tuple[bytes, bytes | None]:
        number = re.fullmatch(rb"\[?(\d+) 0 R\]?", value(obj, key))
        assert number is not None
        return objects[int(number[1])]

    def stream(obj: tuple[bytes, bytes | None]) -> bytes:
        assert obj[1] is not None
        return zlib.decompress(obj[1]) if b"/Filter /FlateDecode" in obj[0] else obj[1]

    pages = [
        stream(ref(o, "Contents")) for o, _ in objects.values() if b"/Type /Page\n" in o + b"\n"
    ]
    fonts = []
    for composite, _ in objects.values():
        if b"/Subtype /Type0" not in composite:
            continue
        cid_font = ref(composite, "DescendantFonts")[0]
        cmap = stream(ref(composite, "ToUnicode")).decode()
        to_glyph = stream(ref(cid_font, "CIDToGIDMap"))
        widths = _widths(value(cid_font, "W").decode())
        text = {
            int(code, 16): bytes.fromhex(chars).decode("utf-16-be")
            for code, chars in re.findall(r"<([0-9A-F]{4})> <([0-9A-F]+)>", cmap)
        }
        fonts.append(
            Font(
                value(composite, "BaseFont").decode().removeprefix("/"),
                stream(ref(ref(cid_font, "FontDescriptor")[0], "FontFile2")),
                text,
                {code: int.from_bytes(to_glyph[2 * code : 2 * code + 2]) for code in text},
                widths,
            )
        )
    return Pdf(pages, fonts)


def _widths(w: str) -> dict[int, int]:
    """A `W` array's widths by code: `c [w1 w2 …]` from code c on, or `c1 c2 w` for c1 to c2."""
    widths: dict[int, int] = {}
    for first, run, low, high, width in re.findall(r"(\d+) \[([\d ]+)\]|(\d+) (\d+) (\d+)", w):
        if run:
            widths |= {int(first) + i: int(each) for i, each in enumerate(run.split())}
        else:
            widths |= dict.fromkeys(range(int(low), int(high) + 1), int(width))
    return widths


@pytest.mark.parametrize("document", [CERTIFICATE, OTHER], ids=["certificate", "other"])
def test_the_fonts_go_in_whole_and_each_code_draws_its_characters_glyph(
    document: pdf.Document,
) -> None:
    read = _read(pdf.render(document))
    assert [font.name for font in read.fonts] == ["DejaVuSansBook", "DejaVuSansBold"]
    for font, name in zip(read.fonts, pdf._FILES.values(), strict=True):
        assert font.file == (pdf._FONTS / name).read_bytes()
        program = TTFont(BytesIO(font.file))
        order, cmap = program.getGlyphOrder(), program.getBestCmap()
        assert len(font.text) > 5
        for code, chars in font.text.items():
            glyph = ".notdef" if chars == "\x00" else cmap[ord(chars)]
            assert order[font.glyphs[code]] == glyph, (code, chars)


@pytest.mark.parametrize("document", [CERTIFICATE, OTHER], ids=["certificate", "other"])
def test_pages_text_and_widths_are_those_of_fpdfs_own_way(
    document: pdf.Document, monkeypatch: pytest.MonkeyPatch
) -> None:
    # In turns, so that anything one document left in the shared reading would show.
    other = OTHER if document is CERTIFICATE else CERTIFICATE
    ours = [_read(pdf.render(d)) for d in (document, other, document)]
    monkeypatch.setattr(pdf, "_add_fonts", _fpdf_way)
    monkeypatch.setattr(pdf._WholeFonts, "_add_fonts", OutputProducer._add_fonts)
    own = _read(pdf.render(document))
    for read in (ours[0], ours[2]):
        assert read.pages == own.pages
        for font, owns in zip(read.fonts, own.fonts, strict=True):
            assert font.text == owns.text
            # fpdf's own may leave its last run of codes out (then the default width holds).
            assert font.widths.keys() == font.text.keys()
            assert owns.widths.items() <= font.widths.items()
    assert ours[0] == ours[2] != ours[1]


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


def test_a_character_the_fonts_lack_is_told_and_the_rest_printed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    lacking = pdf.Document("Акт", "Ли 李", [pdf.Section("Ғ", [("ФИО", "Ли Вэй 李伟")])], MADE)
    read = _read(pdf.render(lacking))
    assert "李伟" in caplog.text
    assert "Л" in read.fonts[0].text.values()
    assert not {"李", "伟"} & set(read.fonts[0].text.values())
