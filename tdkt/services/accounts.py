"""Who administers what, and the accounts an office manages: an office's people administer the units of their
district (the subtree of their nearest UBND, or of their own office where there is none above it); they invite
people by email with a sign-in link and deactivate those who leave, their history kept. Every change is an audit
event in the same chain as the dossiers' (who, what, before → after)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select, update

from config.route import default_route
from config.vocabulary import UnitKind
from models.audit import record_change
from models.db import utcnow
from models.outbox import enqueue
from models.unit import Person, Unit, get_person_by_email
from models.web_session import WebSession
from notifications.outbox import INVITATION
from tdkt.common.errors import Refused
from tdkt.common.text import entered, fold
from tdkt.services.staff import is_school_year
from tdkt.services.units import EMAIL

ROOTS = (UnitKind.ubnd_huyen, UnitKind.ubnd_xa, UnitKind.ubnd_tinh)


def domain(session: Session, *, person: Person) -> list[Unit]:
    """The units the person administers, root first then by kind and name; none for a school's or a block's."""
    unit = session.get(Unit, person.unit_id)
    if unit is None or not unit.kind.is_office:
        return []
    root = unit
    while root.kind not in ROOTS and root.parent_id is not None:
        parent = session.get(Unit, root.parent_id)
        if parent is None or not parent.kind.is_office:
            break
        root = parent
    found, todo = [root], [root.id]
    while todo:
        children = session.exec(select(Unit).where(col(Unit.parent_id).in_(todo))).all()
        found += children
        todo = [c.id for c in children if c.kind.is_office or c.kind == UnitKind.block]
    return [found[0], *sorted(found[1:], key=lambda u: (u.kind == UnitKind.school, u.kind.value, u.name))]


def administers(session: Session, *, person: Person, unit_id: int) -> bool:
    return any(u.id == unit_id for u in domain(session, person=person))


def require(session: Session, *, person: Person, unit_id: int | None = None) -> list[Unit]:
    """The person's domain; Refused ("forbidden") when they administer nothing, or not `unit_id`."""
    units = domain(session, person=person)
    if not units:
        raise Refused("forbidden", "Chỉ cán bộ của Phòng, Sở hoặc UBND mới quản trị đơn vị, cán bộ và kế hoạch.")
    if unit_id is not None and all(u.id != unit_id for u in units):
        raise Refused("forbidden", "Đơn vị này không thuộc quyền quản trị của bạn.")
    return units


PAGE_SIZE = 50  # accounts a page of the administration lists


@dataclass(frozen=True)
class AccountPage:
    """One page of a district's accounts, by unit then name, with how many match in all."""

    rows: list[tuple[Person, Unit]]
    total: int
    page: int
    pages: int


def accounts_page(session: Session, *, units: list[Unit], search: str = "", page: int = 1) -> AccountPage:
    """The accounts of these units whose name, email or unit contains `search` (without regard to case or
    diacritics), a page of PAGE_SIZE at a time."""
    by_id = {u.id: u for u in units}
    rows = session.exec(select(Person).where(col(Person.unit_id).in_(list(by_id)))).all()
    wanted = fold(search)
    found = sorted(((p, by_id[p.unit_id]) for p in rows
                    if not wanted or wanted in fold(f"{p.full_name} {p.email} {by_id[p.unit_id].name}")),
                   key=lambda pu: (pu[1].name, pu[0].full_name))
    pages = max(1, -(-len(found) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    return AccountPage(rows=found[(page - 1) * PAGE_SIZE:page * PAGE_SIZE], total=len(found), page=page, pages=pages)


def _account(session: Session, *, actor: Person, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise Refused("not_found", f"Không có tài khoản số {person_id}.")
    require(session, person=actor, unit_id=person.unit_id)
    return person


def invite(session: Session, *, actor: Person, person_id: int) -> Person:
    """Email the person a sign-in link (issued when the email is sent, never stored)."""
    person = _account(session, actor=actor, person_id=person_id)
    if not person.active:
        raise Refused("inactive", f"{person.full_name} đã ngừng hoạt động: hãy kích hoạt lại trước khi mời.")
    unit = session.get(Unit, person.unit_id)
    enqueue(session, event=INVITATION, recipients=[(person.email, person.full_name)], context={
        "person_id": person.id, "recipient_unit": unit.name if unit else "", "inviter": actor.full_name,
        "role": default_route().role_label(person.role)})
    record_change(session, actor=actor, action="invite", detail={"person": person.email})
    return person


def set_active(session: Session, *, actor: Person, person_id: int, active: bool) -> Person:
    """Deactivate an account (it signs in no more, receives nothing, acts on nothing; its history stays) or
    reactivate it."""
    person = _account(session, actor=actor, person_id=person_id)
    if person.id == actor.id and not active:
        raise Refused("self", "Không thể tự ngừng hoạt động tài khoản của mình.")
    before, person.active = person.active, active
    session.add(person)
    if not active:  # every browser signed in as them is signed out
        session.execute(update(WebSession).where(col(WebSession.person_id) == person.id,
                                                 col(WebSession.ended_at).is_(None)).values(ended_at=utcnow()))
    record_change(session, actor=actor, action="deactivate" if not active else "reactivate",
                  detail={"person": person.email, "before": {"active": before}, "after": {"active": active}})
    return person


def edit(session: Session, *, actor: Person, person_id: int, full_name: str, email: str, role: str,
         unit_code: str, school_year: str = "") -> Person:
    """Correct an account: its name, email, role, unit (one of the actor's) and the school year its role holds
    for (every year when empty); an audit event before → after."""
    person = _account(session, actor=actor, person_id=person_id)
    units = {u.code: u for u in require(session, person=actor)}
    name = entered("Họ và tên", full_name, max_length=120, required=True)
    address = email.strip().lower()
    if not EMAIL.fullmatch(address):
        raise Refused("bad_email", f"'{address[:60]}' không phải địa chỉ email.")
    other = get_person_by_email(session, email=address)
    if other is not None and other.id != person.id:
        raise Refused("email_taken", f"{address} là email của {other.full_name}.")
    roles = default_route().roles
    if role not in roles:
        raise Refused("bad_role", f"Vai trò '{role}' không có trên tuyến; có: {', '.join(roles.values())}.")
    if unit_code not in units:
        raise Refused("forbidden", "Đơn vị này không thuộc quyền quản trị của bạn.")
    year = school_year.replace(" ", "") or None
    if year is not None and not is_school_year(year):
        raise Refused("bad_year", f"'{year[:20]}' không phải năm học dạng 2026-2027.")
    before = {"full_name": person.full_name, "email": person.email, "role": person.role, "unit": person.unit_id,
              "school_year": person.school_year}
    person.full_name, person.email, person.role, person.unit_id = name, address, role, units[unit_code].id or 0
    person.school_year = year
    session.add(person)
    record_change(session, actor=actor, action="edit_account", detail={
        "person": address, "before": before,
        "after": {"full_name": name, "email": address, "role": role, "unit": person.unit_id, "school_year": year}})
    return person


def edit_unit(session: Session, *, actor: Person, code: str, name: str, email: str) -> Unit:
    """Correct a unit's name and email (its place in the district: the units list); an audit event."""
    unit = next((u for u in require(session, person=actor) if u.code == code), None)
    if unit is None:
        raise Refused("forbidden", "Đơn vị này không thuộc quyền quản trị của bạn.")
    new_name = entered("Tên đơn vị", name, max_length=200, required=True)
    address = email.strip().lower() or None
    if address and not EMAIL.fullmatch(address):
        raise Refused("bad_email", f"'{address[:60]}' không phải địa chỉ email.")
    before = {"name": unit.name, "email": unit.email}
    unit.name, unit.email = new_name, address
    session.add(unit)
    record_change(session, actor=actor, action="edit_unit", detail={
        "unit": code, "before": before, "after": {"name": new_name, "email": address}})
    return unit
