"""The layout of an official document under Nghị định 30/2020/NĐ-CP, as DOCX (python-docx).

Parts, in order: issuing body (its parent above it) and number/code on the left, Quốc hiệu and tiêu ngữ on the
right; place and date; type and summary (trích yếu); body; recipients (Nơi nhận) and the signature block.
Times New Roman on A4 with the decree's margins. The documents themselves are in tdkt/documents.py.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date

from docx import Document
from docx.document import Document as Docx
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

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


def render(doc_spec: Official) -> bytes:
    """The paper in tdkt's own layout (tdkt.documents.templates.render uses an office's template instead, when it
    has one)."""
    doc = Document()
    page_setup(doc)
    _header(doc, doc_spec)
    centered(doc, doc_spec.kind, bold=True, size=14, space_before=12)
    centered(doc, doc_spec.summary, bold=True, size=14)
    for text in doc_spec.body:
        if isinstance(text, Heading):
            centered(doc, text, bold=True, size=13, space_before=6)
        else:
            _paragraph(doc, text)
    if doc_spec.table:
        _table(doc, *doc_spec.table)
    for text in doc_spec.closing:
        _paragraph(doc, text)
    _signature(doc, doc_spec)
    if doc_spec.annex:
        heading, header, rows = doc_spec.annex
        page_break(doc)
        centered(doc, heading, bold=True, size=13)
        _table(doc, header, rows)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


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


def _header(doc: Docx, spec: Official) -> None:
    table = doc.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _columns(table, (Mm(62), Mm(106)))
    left, right = table.rows[0].cells
    if spec.parent:
        _cell_line(left, spec.parent.upper(), first=True, size=12)
    _cell_line(left, written_out(spec.issuer).upper(), first=not spec.parent, bold=True, size=12)
    _cell_line(left, "________", size=8)
    _cell_line(left, spec.number, size=13)
    _cell_line(right, QUOC_HIEU, first=True, bold=True, size=12)
    _cell_line(right, TIEU_NGU, bold=True, size=13, underline=True)
    _cell_line(right, "", size=8)
    _cell_line(right, date_line(spec.place, spec.day), italic=True, size=13)


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


def _table(doc: Docx, header: list[str], rows: list[list[str]]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        _cell_line(cell, text, first=True, bold=True, size=12)
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.paragraphs[0].paragraph_format.space_after = Pt(0)
            _run(cell.paragraphs[0], text, size=12)


def _signature(doc: Docx, spec: Official) -> None:
    table = doc.add_table(rows=1, cols=2)
    _columns(table, (Mm(85), Mm(80)))
    left, right = table.rows[0].cells
    if spec.co_signer is not None:
        _signs(left, *spec.co_signer, sealed=False)
    else:
        _run(left.paragraphs[0], "Nơi nhận:", bold=True, italic=True, size=12)
        for recipient in spec.recipients:
            paragraph = left.add_paragraph()
            paragraph.paragraph_format.space_after = Pt(0)
            _run(paragraph, f"- {recipient};", size=11)
    _signs(right, spec.signer_title, spec.signer_name)


def _signs(cell: _Cell, title: str, name: str, *, sealed: bool = True) -> None:
    """A signature block: the title's lines, the note of what to sign, room to sign, the name."""
    for i, line in enumerate(title.splitlines()):
        _cell_line(cell, line, first=i == 0, bold=True, size=13)
    _cell_line(cell, "(Ký, ghi rõ họ tên, đóng dấu)" if sealed else "(Ký, ghi rõ họ tên)", italic=True, size=12)
    for _ in range(3):
        _cell_line(cell, "", size=13)
    _cell_line(cell, name, bold=True, size=13)
