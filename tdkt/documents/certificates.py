"""Certificates (Giấy khen, Bằng khen, danh hiệu) for each nominee a signed decision granted: one DOCX per
nominee, and one merged DOCX (a page each) for printing, packed in a ZIP."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from sqlmodel import Session, col, func, select

from config.blank import PAGES, BlankLayout, blank_layout
from config.rules import Title
from config.vocabulary import Occasion, UnitKind
from models.decision import Decision, DecisionEntry, decision_entries
from models.unit import Person, Unit
from tdkt.common.errors import Refused
from tdkt.common.text import fold, printable
from tdkt.common.timefmt import fmt_date
from tdkt.documents.layout import FONT, QUOC_HIEU, TIEU_NGU, centered, date_line, page_break, page_setup, written_out
from tdkt.documents.papers import SIGNERS, Setting, setting, signs_as


@dataclass(frozen=True)
class Certificate:
    filename: str
    lines: Sequence[tuple[str, bool, float]]  # (text, bold, size), centred, one page
    fields: dict[str, str]  # what a pre-printed blank leaves to fill, by config.blank's names


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
    return f"Đã có thành tích xuất sắc trong {s.phase.name[:1].lower() + s.phase.name[1:]}, {year}"


def _pages(session: Session, decision: Decision) -> list[Certificate]:
    issuer, signer = session.get(Unit, decision.issuer_unit_id), session.get(Person, decision.signer_id)
    assert issuer is not None and signer is not None
    s = setting(session, decision.phase_id)
    office_holder = SIGNERS.get(UnitKind(issuer.kind), "THỦ TRƯỞNG")
    start = _register_start(session, decision)
    certificates = []
    for i, entry in enumerate(decision_entries(session, decision_id=decision.id or 0), 1):
        title = s.rules.titles.get(entry.title_code)
        commends = title is not None and title.kind == "khen_thuong"
        heading = "GIẤY KHEN" if commends and "giấy khen" in entry.title_name.lower() else entry.title_name.upper()
        detail = f"{entry.position}, {entry.unit_name}" if entry.position else \
            entry.unit_name if entry.nominee_name != entry.unit_name else ""
        whom = [(entry.nominee_name, True, 22), *([(detail, False, 14)] if detail else [])]
        fields = {"name": entry.nominee_name, "detail": detail, "feat": _feat(s, title, entry.title_name),
                  "decision": f"Quyết định số {decision.number} ngày {fmt_date(decision.signed_on)}",
                  "register": f"Số vào sổ: {start + i}/{decision.year}",
                  "date_line": date_line(s.place, decision.signed_on), "signer_name": signer.full_name}
        lines = [(QUOC_HIEU, True, 13), (TIEU_NGU, True, 14), ("", False, 14),
                 (f"{office_holder} {written_out(issuer.name).upper()}", True, 16),
                 ("TẶNG" if commends else "CÔNG NHẬN", True, 16), (heading, True, 30), *whom,
                 (fields["feat"], False, 14), (fields["decision"], False, 13), (fields["register"], False, 12),
                 ("", False, 14), (fields["date_line"], False, 13),
                 *((line, True, 14) for line in signs_as(office_holder, signer).splitlines()), ("", False, 30),
                 (signer.full_name, True, 14)]
        slug = "-".join(fold(entry.nominee_name).split())
        certificates.append(Certificate(filename=f"{i:03d}-{slug}.docx", lines=lines, fields=fields))
    return certificates


def _render(pages: list[Certificate]) -> bytes:
    doc = Document()
    page_setup(doc)
    for index, certificate in enumerate(pages):
        if index:
            page_break(doc)
        for text, bold, size in certificate.lines:
            centered(doc, text, bold=bold, size=size, space_before=Pt(4).pt)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


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
            run = paragraph.add_run(printable(certificate.fields.get(name, "")))
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
