"""`tdkt live`: the sample district on today's calendar, served in a browser with the scheduler running.

The sample campaign is moved in time (its first phase under way, the schools' deadline two weeks ahead), so
everything can be done for real: schools submit from their pages, blocks forward, reviewers act from the links
in the emails (the dev mailbox shows them), and the decision is published on the public results page.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass
from datetime import timedelta

from rich.console import Console
from sqlmodel import Session, col, select

from config.route import default_route
from config.settings import get_settings
from config.vocabulary import UnitKind
from models.db import migrate, session_scope, utcnow
from models.unit import Person, Unit
from tdkt.cli.demo import SAMPLE, fresh_database, register_year
from tdkt.common.timefmt import local_today
from tdkt.services.links import SIGN_IN_LIFETIME, sign_in_token
from tdkt.services.sample import load_sample


@dataclass(frozen=True)
class SignIn:
    who: str
    person: str
    email: str
    url: str


def sign_in_url(person: Person) -> str:
    token = sign_in_token(person_id=person.id or 0, expires=utcnow() + SIGN_IN_LIFETIME)
    return f"{get_settings().base_url.rstrip('/')}/s/{token}"


def sample_sign_ins(session: Session) -> list[SignIn]:
    """One sign-in link per role of the sample: a member school, its block leader, and each office person."""
    route = default_route()
    block = session.exec(select(Unit).where(Unit.kind == UnitKind.block).order_by(col(Unit.id))).first()
    assert block is not None
    schools = session.exec(select(Unit).where(Unit.block_id == block.id).order_by(col(Unit.id))).all()
    member = next(s for s in schools if s.id != block.leader_school_id)
    chosen = [(f"Hiệu trưởng {member.name}", member.id), (f"Trưởng khối: {block.name}", block.leader_school_id)]
    people = [(who, session.exec(select(Person).where(Person.unit_id == unit_id)).one()) for who, unit_id in chosen]
    offices = session.exec(select(Person, Unit).join(Unit, col(Unit.id) == Person.unit_id)
                           .where(col(Unit.kind).not_in([UnitKind.school, UnitKind.block])).order_by(col(Person.id)))
    people += [(f"{route.role_label(p.role)} – {u.name}", p) for p, u in offices.all()]
    return [SignIn(who=who, person=p.full_name, email=p.email, url=sign_in_url(p)) for who, p in people]


def prepare(console: Console, *, fresh: bool) -> list[SignIn]:
    """A database holding the sample district with today's dates; returns the sign-in links."""
    if fresh:
        fresh_database(console)
    migrate()
    with session_scope() as session:
        campaign = load_sample(session, name=SAMPLE, today=local_today())
        register_year(session, campaign)
        console.print(f"Đã nạp huyện mẫu: {campaign.theme} ({campaign.school_year}), với đăng ký thi đua đầu năm "
                      "của các trường (mỗi trường đề nghị những người đã đăng ký).")
        return sample_sign_ins(session)


def print_sign_ins(console: Console, sign_ins: list[SignIn]) -> None:
    """One line per role, the link on its own line so it can be copied whole (no wrapping)."""
    console.print(f"[bold]Đường dẫn đăng nhập[/] (hiệu lực {SIGN_IN_LIFETIME.days} ngày, mở trong trình duyệt):")
    for s in sign_ins:
        console.print(f"• {s.who} – {s.person} <{s.email}>")
        console.print(f"  {s.url}", soft_wrap=True, highlight=False)


def serve(console: Console, sock: socket.socket, *, sweep_every: float) -> None:
    """The web app in this process on `sock` (from `web.server.listener`), with the scheduler (lease, sweeps) in a
    background thread."""
    from flows.scheduler import Clock, SchedulerProcess
    from web.server import serve as serve_web

    stop = threading.Event()
    process = SchedulerProcess(clock=Clock.real(), interval=sweep_every)
    thread = threading.Thread(target=process.run, args=(stop,), name="tdkt-scheduler", daemon=True)
    thread.start()
    base = get_settings().base_url.rstrip("/")
    console.print(f"Trang web: [bold]{base}/[/]  ·  hộp thư demo: {base}/mailbox  ·  công khai: {base}/ket-qua")
    console.print(f"Bộ lập lịch gửi thư mỗi {sweep_every:g} giây. Dừng: Ctrl+C.")
    try:
        serve_web(sock)
    finally:
        stop.set()
        thread.join(timeout=timedelta(minutes=1).total_seconds())
