"""The layout of an official document under Nghị định 30/2020/NĐ-CP, as DOCX (python-docx).

Parts, in order: issuing body (its parent above it) and number/code on the left, Quốc hiệu and tiêu ngữ on the
right; place and date; type and summary (trích yếu); body; recipients (Nơi nhận) and the signature block.
Times New Roman on A4 with the decree's margins. This module builds the template every paper is drawn through
(tdkt.documents.templates) and the tables filled into it; the papers themselves are in tdkt.documents.papers.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from docx import Document
from docx.document import Document as Docx
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from docxtpl.subdoc import Subdoc

from tdkt.common.text import printable

FONT = "Times New Roman"
QUOC_HIEU = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
TIEU_NGU = "Độc lập - Tự do - Hạnh phúc"


class Heading(str):
    """A line of the body set centred and bold (the authority's line, "QUYẾT ĐỊNH:"), not as justified text."""


# Nghị định 30/2020 Phụ lục I: the issuing body's name is written out in full; only its parent body may be shortened
WRITTEN_OUT = (("UBND ", "Ủy ban nhân dân "), ("Phòng GD&ĐT ", "Phòng Giáo dục và Đào tạo "),
               ("Sở GD&ĐT ", "Sở Giáo dục và Đào tạo "), ("Phòng VH-XH ", "Phòng Văn hóa – Xã hội "))


def written_out(name: str) -> str:
    """'UBND huyện Quảng Hòa' → 'Ủy ban nhân dân huyện Quảng Hòa'."""
    for short, full in WRITTEN_OUT:
        if name.startswith(short):
            return full + name[len(short):]
    return name


@dataclass
class Official:
    paper: str  # which paper it is (templates.PAPERS): an office's own template for it replaces this layout
    parent: str  # the issuing body's governing body, e.g. "UBND HUYỆN MƯỜNG KHƯƠNG" ("" when none)
    issuer: str  # e.g. "TRƯỜNG TIỂU HỌC BẢN LẦU"
    number: str  # "Số: 12/QĐ-UBND", or "Số:      /TTr-TH" for a draft
    place: str
    day: date
    kind: str  # "TỜ TRÌNH", "BIÊN BẢN", "QUYẾT ĐỊNH"
    summary: str  # trích yếu
    body: list[str] = field(default_factory=list)  # a Heading among them is centred and bold
    table: tuple[list[str], list[list[str]]] | None = None
    closing: list[str] = field(default_factory=list)  # paragraphs after the table
    recipients: list[str] = field(default_factory=list)
    co_signer: tuple[str, str] | None = None  # (title, name) signing on the left instead of the Nơi nhận (a biên bản)
    signer_title: str = ""  # e.g. "HIỆU TRƯỞNG", "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH"
    signer_name: str = ""
    annex: tuple[str, list[str], list[list[str]]] | None = None  # (heading, header row, rows) on a new page


def date_line(place: str, day: date) -> str:
    """'Mường Khương, ngày 05 tháng 11 năm 2022' (days and months below 10 with a leading zero: NĐ 30, Phụ lục I)."""
    return f"{place}, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


# tdkt's own templates (this layout's, certificates'): every paper is drawn through one unless an office has its own
SHIPPED_DIR = Path(__file__).parent / "shipped"
SHIPPED = SHIPPED_DIR / "van-ban.docx"


def template() -> bytes:
    """The layout of SHIPPED, built: the fields of tdkt.documents.templates.FIELDS in the places Nghị định 30
    gives them, with the loops and conditions docxtpl reads (`make templates` writes it; a test checks the shipped
    file is this)."""
    doc = Document()
    page_setup(doc)
    _header(doc)
    centered(doc, "{{ kind }}", bold=True, size=14, space_before=12)
    centered(doc, "{{ summary }}", bold=True, size=14)
    _parts(doc, "body_parts")
    doc.add_paragraph("{{p table }}")
    _parts(doc, "closing_parts")
    _signature(doc)
    doc.add_paragraph("{%p if annex_table %}")
    page_break(doc)
    centered(doc, "{{ annex_heading }}", bold=True, size=13)
    doc.add_paragraph("{{p annex_table }}")
    doc.add_paragraph("{%p endif %}")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _parts(doc: Docx, name: str) -> None:
    """A list of the body's lines: a heading centred and bold, any other line justified with its first indent."""
    for tag in (f"{{%p for part in {name} %}}", "{%p if part.heading %}"):
        doc.add_paragraph(tag)
    centered(doc, "{{ part.text }}", bold=True, size=13, space_before=6)
    doc.add_paragraph("{%p else %}")
    _paragraph(doc, "{{ part.text }}")
    for tag in ("{%p endif %}", "{%p endfor %}"):
        doc.add_paragraph(tag)


def _header(doc: Docx) -> None:
    table = doc.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _columns(table, (Mm(62), Mm(106)))
    left, right = table.rows[0].cells
    _cell_line(left, "{%p if parent %}", first=True)
    _cell_line(left, "{{ parent }}", size=12)
    _cell_line(left, "{%p endif %}")
    _cell_line(left, "{{ issuer }}", bold=True, size=12)
    _cell_line(left, "________", size=8)
    _cell_line(left, "{{ number }}", size=13)
    _cell_line(right, "{{ quoc_hieu }}", first=True, bold=True, size=12)
    _cell_line(right, "{{ tieu_ngu }}", bold=True, size=13, underline=True)
    _cell_line(right, "", size=8)
    _cell_line(right, "{{ date_line }}", italic=True, size=13)


def _signature(doc: Docx) -> None:
    """On the right the signer; on the left the Nơi nhận, or the one who signs beside (a biên bản's secretary)."""
    table = doc.add_table(rows=1, cols=2)
    _columns(table, (Mm(85), Mm(80)))
    left, right = table.rows[0].cells
    _cell_line(left, "{%p if co_signer_title %}", first=True)
    _signs(left, "{{ co_signer_title }}", "{{ co_signer_name }}", "(Ký, ghi rõ họ tên)")
    _cell_line(left, "{%p else %}")
    recipients = left.add_paragraph()
    _run(recipients, "Nơi nhận:", bold=True, italic=True, size=12)
    _cell_line(left, "{%p for line in recipients %}")
    listed = left.add_paragraph()
    listed.paragraph_format.space_after = Pt(0)
    _run(listed, "- {{ line }};", size=11)
    for tag in ("{%p endfor %}", "{%p endif %}"):
        _cell_line(left, tag)
    _cell_line(right, "{%p for line in signer_lines %}", first=True)
    _signs(right, "{{ line }}", "{{ signer_name }}", "(Ký, ghi rõ họ tên, đóng dấu)", between="{%p endfor %}")


def _signs(cell: _Cell, title: str, name: str, note: str, *, between: str = "") -> None:
    """A signature block: the title, the note of what to sign, room to sign, the name."""
    _cell_line(cell, title, bold=True, size=13)
    if between:
        _cell_line(cell, between)
    _cell_line(cell, note, italic=True, size=12)
    for _ in range(3):
        _cell_line(cell, "", size=13)
    _cell_line(cell, name, bold=True, size=13)


def grid(doc: Docx | Subdoc, header: list[str], rows: list[list[str]]) -> None:
    """A bordered table of the paper's data, header row bold (borders set on the table itself, so that it needs
    no style of whichever template it goes into)."""
    table = doc.add_table(rows=1, cols=len(header))
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        line = OxmlElement(f"w:{edge}")
        for key, value in (("val", "single"), ("sz", "4"), ("space", "0"), ("color", "000000")):
            line.set(qn(f"w:{key}"), value)
        borders.append(line)
    table._tbl.tblPr.append(borders)
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        _cell_line(cell, text, first=True, bold=True, size=12)
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.paragraphs[0].paragraph_format.space_after = Pt(0)
            _run(cell.paragraphs[0], text, size=12)
    _columns(table, _widths(header, rows))


TEXT_WIDTH = 165  # mm: A4 less the decree's margins (30 left, 15 right)
MM_PER_CHAR, CELL_PADDING = 2.5, 6.0  # a bold character of Times New Roman 12 pt, and a cell's margins


def _widths(header: list[str], rows: list[list[str]]) -> tuple[Mm, ...]:
    """Each column at least as wide as its longest word, then as its lines ask (up to a point), within the page's
    text width: a number column stays narrow, a name column gets room."""
    def texts(index: int) -> list[str]:
        return [header[index], *(row[index] for row in rows if index < len(row))]
    least = [max((len(word) for text in texts(i) for word in text.split()), default=2) * MM_PER_CHAR + CELL_PADDING
             for i in range(len(header))]
    asked = [max(low, min(max(len(text) for text in texts(i)), 30) * MM_PER_CHAR + CELL_PADDING)
             for i, low in enumerate(least)]
    room, spare = TEXT_WIDTH - sum(least), sum(asked) - sum(least)
    if room <= 0:
        return tuple(Mm(TEXT_WIDTH * low / sum(least)) for low in least)
    share = room / spare if spare else 0
    return tuple(Mm(low + (ask - low) * share) for low, ask in zip(least, asked, strict=True))


def page_setup(doc: Docx) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(13)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)


def page_break(doc: Docx) -> None:
    """What python-docx's add_page_break does, typed: a paragraph holding only a page break."""
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _run(paragraph: Paragraph, text: str, *, bold: bool = False, italic: bool = False, size: float | None = None,
         underline: bool = False) -> None:
    run = paragraph.add_run(printable(text))
    run.bold, run.italic, run.underline = bold, italic, underline
    run.font.name = FONT
    if size:
        run.font.size = Pt(size)


def _cell_line(cell: _Cell, text: str, *, first: bool = False, **style: object) -> None:
    paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_after = Pt(0)
    _run(paragraph, text, **style)  # type: ignore[arg-type]


def _columns(table: Table, widths: tuple[Mm, ...]) -> None:
    """Fixed column widths: Word and LibreOffice otherwise share the page out by content, and the Quốc hiệu wraps."""
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
        for cell in column.cells:
            cell.width = width


def centered(doc: Docx, text: str, *, bold: bool = False, size: float = 13,
            space_before: float = 0) -> None:
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_before = Pt(space_before)
    paragraph.paragraph_format.space_after = Pt(0)
    _run(paragraph, text, bold=bold, size=size)


def _paragraph(doc: Docx, text: str) -> None:
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    paragraph.paragraph_format.first_line_indent = Mm(10)
    paragraph.paragraph_format.space_after = Pt(6)
    _run(paragraph, text)
