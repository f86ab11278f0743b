"""Certificates (Giấy khen, Bằng khen, danh hiệu) for each nominee a signed decision granted: one DOCX per
nominee, and one merged DOCX (a page each) for printing, packed in a ZIP — drawn through the certificate's
template (the shipped giay-khen.docx, or an office's own) — and the lines alone for pre-printed blanks."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import Any

from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from sqlmodel import Session, col, func, select

from config.blank import PAGES, BlankLayout, blank_layout
from config.rules import Title
from config.vocabulary import Occasion
from models.decision import Decision, DecisionEntry, decision_entries
from models.unit import Person, Unit
from tdkt.common.errors import Refused
from tdkt.common.text import fold, printable
from tdkt.common.timefmt import fmt_date
from tdkt.documents.layout import FONT, QUOC_HIEU, TIEU_NGU, centered, date_line, page_break, page_setup, written_out
from tdkt.documents.papers import Setting, holder, place_for, setting, signs_as
from tdkt.documents.templates import CERTIFICATE_PAPER, printable_fields, render_paper


@dataclass(frozen=True)
class Certificate:
    filename: str
    fields: dict[str, Any]  # templates.CERTIFICATE_FIELDS (those a pre-printed blank leaves to fill: config.blank's)




def _register_start(session: Session, decision: Decision) -> int:
    """How many certificates the issuer entered in its register this year before this decision's: the register
    numbers run on across the year's decisions."""
    earlier = (select(func.count()).select_from(DecisionEntry)
               .join(Decision, col(Decision.id) == DecisionEntry.decision_id)
               .where(Decision.issuer_unit_id == decision.issuer_unit_id, Decision.year == decision.year,
                      col(Decision.id) < decision.id))
    return session.exec(earlier).one()


def _feat(s: Setting, title: Title | None, name: str) -> str:
    """What the certificate says was achieved, without repeating its heading."""
    year = f"năm học {s.campaign.school_year}"
    if title is None or title.kind == "danh_hieu":
        return f"Đạt danh hiệu “{name}” {year}"
    if s.phase.occasion == Occasion.ad_hoc:
        return f"Đã có thành tích đột xuất, {year}"
    return f"Đã có thành tích xuất sắc trong {s.phase_words}"


def _pages(session: Session, decision: Decision) -> list[Certificate]:
    issuer, signer = session.get(Unit, decision.issuer_unit_id), session.get(Person, decision.signer_id)
    assert issuer is not None and signer is not None
    s = setting(session, decision.phase_id)
    office_holder, place = holder(issuer), place_for(session, issuer)
    start = _register_start(session, decision)
    certificates = []
    for i, entry in enumerate(decision_entries(session, decision_id=decision.id or 0), 1):
        title = s.rules.titles.get(entry.title_code)
        commends = title is not None and title.kind == "khen_thuong"
        heading = "GIẤY KHEN" if commends and "giấy khen" in entry.title_name.lower() else entry.title_name.upper()
        detail = f"{entry.position}, {entry.unit_name}" if entry.position else \
            entry.unit_name if entry.nominee_name != entry.unit_name else ""
        fields = {"quoc_hieu": QUOC_HIEU, "tieu_ngu": TIEU_NGU,
                  "grantor": f"{office_holder} {written_out(issuer.name).upper()}",
                  "verb": "TẶNG" if commends else "CÔNG NHẬN", "heading": heading, "name": entry.nominee_name,
                  "detail": detail, "feat": _feat(s, title, entry.title_name),
                  "decision": f"Quyết định số {decision.number} ngày {fmt_date(decision.signed_on)}",
                  "register": f"Số vào sổ: {start + i}/{decision.year}", "school_year": s.campaign.school_year,
                  "date_line": date_line(place, decision.signed_on),
                  "signer_lines": signs_as(office_holder, signer).splitlines(), "signer_name": signer.full_name}
        slug = "-".join(fold(entry.nominee_name).split())
        certificates.append(Certificate(filename=f"{i:03d}-{slug}.docx", fields=fields))
    return certificates


# (text, bold, size in points) of a certificate's lines, centred; size 0: a tag of docxtpl's
CERTIFICATE_LINES = (
    ("{{ c.quoc_hieu }}", True, 13), ("{{ c.tieu_ngu }}", True, 14), ("", False, 14), ("{{ c.grantor }}", True, 16),
    ("{{ c.verb }}", True, 16), ("{{ c.heading }}", True, 30), ("{{ c.name }}", True, 22),
    ("{%p if c.detail %}", False, 0), ("{{ c.detail }}", False, 14), ("{%p endif %}", False, 0),
    ("{{ c.feat }}", False, 14), ("{{ c.decision }}", False, 13), ("{{ c.register }}", False, 12), ("", False, 14),
    ("{{ c.date_line }}", False, 13), ("{%p for line in c.signer_lines %}", False, 0), ("{{ line }}", True, 14),
    ("{%p endfor %}", False, 0), ("", False, 30), ("{{ c.signer_name }}", True, 14))


def template() -> bytes:
    """The layout of tdkt's certificate template, built (`make templates`): a page per certificate `c` of
    `certificates`, every line centred."""
    doc = Document()
    page_setup(doc)
    doc.add_paragraph("{%p for c in certificates %}")
    for text, bold, size in CERTIFICATE_LINES:
        if size:
            centered(doc, text, bold=bold, size=size, space_before=Pt(4).pt)
        else:  # a docxtpl tag: its paragraph goes when the template is drawn
            doc.add_paragraph(text)
    doc.add_paragraph("{%p if not loop.last %}")
    page_break(doc)
    for tag in ("{%p endif %}", "{%p endfor %}"):
        doc.add_paragraph(tag)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _render(pages: list[Certificate]) -> bytes:
    fields = {"certificates": [printable_fields(c.fields) for c in pages]}
    return render_paper(CERTIFICATE_PAPER, lambda _template: fields)


def _on_blank(pages: list[Certificate], layout: BlankLayout) -> bytes:
    """Only the lines a pre-printed blank leaves to fill, each in a frame at its place on the page (the office's
    positions, config.blank), a page per certificate."""
    doc = Document()
    section = doc.sections[0]
    width, height = PAGES[layout.page]
    section.page_width, section.page_height = Mm(width), Mm(height)
    section.top_margin = section.bottom_margin = section.left_margin = section.right_margin = Mm(0)
    for index, certificate in enumerate(pages):
        if index:
            page_break(doc)
        for name, spot in layout.spots.items():
            paragraph = doc.add_paragraph()
            run = paragraph.add_run(printable(certificate.fields.get(name, "")))  # the blank's spots: text fields
            run.bold, run.font.name, run.font.size = spot.bold, FONT, Pt(spot.size)
            frame = OxmlElement("w:framePr")
            for key, value in (("w", Mm(spot.width_mm).twips), ("x", Mm(spot.x_mm).twips),
                               ("y", Mm(spot.y_mm).twips), ("hAnchor", "page"), ("vAnchor", "page"),
                               ("wrap", "notBeside")):
                frame.set(qn(f"w:{key}"), str(value))
            paragraph._p.get_or_add_pPr().insert(0, frame)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def certificates_zip(session: Session, *, decision_id: int) -> bytes:
    """A ZIP of one DOCX per granted nominee, tat-ca.docx with all of them a page each, and in-tren-phoi.docx: their
    lines alone, placed for the office's pre-printed blanks."""
    decision = session.get(Decision, decision_id)
    if decision is None:
        raise Refused("not_found", f"Không tìm thấy quyết định số {decision_id}.")
    pages = _pages(session, decision)
    if not pages:
        raise Refused("nothing_granted", "Quyết định này không có ai được khen thưởng.")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for certificate in pages:
            archive.writestr(certificate.filename, _render([certificate]))
        archive.writestr("tat-ca.docx", _render(pages))
        archive.writestr("in-tren-phoi.docx", _on_blank(pages, blank_layout()))
    return out.getvalue()
