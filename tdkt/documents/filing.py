"""Every paper of a phase at once, for an office that files them: each school's tờ trình, biên bản and list, each
block's and each office's tờ trình, the proposal to the levels above, each decision with its annex and
certificates, and the reporting office's sơ kết — as (path, content), the paths grouped by who issued them; and
those of the school year as a whole (tổng kết, statistics)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from config.route import default_route
from config.vocabulary import UnitKind
from models.campaign import Campaign, Phase
from models.decision import Decision
from models.dossier import Dossier
from models.unit import Unit
from tdkt.common.errors import Refused
from tdkt.common.text import fold
from tdkt.documents import papers
from tdkt.documents.certificates import certificates_zip
from tdkt.documents.reports import office_report, reporting_office, year_statistics


@dataclass
class Filed:
    """The papers written, and those that could not be drawn yet, with why."""

    papers: list[tuple[str, bytes]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _slug(text: str) -> str:
    """'12/QĐ-UBND' → '12-qd-ubnd': a file name any office's computer accepts."""
    return "-".join("".join(c if c.isalnum() else " " for c in fold(text)).split())


def _drawer(session: Session, filed: Filed) -> Callable[..., None]:
    def draw(path: str, build: Callable[..., bytes], **args: object) -> None:
        try:
            filed.papers.append((path, build(session, **args)))
        except Refused as refusal:  # not drawn yet (no vote recorded, nothing proposed higher): said, not fatal
            filed.skipped.append(f"{path}: {refusal.message}")
    return draw


def phase_papers(session: Session, *, phase_id: int) -> Filed:
    filed = Filed()
    draw = _drawer(session, filed)

    dossiers = session.exec(select(Dossier).where(Dossier.phase_id == phase_id, col(Dossier.parent_id).is_(None))
                            .order_by(col(Dossier.id))).all()
    schools = {u.id: u for u in session.exec(select(Unit).where(
        col(Unit.id).in_([d.school_id for d in dossiers]))).all()}
    for dossier in dossiers:
        for name, (_, build, _) in papers.DOSSIER_PAPERS.items():
            draw(f"truong/{schools[dossier.school_id].code}/{name}", build, dossier_id=dossier.id)
    for block in session.exec(select(Unit).where(col(Unit.id).in_(
            sorted({s.block_id for s in schools.values() if s.block_id}))).order_by(col(Unit.id))):
        draw(f"khoi/{block.code}/to-trinh.docx", papers.block_proposal, block_id=block.id, phase_id=phase_id)
    route = default_route()
    reviewing = [kind for kind in UnitKind if kind.is_office and route.review_steps(kind)]
    for office in session.exec(select(Unit).where(col(Unit.kind).in_(reviewing)).order_by(col(Unit.id))):
        draw(f"{office.code}/to-trinh.docx", papers.office_proposal, phase_id=phase_id, office=office)
    draw("de-nghi-cap-tren/to-trinh.docx", papers.higher_proposal, phase_id=phase_id)
    for decision in session.exec(select(Decision).where(Decision.phase_id == phase_id).order_by(col(Decision.id))):
        folder = f"quyet-dinh/{_slug(decision.number)}"
        draw(f"{folder}/quyet-dinh.docx", papers.decision_document, decision_id=decision.id)
        draw(f"{folder}/phu-luc.xlsx", papers.decision_annex, decision_id=decision.id)
        draw(f"{folder}/giay-khen.zip", certificates_zip, decision_id=decision.id)
    if (reporter := reporting_office(session)) is not None:
        draw(f"{reporter.code}/bao-cao-so-ket.docx", office_report, office=reporter, phase_id=phase_id)
    return filed


def year_papers(session: Session, *, campaign: Campaign) -> Filed:
    """The school year's own: the reporting office's tổng kết and the year's statistics."""
    filed = Filed()
    draw = _drawer(session, filed)
    last = session.exec(select(Phase).where(Phase.campaign_id == campaign.id)
                        .order_by(col(Phase.number).desc())).first()
    if (reporter := reporting_office(session)) is not None and last is not None:
        draw("bao-cao-tong-ket.docx", office_report, office=reporter, phase_id=last.id, year=True)
    draw("thong-ke.xlsx", year_statistics, campaign_code=campaign.code)
    return filed
