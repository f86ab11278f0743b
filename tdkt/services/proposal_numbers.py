"""The number of a unit's tờ trình, given by its văn thư from the register of outgoing papers: the school's, the
block's (its leader's), an office's consolidated one, the UBND's proposal higher. tdkt prints it on the tờ trình
and a decision cites it ("tại Tờ trình số 15/TTr-NV ngày …"); until it is given the number is left blank."""

from __future__ import annotations

import re

from sqlmodel import Session, col, select

from config.vocabulary import UnitKind
from models.audit import record_change
from models.campaign import Phase
from models.paper import ProposalNumber
from models.unit import Person, Unit
from tdkt.common.errors import Refused
from tdkt.common.text import entered
from tdkt.common.timefmt import local, local_today

# Nghị định 30/2020 Phụ lục VI: "số/TTr-ký hiệu của cơ quan" (15/TTr-PGDĐT, 7/TTr-KTĐ)
NUMBER = re.compile(r"\d{1,6}/TTr-[^\s/]{1,30}(-[^\s/]{1,30})*")


def may_number(person: Person, unit: Unit) -> bool:
    """A unit's own people number its tờ trình; a block's, the people of its leader school."""
    return person.unit_id == unit.id or (unit.kind == UnitKind.block and person.unit_id == unit.leader_school_id)


def number_proposal(session: Session, *, phase_id: int, unit: Unit, number: str,
                    actor: Person | None = None) -> ProposalNumber:
    """Record (or correct) the number of the unit's tờ trình of the phase; Refused with the reason when it is not
    of the form số/TTr-ký hiệu, the unit has already given it this calendar year to another tờ trình (a unit's
    numbers run from 01 on 1 January to 31 December: Nghị định 30/2020/NĐ-CP, Phụ lục I — so a school year's
    two halves may each have a 15, two campaigns of one year may not), or `actor` is not one of the unit's. An
    audit event says who gave which number."""
    text = entered("Số tờ trình", number, max_length=40, required=True)
    if not NUMBER.fullmatch(text):
        raise Refused("bad_number", f"Số tờ trình '{text}' không đúng dạng số/TTr-ký hiệu (ví dụ 15/TTr-PGDĐT).")
    phase = session.get(Phase, phase_id)
    if phase is None:
        raise Refused("not_found", f"Không có đợt số {phase_id}.")
    if actor is not None and not may_number(actor, unit):
        raise Refused("forbidden", f"Chỉ người của {unit.name} ghi số tờ trình của đơn vị.")
    year = local_today().year
    taken = next((name for name, at in session.exec(
        select(Phase.name, ProposalNumber.entered_at).join(ProposalNumber, col(ProposalNumber.phase_id) == Phase.id)
        .where(ProposalNumber.unit_id == unit.id, ProposalNumber.number == text, ProposalNumber.phase_id != phase_id))
        if local(at).year == year), None)
    if taken is not None:
        raise Refused("number_taken", f"Số {text} đã ghi cho tờ trình {taken} của {unit.name} trong năm {year}; số văn "
                                      "bản của đơn vị đánh liên tục trong năm, không dùng lại.")
    row = session.exec(select(ProposalNumber).where(ProposalNumber.phase_id == phase_id,
                                                    ProposalNumber.unit_id == unit.id)).first()
    before = row.number if row else None
    row = row or ProposalNumber(phase_id=phase_id, unit_id=unit.id or 0, number=text)
    row.number, row.entered_by = text, actor.id if actor else None
    session.add(row)
    session.flush()
    if actor is not None:
        record_change(session, actor=actor, action="number_proposal", detail={
            "phase": phase_id, "unit": unit.code, "before": before, "after": text})
    return row
