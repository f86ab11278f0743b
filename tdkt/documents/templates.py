"""Every paper is drawn through a DOCX template with Jinja fields (docxtpl): tdkt's own (layout.SHIPPED, the layout
of Nghị định 30/2020), or an office's own in TDKT_TEMPLATES_DIR, named after the paper (quyet-dinh.docx …), which
replaces it for that paper — no code to change. A template is checked when it is installed: one naming a field tdkt
does not fill is refused with the field's name. The starter an office downloads is tdkt's own template, to edit in
Word as its văn thư wants."""

from __future__ import annotations

import io
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

from docxtpl import DocxTemplate
from docxtpl.subdoc import Subdoc
from jinja2 import Environment, StrictUndefined, TemplateError, UndefinedError

from config.blank import BlankLayout, outside_page, own_layout_path
from config.settings import get_settings
from tdkt.common.errors import Refused
from tdkt.common.text import printable
from tdkt.common.uploads import read_yaml
from tdkt.documents.layout import (
    QUOC_HIEU,
    SHIPPED,
    SHIPPED_DIR,
    TIEU_NGU,
    Heading,
    Official,
    date_line,
    grid,
    written_out,
)

PAPERS = {"to-trinh-truong": "Tờ trình của trường", "bien-ban": "Biên bản họp xét",
          "to-trinh-khoi": "Tờ trình của khối thi đua", "to-trinh-phong": "Tờ trình tổng hợp của Phòng",
          "to-trinh-cap-tren": "Tờ trình đề nghị cấp trên khen thưởng", "quyet-dinh": "Quyết định khen thưởng",
          "bao-cao": "Báo cáo sơ kết, tổng kết", "giay-khen": "Giấy khen, giấy công nhận danh hiệu"}
CERTIFICATE_PAPER = "giay-khen"
# what a certificate's template may print of each certificate `c` of `certificates` (Jinja: {{ c.name }})
CERTIFICATE_FIELDS = {
    "quoc_hieu": "Quốc hiệu", "tieu_ngu": "tiêu ngữ", "grantor": "người tặng (CHỦ TỊCH ỦY BAN NHÂN DÂN …)",
    "verb": "TẶNG hoặc CÔNG NHẬN", "heading": "GIẤY KHEN hoặc tên danh hiệu", "name": "họ tên / tập thể",
    "detail": "chức vụ, đơn vị", "feat": "thành tích", "decision": "Quyết định số … ngày …",
    "register": "số vào sổ", "school_year": "năm học", "date_line": "địa danh, ngày … tháng … năm …",
    "signer_lines": "các dòng chức danh người ký", "signer_name": "họ tên người ký"}
FIELDS = {
    "quoc_hieu": "Quốc hiệu", "tieu_ngu": "tiêu ngữ", "parent": "cơ quan chủ quản",
    "issuer": "cơ quan ban hành (viết đầy đủ)", "number": "số, ký hiệu", "place": "địa danh",
    "date": "ngày dd/mm/yyyy", "date_line": "địa danh, ngày … tháng … năm …", "kind": "tên loại (TỜ TRÌNH …)",
    "summary": "trích yếu", "body": "các đoạn nội dung (danh sách)", "headings": "các dòng căn giữa trong nội dung",
    "table_header": "tiêu đề cột của bảng", "table_rows": "các dòng của bảng (mỗi dòng một danh sách ô)",
    "closing": "các đoạn sau bảng", "recipients": "nơi nhận (danh sách)", "co_signer_title": "người ký bên trái",
    "co_signer_name": "họ tên người ký bên trái", "signer_lines": "các dòng chức danh người ký",
    "signer_name": "họ tên người ký", "annex_heading": "tiêu đề phụ lục", "annex_header": "tiêu đề cột phụ lục",
    "annex_rows": "các dòng phụ lục", "body_parts": "các đoạn nội dung (mỗi đoạn: text, heading – căn giữa)",
    "closing_parts": "các đoạn sau bảng (text, heading)", "table": "bảng, dựng sẵn ({{p table }})",
    "annex_table": "bảng phụ lục, dựng sẵn ({{p annex_table }})"}


def context(spec: Official, template: DocxTemplate) -> dict[str, Any]:
    """What a paper's template may print of it: FIELDS, filled (the tables built into `template`)."""
    values = asdict(spec)
    header, rows = spec.table or ([], [])
    heading, annex_header, annex_rows = spec.annex or ("", [], [])
    co_title, co_name = spec.co_signer or ("", "")
    fields: dict[str, Any] = printable_fields({
        "quoc_hieu": QUOC_HIEU, "tieu_ngu": TIEU_NGU, "parent": spec.parent.upper(),
        "issuer": written_out(spec.issuer).upper(), "number": spec.number, "place": spec.place,
        "date": spec.day.strftime("%d/%m/%Y"), "date_line": date_line(spec.place, spec.day), "kind": spec.kind,
        "summary": spec.summary, "body": [str(line) for line in spec.body],
        "headings": [str(line) for line in spec.body if isinstance(line, Heading)],
        "body_parts": _parts(spec.body), "closing_parts": _parts(spec.closing),
        "table_header": header, "table_rows": rows, "closing": values["closing"],
        "recipients": values["recipients"], "co_signer_title": co_title, "co_signer_name": co_name,
        "signer_lines": spec.signer_title.splitlines(), "signer_name": spec.signer_name,
        "annex_heading": heading, "annex_header": annex_header, "annex_rows": annex_rows})
    return fields | {"table": _table(template, header, rows),
                     "annex_table": _table(template, annex_header, annex_rows)}


def _parts(lines: list[str]) -> list[dict[str, Any]]:
    return [{"text": str(line), "heading": isinstance(line, Heading)} for line in lines]


def _table(template: DocxTemplate, header: list[str], rows: list[list[str]]) -> Subdoc | str:
    """The table as a piece of the template's document; "" when the paper has none."""
    if not header:
        return ""
    table = template.new_subdoc()
    grid(table, header, rows)
    return table


def printable_fields(value: Any) -> Any:
    """Every text of the fields as a paper can hold it (layout's `printable`), through lists and parts."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, list):
        return [printable_fields(item) for item in value]
    if isinstance(value, dict):
        return {key: printable_fields(item) for key, item in value.items()}
    return value


def own(paper: str) -> Path | None:
    """The office's template for the paper, when it has installed one."""
    path = get_settings().templates_dir / f"{paper}.docx"
    return path if path.is_file() else None


def shipped(paper: str) -> Path:
    """tdkt's own template of the paper."""
    return SHIPPED_DIR / "giay-khen.docx" if paper == CERTIFICATE_PAPER else SHIPPED


def render(spec: Official) -> bytes:
    """The paper: through the office's template for it, or tdkt's own."""
    return render_paper(spec.paper, lambda template: context(spec, template))


def render_paper(paper: str, fields: Callable[[DocxTemplate], dict[str, Any]]) -> bytes:
    """Any paper through its template (the office's, or tdkt's own), `fields` filled in for that template."""
    template = DocxTemplate(str(own(paper) or shipped(paper)))
    template.render(fields(template), autoescape=True)
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()


def check(content: bytes, filename: str, paper: str = "") -> None:
    """Refused, naming the problem, when the file is no DOCX, its fields are malformed, or it names a field tdkt
    does not fill (an attribute too — a certificate's `c.…`, a line's `part.…` — found by drawing a sample)."""
    try:
        template = DocxTemplate(io.BytesIO(content))
        used = template.get_undeclared_template_variables()
    except TemplateError as exc:
        raise Refused("bad_template", f"Mẫu {filename} có trường viết sai: {exc}.") from exc
    except Exception as exc:  # docx's and zipfile's many errors: whatever it is, it is not a DOCX we can read
        raise Refused("bad_template", f"Tệp {filename} không phải tệp Word (.docx) đọc được.") from exc
    known = {"certificates": ""} if paper == CERTIFICATE_PAPER else FIELDS
    unknown = sorted(set(used) - set(known))
    if unknown:
        raise Refused("unknown_field", f"Mẫu {filename} dùng trường không có: {', '.join(unknown)}. Các trường có: "
                                       f"{', '.join(known)}.")
    _draw_sample(template, filename, paper)


WIDE = 10  # columns of the sample's tables: a template may print any cell of a row


def _sample(paper: str, template: DocxTemplate) -> dict[str, Any]:
    """Fields of every kind a paper can have (a heading, a table, an annex, a co-signer), to draw a template with."""
    if paper == CERTIFICATE_PAPER:
        return {"certificates": [{key: ["CHỦ TỊCH"] if key == "signer_lines" else label
                                  for key, label in CERTIFICATE_FIELDS.items()}]}
    row = [str(i) for i in range(WIDE)]
    return context(Official(
        paper=paper, parent="UBND", issuer="Phòng", number="Số: 1/TTr", place="Nơi", day=date(2026, 1, 1),
        kind="TỜ TRÌNH", summary="Về việc", body=[Heading("Tiêu đề"), "Nội dung"], table=(row, [row]),
        closing=[Heading("Tiêu đề"), "Kết"], recipients=["Lưu: VT"], co_signer=("THƯ KÝ", "Tên"),
        signer_title="HIỆU TRƯỞNG", signer_name="Tên", annex=("PHỤ LỤC", row, [row])), template)


def _draw_sample(template: DocxTemplate, filename: str, paper: str) -> None:
    """The template drawn once with a sample of every field, every name tdkt does not fill an error (an attribute
    or an item as much as a field: {{ part.txt }}, {{ c.ho_ten }})."""
    try:
        template.render(_sample(paper, template), jinja_env=Environment(undefined=StrictUndefined), autoescape=True)
    except UndefinedError as exc:
        name = re.search(r"attribute '([^']+)'", str(exc))
        prefix = "c." if paper == CERTIFICATE_PAPER else ""
        known = [prefix + key for key in CERTIFICATE_FIELDS] if paper == CERTIFICATE_PAPER else \
            ["part.text", "part.heading"]
        raise Refused("unknown_field", f"Mẫu {filename} dùng trường không có: {prefix}{name[1] if name else exc}. "
                                       f"Các trường có: {', '.join(known)}.") from exc
    except TemplateError as exc:
        raise Refused("bad_template", f"Mẫu {filename} không lập được giấy tờ thử: {exc}.") from exc


def install(paper: str, content: bytes, filename: str) -> Path:
    """Check the template, then make it the paper's (written whole, so a paper drawn meanwhile sees the old one or
    the new one, never half of it)."""
    if paper not in PAPERS:
        raise Refused("unknown_paper", f"Không có giấy tờ '{paper}'. Có: {', '.join(PAPERS)}.")
    check(content, filename, paper)
    folder = get_settings().templates_dir
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, suffix=".part")
    with os.fdopen(handle, "wb") as out:
        out.write(content)
    target = folder / f"{paper}.docx"
    os.replace(temporary, target)
    return target


def remove(paper: str) -> bool:
    """Back to tdkt's own layout for the paper; whether there was a template to remove."""
    path = own(paper)
    if path is None:
        return False
    path.unlink()
    return True


def starter(paper: str) -> bytes:
    """The template to start from: tdkt's own, every field in the place an official paper has it."""
    if paper not in PAPERS:
        raise Refused("unknown_paper", f"Không có giấy tờ '{paper}'. Có: {', '.join(PAPERS)}.")
    return shipped(paper).read_bytes()


def install_blank_layout(content: bytes, filename: str) -> Path:
    """The office's certificate positions (config.blank's schema): checked — each wrong field named with its line,
    in Vietnamese — then made the office's."""
    read_yaml(content, filename, BlankLayout, outside_page, what="Vị trí in trên phôi")
    target = own_layout_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)
    return target

