"""People: one record per staff member (or collective), found by identity, never guessed from a name alone.

A nominee is known by its mã định danh (or mã số viên chức) where the school gives it, else by its school, name
and date of birth. Two teachers of one name stay apart when either tells them apart; a teacher who moves school
is found by the code and keeps the award history that consecutive-year conditions read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from config.vocabulary import Sex, SubjectKind
from models.nomination import Nominee
from tdkt.common.errors import Refused
from tdkt.common.text import fold
from tdkt.common.timefmt import fmt_date

CODE = re.compile(r"[0-9A-Za-z][0-9A-Za-z.\-]{0,19}")


@dataclass(frozen=True)
class Identity:
    """Who is meant: the name as entered (NFC, trimmed) and whatever else the school gave."""

    full_name: str
    kind: SubjectKind
    birth_date: date | None = None
    identity_code: str | None = None


def identity_code(text: str | None) -> str | None:
    """A mã định danh / mã viên chức as entered, checked; None when empty."""
    code = (text or "").strip()
    if not code:
        return None
    if not CODE.fullmatch(code):
        raise Refused("bad_identity_code", f"Mã định danh '{code[:40]}' không hợp lệ: chỉ gồm chữ số, chữ cái "
                                           "không dấu, dấu chấm hoặc gạch ngang, tối đa 20 ký tự.")
    return code


@dataclass(frozen=True)
class Profile:
    """What the sector's statistics count of a person, where the school gave it (None: not given)."""

    sex: Sex | None = None
    direct_teaching: bool | None = None


YES, NO = {"co", "x", "1", "yes"}, {"khong", "0", "no"}


def sex(text: str | None) -> Sex | None:
    """'Nam' / 'Nữ' (any case, with or without diacritics); None when empty."""
    wanted = fold(text or "")
    if not wanted:
        return None
    found = next((value for value in Sex if fold(value.label) == wanted), None)
    if found is None:
        raise Refused("bad_sex", f"Giới tính '{(text or '')[:20]}' không rõ: ghi Nam hoặc Nữ.")
    return found


def direct_teaching(text: str | None) -> bool | None:
    """'Có' / 'x' or 'Không' for a teacher in direct teaching; None when empty."""
    wanted = fold(text or "")
    if not wanted:
        return None
    if wanted not in YES | NO:
        raise Refused("bad_teaching", f"Trực tiếp giảng dạy '{(text or '')[:20]}' không rõ: ghi Có (hoặc x) hay "
                                      "Không.")
    return wanted in YES


def profile(sex_read: object, teaching_read: object) -> Profile:
    """A profile from a row's cells as `sex` and `direct_teaching` read them (a cell that failed: not given)."""
    return Profile(sex_read if isinstance(sex_read, Sex) else None,
                   teaching_read if isinstance(teaching_read, bool) else None)


def find(session: Session, *, school_id: int, who: Identity) -> Nominee | None:
    """The record of the person meant, or None when there is none yet; Refused when the school's records cannot
    tell which one is meant, or the code belongs to someone else."""
    if who.identity_code:
        known = session.exec(select(Nominee).where(Nominee.identity_code == who.identity_code)).first()
        if known is not None:
            return _same_person(known, who)
    query = select(Nominee).where(Nominee.unit_id == school_id, Nominee.full_name == who.full_name,
                                  Nominee.kind == who.kind)
    if who.identity_code:
        query = query.where(col(Nominee.identity_code).is_(None))  # another code is another person
    namesakes = list(session.exec(query.order_by(col(Nominee.id))).all())
    if who.birth_date is not None:
        born = [n for n in namesakes if n.birth_date == who.birth_date]
        namesakes = born or [n for n in namesakes if n.birth_date is None]
    if len(namesakes) > 1:
        dates = ", ".join(fmt_date(n.birth_date) if n.birth_date else "chưa ghi ngày sinh" for n in namesakes)
        raise Refused("ambiguous_person", f"Trường có {len(namesakes)} người tên {who.full_name} ({dates}): hãy ghi "
                                          "ngày sinh hoặc mã định danh để biết là ai.")
    return namesakes[0] if namesakes else None


def _same_person(known: Nominee, who: Identity) -> Nominee:
    if known.full_name != who.full_name or (who.birth_date and known.birth_date
                                           and known.birth_date != who.birth_date):
        raise Refused("identity_mismatch", f"Mã định danh {who.identity_code} đã được ghi cho {known.full_name}"
                                           f"{' (sinh ' + fmt_date(known.birth_date) + ')' if known.birth_date else ''}"
                                           f", không phải {who.full_name}: hãy kiểm tra lại mã.")
    return known


def person_for(session: Session, *, school_id: int, who: Identity, position: str | None = None,
               recruited_on: date | None = None, profile: Profile = Profile()) -> Nominee:
    """The person's record, created when new; what the school now gives fills what was unknown (or, for the
    profile, replaces what it said before), and a person found by code at another school has moved here (the
    record, and so its history, moves along)."""
    nominee = find(session, school_id=school_id, who=who)
    if nominee is None:
        nominee = Nominee(kind=who.kind, full_name=who.full_name, position=position, unit_id=school_id,
                          birth_date=who.birth_date, identity_code=who.identity_code, recruited_on=recruited_on,
                          sex=profile.sex, direct_teaching=profile.direct_teaching)
        session.add(nominee)
        session.flush()
        return nominee
    nominee.sex = profile.sex or nominee.sex
    nominee.direct_teaching = nominee.direct_teaching if profile.direct_teaching is None else profile.direct_teaching
    nominee.unit_id = school_id
    nominee.birth_date = nominee.birth_date or who.birth_date
    nominee.identity_code = nominee.identity_code or who.identity_code
    nominee.recruited_on = recruited_on or nominee.recruited_on
    nominee.position = position or nominee.position
    session.add(nominee)
    return nominee
