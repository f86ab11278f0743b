"""The `tdkt` command line: every user action, through the same service layer and flows as the web pages."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from sqlmodel import Session, col, func, select

from config.route import Route, default_route, load_route
from config.rules import RuleSet, load_rules
from config.settings import CONFIG_DIR, get_settings
from config.vocabulary import Occasion, SubjectKind
from config.yaml_source import ConfigError
from models.audit import AuditEvent, verify
from models.campaign import Campaign, Phase, phase_rules
from models.db import migrate, session_scope
from models.dossier import Dossier
from models.nomination import Nomination
from models.outbox import OutboxMessage, OutboxStatus
from models.unit import Person, Unit, get_unit_by_code
from models.vote import Minutes
from tdkt import services
from tdkt.cli import usage
from tdkt.common import logs
from tdkt.common.errors import Refused
from tdkt.common.timefmt import fmt_datetime, local_today, parse_date, parse_moment, parse_time
from tdkt.services import people, plans, registration
from tdkt.services.sample import load_sample, read_sample, sample_names
from tdkt.workflow import members
from tdkt.workflow.checks import CHECKS
from tdkt.workflow.engine import Verdict

app = typer.Typer(help="Thi đua – Khen thưởng: hồ sơ đề nghị khen thưởng từ họp xét ở trường tới quyết định.",
                  no_args_is_help=True, pretty_exceptions_enable=False)


def _group(name: str, help_text: str) -> typer.Typer:
    """A group of commands: tdkt NAME …"""
    group = typer.Typer(help=help_text)
    app.add_typer(group, name=name)
    return group


config_app = _group("config", "Kiểm tra cấu hình.")
audit_app = _group("audit", "Nhật ký xử lý hồ sơ.")
registration_app = _group("registration", "Đăng ký thi đua đầu năm học.")
awards_app = _group("awards", "Lịch sử khen thưởng các năm.")
phase_app = _group("phase", "Các đợt thi đua của phong trào.")
units_app = _group("units", "Đơn vị: trường, khối thi đua, các phòng, UBND.")
staff_app = _group("staff", "Cán bộ, giáo viên của một đơn vị và tài khoản của họ.")
campaign_app = _group("campaign", "Kế hoạch thi đua của năm học: tạo từ tệp YAML, ghi ra, chép sang năm sau.")
console = Console()

AsEmail = Annotated[str, typer.Option("--as", help="Email của người thực hiện")]
At = Annotated[str | None, typer.Option("--at", help="Thời điểm thực hiện 'dd/mm/yyyy HH:MM' (mặc định: bây giờ)")]
CampaignOpt = Annotated[str | None, typer.Option("--campaign", help="Mã phong trào (mặc định: phong trào duy nhất)")]
PhaseOpt = Annotated[int, typer.Option("--phase", help="Số thứ tự đợt thi đua")]


@contextmanager
def refusals() -> Iterator[None]:
    """Print a refusal or a config error in Vietnamese and exit 1; nothing was written."""
    try:
        yield
    except Refused as exc:
        console.print(f"[bold red]Không thực hiện được:[/] {exc.message}")
        raise typer.Exit(1) from exc
    except ConfigError as exc:
        console.print(f"[bold red]{exc}[/]")
        raise typer.Exit(2) from exc


def find_campaign(session: Session, campaign_code: str | None) -> Campaign:
    campaigns = session.exec(select(Campaign)).all()
    if campaign_code:
        campaigns = [c for c in campaigns if c.code == campaign_code]
    if len(campaigns) != 1:
        codes = ", ".join(c.code for c in session.exec(select(Campaign)).all()) or "chưa có"
        raise Refused("campaign", f"Hãy chọn một phong trào bằng --campaign (có: {codes}).")
    return campaigns[0]


def find_phase(session: Session, campaign_code: str | None, number: int) -> Phase:
    campaign = find_campaign(session, campaign_code)
    phase = session.exec(select(Phase).where(Phase.campaign_id == campaign.id, Phase.number == number)).first()
    if phase is None:
        raise Refused("phase", f"Phong trào {campaign.code} không có đợt {number}.")
    return phase


@app.command()
def init(sample: Annotated[str | None, typer.Option(
             "--campaign", help="Nạp một phong trào mẫu theo kế hoạch gốc: muong-khuong, son-la, thu-thua, tra-vinh, "
                                "quang-hoa")] = None,
         today: Annotated[bool, typer.Option(help="Dời lịch của phong trào mẫu để đợt 1 đang diễn ra hôm nay")] = False,
         ) -> None:
    """Tạo hoặc nâng cấp cơ sở dữ liệu; có thể nạp một phong trào mẫu cùng đơn vị của nó."""
    with refusals():
        migrate()
        console.print(f"Cơ sở dữ liệu sẵn sàng: {get_settings().database_url}")
        if sample:
            with session_scope() as session:
                campaign = load_sample(session, name=sample, today=local_today() if today else None)
            console.print(f"Đã nạp phong trào mẫu [bold]{sample}[/]: {campaign.code} ({campaign.theme}).")


@config_app.command("validate")
def validate() -> None:
    """Kiểm tra tuyến xét duyệt, các bộ quy tắc và dữ liệu mẫu."""
    settings = get_settings()
    problems: list[str] = []
    checks: list[tuple[Path | str, Callable[[], object]]] = [(settings.route_file,
                                                               partial(load_route, settings.route_file, CHECKS))]
    checks += [(p, partial(load_route, p, CHECKS)) for p in sorted((CONFIG_DIR / "routes").glob("*.yaml"))]
    checks += [(p, partial(load_rules, p)) for p in sorted(settings.rules_dir.glob("*.yaml"))]
    checks += [(n, partial(read_sample, n)) for n in sample_names()]
    loaded: dict[Path | str, object] = {}
    for name, load in checks:
        try:
            loaded[name] = load()
            console.print(f"[green]✓[/] {name}")
        except ConfigError as exc:
            problems += exc.problems
    route = loaded.get(settings.route_file)
    if isinstance(route, Route):
        for warning in _authority_warnings(route, [r for r in loaded.values() if isinstance(r, RuleSet)]):
            console.print(f"[yellow]⚠ {warning}[/]")
    for problem in problems:
        console.print(f"[red]✗ {problem}[/]")
    raise typer.Exit(1 if problems else 0)


def _authority_warnings(route: Route, rule_sets: list[RuleSet]) -> list[str]:
    """Rule sets under which the route's decision could grant nothing: its signer's role is none of their
    grantors (a role renamed in the route, a rule set of another era), so decision_authority refuses every title."""
    signers = route.deciders()
    if not signers or not any("decision_authority" in action.checks for stage in route.stages.values()
                              for action in stage.actions.values()):
        return []
    return [f"tuyến {route.name}: người ký quyết định ({', '.join(signers.values())}, vai trò "
            f"{', '.join(signers)}) không có trong 'authorities' của bộ quy tắc {rules.id}; phong trào theo bộ quy "
            "tắc này không trình được danh hiệu nào lên quyết định" for rules in rule_sets
            if not signers.keys() & rules.authorities.keys()]


@awards_app.command("import")
def awards_import(file: Annotated[Path, typer.Option(help="Tệp .xlsx hoặc .csv: Họ và tên, Đơn vị, Danh hiệu, Năm học, "
                                                          "Số quyết định")], campaign: CampaignOpt = None) -> None:
    """Nhập lịch sử danh hiệu các năm trước (để xét điều kiện: năm liên tục, …); mọi dòng hoặc không dòng nào."""
    from config.rules import campaign_rules
    from tdkt.services.award_history import import_history

    with refusals(), session_scope() as session:
        found = session.get(Campaign, find_phase(session, campaign, 1).campaign_id)
        assert found is not None
        count = import_history(session, rules=campaign_rules(found), content=_read(file), filename=file.name)
        console.print(f"Đã nhập {count} danh hiệu vào lịch sử khen thưởng.")


@app.command()
def backup(out: Annotated[Path, typer.Option(help="Tệp .tar.gz sẽ ghi")]) -> None:
    """Sao lưu cơ sở dữ liệu và giấy tờ đã tải lên vào một tệp (kèm manifest: phiên bản lược đồ, số dòng, sha256)."""
    from tdkt.services.backup import backup as write_backup

    with refusals():
        manifest = write_backup(out)
    rows = sum(manifest.counts.values())
    files = sum(1 for name in manifest.sha256 if name.startswith("files/"))
    console.print(f"Đã sao lưu vào {out}: lược đồ {manifest.revision}, {rows} dòng dữ liệu, {files} tệp giấy tờ.")


@app.command()
def restore(archive: Annotated[Path, typer.Argument(help="Tệp sao lưu .tar.gz (tdkt backup)")]) -> None:
    """Khôi phục một bản sao lưu vào cơ sở dữ liệu trống (TDKT_DATABASE_URL); kiểm tra sha256 trước khi ghi."""
    from tdkt.services.backup import restore as read_backup

    if not archive.is_file():
        console.print(f"[bold red]Không thực hiện được:[/] Không tìm thấy tệp {archive}.")
        raise typer.Exit(1)
    with refusals():
        manifest = read_backup(archive)
    console.print(f"Đã khôi phục bản sao lưu ngày {manifest.created_at[:10]} (lược đồ {manifest.revision}, "
                  f"{sum(manifest.counts.values())} dòng). Kiểm tra nhật ký: tdkt audit verify.")


@app.command()
def certificates(decision: Annotated[int, typer.Option(help="Số thứ tự quyết định")],
                 out: Annotated[Path, typer.Option(help="Tệp .zip sẽ ghi")]) -> None:
    """Lập giấy khen cho từng người được khen thưởng trong quyết định (mỗi người một tệp, và một tệp gộp để in)."""
    from tdkt.documents.certificates import certificates_zip

    with refusals(), session_scope() as session:
        out.write_bytes(certificates_zip(session, decision_id=decision))
    console.print(f"Đã ghi {out}.")


@app.command()
def papers(out: Annotated[Path, typer.Option(help="Thư mục sẽ ghi")], phase: PhaseOpt = 1,
           year: Annotated[bool, typer.Option("--year", help="Mọi đợt của năm học, mỗi đợt một thư mục")] = False,
           campaign: CampaignOpt = None) -> None:
    """Ghi mọi giấy tờ của đợt (hoặc của cả năm học) để lưu: tờ trình, biên bản, danh sách của từng trường, tờ trình
    của khối và các phòng, các quyết định với phụ lục và giấy khen, báo cáo sơ kết; với --year thêm báo cáo tổng kết
    và thống kê của năm học."""
    from tdkt.documents.filing import phase_papers, year_papers

    with refusals(), session_scope() as session:
        owner = find_campaign(session, campaign)
        phases = session.exec(select(Phase).where(Phase.campaign_id == owner.id).order_by(col(Phase.number))).all() \
            if year else [find_phase(session, campaign, phase)]
        filed = [(p.name, out / f"dot-{p.number}" if year else out, phase_papers(session, phase_id=p.id or 0))
                 for p in phases]
        if year:
            filed.append((f"năm học {owner.school_year}", out, year_papers(session, campaign=owner)))
    for name, folder, done in filed:
        for path, content in done.papers:
            target = folder / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        console.print(f"Đã ghi {len(done.papers)} giấy tờ của {name} vào {folder}.")
        for line in done.skipped:
            console.print(f"[yellow]Chưa lập được[/] {line}")


@app.command("number")
def number_proposal(unit: Annotated[str, typer.Option("--unit", help="Mã đơn vị lập tờ trình (trường, khối, phòng, "
                                                                   "UBND)")],
                    number: Annotated[str, typer.Option("--number", help="Số tờ trình, ví dụ 15/TTr-PGDĐT")],
                    phase: PhaseOpt = 1, campaign: CampaignOpt = None,
                    actor: Annotated[str | None, typer.Option("--as", help="Email của người ghi số")] = None) -> None:
    """Ghi số tờ trình của đơn vị trong đợt (văn thư cho số khi vào sổ): in trên tờ trình, quyết định dẫn lại."""
    from tdkt.services.proposal_numbers import number_proposal as record

    with refusals(), session_scope() as session:
        found = find_phase(session, campaign, phase)
        owner = get_unit_by_code(session, code=unit)
        if owner is None:
            raise Refused("unknown_unit", f"Không có đơn vị mã '{unit}'.")
        given = record(session, phase_id=found.id or 0, unit=owner, number=number, actor=_by(session, actor))
        console.print(f"Đã ghi số tờ trình {given.number} của {owner.name}, {found.name}.")


@app.command()
def report(out: Annotated[Path, typer.Option(help="Tệp sẽ ghi: .xlsx (thống kê) hoặc .docx (báo cáo)")],
           phase: Annotated[int | None, typer.Option("--phase", help="Báo cáo sơ kết của đợt này (.docx)")] = None,
           office: Annotated[str | None, typer.Option(help="Mã phòng lập báo cáo (mặc định: phòng xét duyệt đầu "
                                                                 "tiên trên tuyến)")] = None,
           campaign: CampaignOpt = None) -> None:
    """Thống kê khen thưởng của năm học (.xlsx: theo danh hiệu, theo đơn vị, với tiền thưởng), hoặc báo cáo sơ kết
    một đợt (--phase) hay tổng kết năm học (.docx)."""
    from tdkt.documents.reports import office_report, reporting_office, year_statistics

    with refusals(), session_scope() as session:
        owner = find_campaign(session, campaign)
        if out.suffix.lower() != ".docx":
            out.write_bytes(year_statistics(session, campaign_code=owner.code))
            console.print(f"Đã ghi thống kê năm học {owner.school_year} vào {out}.")
            return
        reporter = get_unit_by_code(session, code=office) if office else reporting_office(session)
        if reporter is None or not reporter.kind.is_office:
            raise Refused("unknown_unit", f"Không có phòng mã '{office}'." if office else
                          "Chưa có phòng nào xét duyệt hồ sơ trên tuyến này; hãy nạp danh sách đơn vị.")
        found = find_phase(session, campaign, phase or 1)
        out.write_bytes(office_report(session, office=reporter, phase_id=found.id or 0, year=phase is None))
    console.print(f"Đã ghi báo cáo {'sơ kết ' + found.name if phase else 'tổng kết năm học'} vào {out}.")


@audit_app.command("verify")
def audit_verify(anchor: Annotated[Path | None, typer.Option(help="Tệp neo (tdkt audit anchor) để đối chiếu")] = None,
                 ) -> None:
    """Kiểm tra chuỗi băm của nhật ký: phát hiện sự kiện bị sửa, bị xóa hoặc chèn thêm; với --anchor, cả nhật
    ký bị cắt ngắn hay viết lại toàn bộ so với các mốc đã neo bên ngoài cơ sở dữ liệu."""
    from models.audit import verify_anchors
    from tdkt.services.anchors import read_anchors

    with refusals(), session_scope() as session:
        breaks = verify(session) + (verify_anchors(session, read_anchors(anchor)) if anchor else [])
        count = session.exec(select(func.count()).select_from(AuditEvent)).one()
    for found in breaks:
        console.print(f"[red]✗ {found.problem}[/]")
    if breaks:
        console.print(f"Nhật ký [bold red]không toàn vẹn[/]: {len(breaks)} chỗ sai trên {count} sự kiện.")
        raise typer.Exit(1)
    console.print(f"Nhật ký toàn vẹn: {count} sự kiện, chuỗi băm khớp từ đầu đến cuối"
                  f"{' và khớp các mốc neo' if anchor else ''}.")


@audit_app.command("anchor")
def audit_anchor(file: Annotated[Path | None, typer.Option(help="Tệp neo (mặc định TDKT_AUDIT_ANCHOR_FILE)")] = None,
                 ) -> None:
    """Ghi đầu chuỗi nhật ký ra một tệp ngoài cơ sở dữ liệu (nên đặt ở máy hoặc ổ khác)."""
    from tdkt.services.anchors import write_anchor

    path = file or get_settings().audit_anchor_file
    with refusals(), session_scope() as session:
        written = write_anchor(session, path)
    console.print(f"Đã neo sự kiện số {written.seq} vào {path}.")


def _wanted(pairs: list[str], kind: SubjectKind) -> list[registration.Wanted]:
    try:
        return [registration.Wanted(name.strip(), kind, title.strip()) for name, title in
                (p.rsplit("=", 1) for p in pairs)]
    except ValueError as exc:
        raise Refused("bad_entry",
                      "Mỗi mục đăng ký có dạng 'Họ và tên=MÃ_DANH_HIỆU', ví dụ 'Lò Văn Quý=LDTT'.") from exc


@registration_app.command("set")
def registration_set(
    school: Annotated[str, typer.Option(help="Mã trường")],
    individual: Annotated[list[str], typer.Option(help="'Họ và tên=LDTT', lặp lại cho từng người")] = [],  # noqa: B006
    collective: Annotated[list[str], typer.Option(help="'Tên tập thể=TTLDTT', lặp lại")] = [],  # noqa: B006
    pledge: Annotated[str, typer.Option(help="Giao ước thi đua của trường")] = "", campaign: CampaignOpt = None,
) -> None:
    """Lập (hoặc thay) bản đăng ký thi đua của trường: tập thể, cá nhân và danh hiệu đăng ký."""
    with refusals(), session_scope() as session:
        unit, found = _school(session, school), find_phase(session, campaign, 1)
        wanted = _wanted(individual, SubjectKind.individual) + _wanted(collective, SubjectKind.collective)
        registration.register(session, campaign_id=found.campaign_id, school_id=unit.id or 0, wanted=wanted,
                              pledge=pledge)
        console.print(f"{unit.name}: đã đăng ký {len(wanted)} tập thể, cá nhân.")


@registration_app.command("submit")
def registration_submit(school: Annotated[str, typer.Option(help="Mã trường")], actor: AsEmail, at: At = None,
                        campaign: CampaignOpt = None) -> None:
    """Trường gửi bản đăng ký thi đua lên trường trưởng khối."""
    with refusals(), session_scope() as session:
        unit, found = _school(session, school), find_phase(session, campaign, 1)
        sent = registration.submit(session, campaign_id=found.campaign_id, school_id=unit.id or 0,
                                   actor=services.person(session, email=actor), now=parse_moment(at))
        console.print(f"{unit.name}: đã gửi đăng ký thi đua{' (trễ hạn)' if sent.late else ''}.")


@registration_app.command("forward")
def registration_forward(block: Annotated[str, typer.Option(help="Mã khối thi đua")], actor: AsEmail,
                         at: At = None, campaign: CampaignOpt = None) -> None:
    """Trường trưởng khối tổng hợp và chuyển đăng ký thi đua của khối lên Phòng GD&ĐT."""
    with refusals(), session_scope() as session:
        unit = get_unit_by_code(session, code=block)
        if unit is None:
            raise Refused("unknown_block", f"Không có khối thi đua mã '{block}'.")
        sent = registration.forward(session, campaign_id=find_phase(session, campaign, 1).campaign_id,
                                    block_id=unit.id or 0, actor=services.person(session, email=actor),
                                    now=parse_moment(at))
        console.print(f"{unit.name}: đã chuyển đăng ký thi đua của {len(sent)} trường lên Phòng GD&ĐT.")


def _existing(file: Path) -> Path:
    """A file given on the command line, or Refused saying it is not there."""
    if not file.is_file():
        raise Refused("no_file", f"Không tìm thấy tệp {file}.")
    return file


def _read(file: Path) -> bytes:
    return _existing(file).read_bytes()


def _school(session: Session, code: str) -> Unit:
    unit = get_unit_by_code(session, code=code)
    if unit is None:
        raise Refused("unknown_school", f"Không có trường mã '{code}'.")
    return unit


FigureOpt = Annotated[list[str], typer.Option(
    "--figure", help="Số liệu cá nhân của tập thể, lặp lại: total=40 (tổng số), completed=40 (hoàn thành nhiệm vụ), "
                     "LDTT=30, CSTDCS=3 (số người đạt danh hiệu), disciplined=0 (bị kỷ luật từ cảnh cáo)")]


def _figures(session: Session, dossier: Dossier, pairs: list[str]) -> members.Figures | None:
    """'LDTT=30' pairs as a collective's figures (Refused naming a malformed one)."""
    texts = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise Refused("bad_figure", f"Số liệu '{pair}' phải có dạng 'MÃ=SỐ NGƯỜI', ví dụ 'LDTT=30'.")
        texts[key.strip()] = value
    return members.read(phase_rules(session, phase_id=dossier.phase_id), texts)


@app.command()
def nominate(
    school: Annotated[str, typer.Option(help="Mã trường")],
    name: Annotated[str, typer.Option(help="Họ và tên / tên tập thể")],
    title: Annotated[str, typer.Option(help="Mã danh hiệu, ví dụ LDTT")], phase: PhaseOpt = 1,
    collective: Annotated[bool, typer.Option(help="Đề nghị cho tập thể")] = False,
    position: Annotated[str | None, typer.Option(help="Chức vụ")] = None,
    achievements: Annotated[str, typer.Option(help="Tóm tắt thành tích")] = "", campaign: CampaignOpt = None,
    initiative: Annotated[str | None, typer.Option(help="Tên sáng kiến được công nhận")] = None,
    figure: FigureOpt = [],  # noqa: B006
    birth_date: Annotated[str | None, typer.Option(help="Ngày sinh dd/mm/yyyy (phân biệt người trùng tên)")] = None,
    identity_code: Annotated[str | None, typer.Option(help="Mã định danh cá nhân hoặc mã số viên chức")] = None,
    recruited_on: Annotated[str | None, typer.Option(help="Ngày tuyển dụng dd/mm/yyyy")] = None,
    disciplined: Annotated[bool, typer.Option(help="Bị kỷ luật (khiển trách trở lên) trong năm học")] = False,
    sex: Annotated[str | None, typer.Option(help="Giới tính: Nam hoặc Nữ (thống kê năm học)")] = None,
    teaching: Annotated[str | None, typer.Option("--direct-teaching", help="Trực tiếp giảng dạy: Có hoặc Không")]
    = None,
) -> None:
    """Thêm một cá nhân hoặc tập thể vào hồ sơ của trường."""
    with refusals(), session_scope() as session:
        unit = _school(session, school)
        dossier = services.open_dossier(session, phase_id=find_phase(session, campaign, phase).id or 0,
                                        school_id=unit.id or 0)
        kind = SubjectKind.collective if collective else SubjectKind.individual
        nomination = services.add_nomination(session, dossier_id=dossier.id or 0, full_name=name, kind=kind,
                                             title_code=title, position=position, achievements=achievements,
                                             initiative=initiative, figures=_figures(session, dossier, figure),
                                             birth_date=parse_date(birth_date) if birth_date else None,
                                             identity_code=identity_code, disciplined=disciplined,
                                             recruited_on=parse_date(recruited_on) if recruited_on else None,
                                             profile=people.Profile(people.sex(sex), people.direct_teaching(teaching)))
        console.print(f"Hồ sơ số {dossier.id}: đã thêm đề nghị số {nomination.id} ({name}, {title}).")


@app.command()
def figures(nomination: Annotated[int, typer.Option(help="Số đề nghị (tdkt nominate in ra)")],
            figure: FigureOpt = []) -> None:  # noqa: B006
    """Ghi hoặc sửa số liệu cá nhân trong tập thể của một đề nghị (không có --figure: xóa số liệu)."""
    with refusals(), session_scope() as session:
        found = session.get(Nomination, nomination)
        dossier = session.get(Dossier, found.dossier_id) if found else None
        if dossier is None:
            raise Refused("not_found", f"Không tìm thấy đề nghị số {nomination}.")
        changed = services.set_member_figures(session, nomination_id=nomination,
                                              figures=_figures(session, dossier, figure))
        rules = phase_rules(session, phase_id=dossier.phase_id)
        text = members.describe(rules, changed.member_figures) or "chưa có số liệu"
        console.print(f"Đề nghị số {nomination}: {text}.")


@app.command(name="import")
def import_file(school: Annotated[str, typer.Option(help="Mã trường")],
                file: Annotated[Path, typer.Option(help="Tệp .xlsx hoặc .csv: Họ và tên, Chức vụ, Đơn vị, "
                                                        "Danh hiệu đề nghị, Thành tích")],
                phase: PhaseOpt = 1, campaign: CampaignOpt = None) -> None:
    """Nhập danh sách đề nghị khen thưởng của trường từ Excel/CSV (có lỗi thì không nhập dòng nào)."""
    from tdkt.services.importer import import_nominees

    with refusals(), session_scope() as session:
        unit, content = _school(session, school), _read(file)
        dossier = services.open_dossier(session, phase_id=find_phase(session, campaign, phase).id or 0,
                                        school_id=unit.id or 0)
        count = import_nominees(session, dossier_id=dossier.id or 0, content=content, filename=file.name)
    console.print(f"Hồ sơ số {dossier.id}: đã nhập {count} đề nghị từ {file.name}.")


@app.command()
def vote(
    dossier: Annotated[int, typer.Option(help="Số hồ sơ")], held_on: Annotated[str, typer.Option(help="dd/mm/yyyy")],
    members: Annotated[int, typer.Option(help="Tổng số thành viên Hội đồng")],
    present: Annotated[int, typer.Option(help="Số thành viên có mặt")],
    tally: Annotated[list[str], typer.Option(help="SỐ_ĐỀ_NGHỊ:ĐỒNG_Ý:KHÔNG_ĐỒNG_Ý, lặp lại cho từng người")],
    open_ballot: Annotated[bool, typer.Option(help="Biểu quyết công khai (mặc định: bỏ phiếu kín)")] = False,
    starts_at: Annotated[str, typer.Option("--time", help="Giờ họp HH:MM")] = "",
    place: Annotated[str, typer.Option(help="Địa điểm họp")] = "",
    chair: Annotated[str, typer.Option(help="Chủ trì: họ tên, chức vụ")] = "",
    secretary: Annotated[str, typer.Option(help="Thư ký: họ tên, chức vụ")] = "",
    absent: Annotated[str, typer.Option(help="Thành viên vắng mặt, lý do")] = "",
    counters: Annotated[str, typer.Option(help="Ban kiểm phiếu")] = "",
) -> None:
    """Ghi biên bản họp xét: giờ, địa điểm, chủ trì, thư ký, thành viên vắng, ban kiểm phiếu, số thành viên và kết
    quả bỏ phiếu từng người."""
    with refusals(), session_scope() as session:
        try:
            tallies = {int(a): (int(b), int(c)) for a, b, c in (t.split(":") for t in tally)}
        except ValueError as exc:
            raise Refused("bad_tally",
                          "Mỗi --tally phải có dạng SỐ_ĐỀ_NGHỊ:ĐỒNG_Ý:KHÔNG_ĐỒNG_Ý, ví dụ 12:10:2.") from exc
        minutes = Minutes(starts_at=parse_time(starts_at), place=place, chair=chair, secretary=secretary,
                          absent=absent, counters=counters)
        services.record_vote(session, dossier_id=dossier, held_on=parse_date(held_on), members_total=members,
                             members_present=present, tallies=tallies, secret_ballot=not open_ballot, minutes=minutes)
        console.print(f"Đã ghi biên bản họp xét cho hồ sơ số {dossier}.")


@app.command()
def submit(dossier: Annotated[int, typer.Option(help="Số hồ sơ")], actor: AsEmail, at: At = None) -> None:
    """Trường gửi hồ sơ (chạy luồng nộp hồ sơ)."""
    from flows.runtime import run
    from flows.submission import submission_flow
    from tasks.transition import Submission

    with refusals():
        result = run(submission_flow, [Submission(dossier_id=dossier, actor_email=actor)], parse_moment(at))
        _report(result["results"][0])


@app.command()
def forward(block: Annotated[str, typer.Option(help="Mã khối thi đua")], actor: AsEmail, phase: PhaseOpt = 1,
            campaign: CampaignOpt = None, at: At = None) -> None:
    """Trường trưởng khối tổng hợp và chuyển hồ sơ các trường trong khối."""
    from flows.aggregation import aggregation_flow
    from flows.runtime import run

    with refusals():
        with session_scope() as session:
            unit = get_unit_by_code(session, code=block)
            if unit is None:
                raise Refused("unknown_block", f"Không có khối thi đua mã '{block}'.")
            phase_id = find_phase(session, campaign, phase).id or 0
        result = run(aggregation_flow, unit.id or 0, phase_id, actor, parse_moment(at))
    for item in result["results"]:
        _report(item)


@app.command()
def act(
    dossier: Annotated[int, typer.Option(help="Số hồ sơ")], actor: AsEmail,
    action: Annotated[str | None, typer.Option(
        help="Hành động cho cả hồ sơ: approve, verify, return_for_revision, reject, forward_higher…")] = None,
    approve: Annotated[list[int], typer.Option(help="Số đề nghị được đồng ý")] = [],  # noqa: B006
    return_: Annotated[list[str], typer.Option("--return", help="SỐ_ĐỀ_NGHỊ:lý do — trả lại")] = [],  # noqa: B006
    reject: Annotated[list[str], typer.Option(help="SỐ_ĐỀ_NGHỊ:lý do — không đồng ý")] = [],  # noqa: B006
    forward: Annotated[list[int], typer.Option(help="Số đề nghị trình cấp trên khen thưởng")] = [],  # noqa: B006
    reason: Annotated[str | None, typer.Option(help="Lý do chung")] = None, at: At = None,
) -> None:
    """Người xét duyệt xử lý hồ sơ: cả hồ sơ (--action) hoặc từng người (--approve/--return/--reject/--forward)."""
    from flows.review import review_flow
    from flows.runtime import run

    verdicts: dict[int, Verdict] = {n: Verdict("approve") for n in approve}
    verdicts.update({n: Verdict("forward_higher") for n in forward})
    for verdict, items in (("return_for_revision", return_), ("reject", reject)):
        for item in items:
            number, _, why = item.partition(":")
            verdicts[int(number)] = Verdict(verdict, why.strip() or None)  # type: ignore[arg-type]
    from tasks.transition import Review

    review = Review(dossier_id=dossier, actor_email=actor, action=action, verdicts=verdicts or None, reason=reason)
    with refusals():
        for item in run(review_flow, [review], parse_moment(at))["results"]:  # a block's action moves the block
            _report(item)


@app.command()
def decide(actor: AsEmail, signed_on: Annotated[str, typer.Option(help="Ngày ký dd/mm/yyyy")], phase: PhaseOpt = 1,
           number: Annotated[str | None, typer.Option(help="Số quyết định, ví dụ 1234/QĐ-UBND")] = None,
           campaign: CampaignOpt = None, at: At = None) -> None:
    """Người có thẩm quyền ký quyết định khen thưởng cho các hồ sơ chờ quyết định của đợt (mỗi hình thức một
    quyết định, số tiếp nhau từ --number)."""
    from flows.decision import decision_flow
    from flows.runtime import run

    with refusals():
        with session_scope() as session:
            phase_id = find_phase(session, campaign, phase).id or 0
        result = run(decision_flow, phase_id, actor, parse_date(signed_on), number, parse_moment(at))
    for decision in result["decisions"]:
        console.print(f"Đã ban hành quyết định số [bold]{decision['number']}[/].")
    if not result["decisions"]:
        console.print("Các hồ sơ đã được quyết định; không có tập thể, cá nhân nào được khen thưởng.")


@app.command()
def status(phase: PhaseOpt = 1, campaign: CampaignOpt = None) -> None:
    """Bảng tình trạng hồ sơ của mọi trường trong đợt, và thư không gửi được."""
    with refusals(), session_scope() as session:
        found = find_phase(session, campaign, phase)
        rows = services.status_rows(session, phase_id=found.id or 0)
        failed = session.exec(select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.failed)).all()
    show_table(f"Tình trạng hồ sơ – {found.name}",
               ("Hồ sơ", "Trường", "Khối", "Bước", "Lần", "Đề nghị", "Được duyệt", "Trình cấp trên", "Trễ hạn",
                "Quá hạn"),
               [(str(r.dossier_id or "–"), r.school, r.block, r.stage, str(r.round or ""), str(r.nominations),
                 str(r.approved), str(r.forwarded or ""), "có" if r.late else "", "quá hạn" if r.overdue else "")
                for r in rows])
    for message in failed:
        console.print(f"[red]Thư không gửi được tới {message.recipient_email}: {message.last_error}[/]")


@app.command(name="history")
def show_history(dossier: Annotated[int, typer.Option(help="Số hồ sơ")]) -> None:
    """Lịch sử xử lý một hồ sơ (nhật ký kiểm tra)."""
    with refusals(), session_scope() as session:
        events = services.history(session, dossier_id=dossier)
    show_table(f"Lịch sử hồ sơ số {dossier}",
               ("Thời điểm", "Người thực hiện", "Hành động", "Từ bước", "Tới bước", "Lý do"),
               [(fmt_datetime(e["at"]), e["actor"], e["action"], e["from"], e["to"], e["reason"] or "")
                for e in events])


def show_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """A table on a terminal; piped or redirected, its title then one tab-separated line per row (a terminal's
    table squeezed into a pipe's 80 columns could not be read, nor cut or sorted)."""
    if console.is_terminal:
        table = Table(title=title)
        for column in columns:
            table.add_column(column)
        for row in rows:
            table.add_row(*row)
        console.print(table)
        return
    print(title)
    for row in (columns, *rows):
        print("\t".join(cell.replace("\t", " ").replace("\n", " ") for cell in row))


@app.command()
def outbox() -> None:
    """Gửi các thư đang chờ trong hộp thư đi."""
    from flows.delivery import delivery_flow
    from flows.runtime import run

    report = run(delivery_flow)
    console.print(f"Đã gửi {report['sent']}, chờ gửi lại {report['retrying']}, lỗi vĩnh viễn {report['failed']}.")


@app.command()
def deadline(key: Annotated[str, typer.Option(help="Mã hạn, ví dụ school_submission")],
             on: Annotated[str, typer.Option("--date", help="Ngày hết hạn dd/mm/yyyy")], phase: PhaseOpt = 1,
             campaign: CampaignOpt = None) -> None:
    """Đổi hạn của một bước trong đợt (nhắc hạn tự theo hạn mới)."""
    with refusals(), session_scope() as session:
        found = find_phase(session, campaign, phase)
        services.set_deadline(session, phase_id=found.id or 0, key=key, due_on=parse_date(on))
    console.print(f"Đã đặt hạn {key} của {found.name}: hết ngày {on}.")


OCCASIONS = {"dot-xuat": Occasion.ad_hoc, "chuyen-de": Occasion.thematic, "theo-dot": Occasion.regular}


@phase_app.command("add")
def phase_add(name: Annotated[str, typer.Option("--name", help="Tên đợt, ví dụ 'Khen thưởng đột xuất tháng 12'")],
              start: Annotated[str, typer.Option("--from", help="Từ ngày dd/mm/yyyy")],
              until: Annotated[str, typer.Option("--until", help="Đến ngày dd/mm/yyyy")],
              kind: Annotated[str, typer.Option("--kind", help="dot-xuat (khen thưởng đột xuất), chuyen-de hoặc "
                                                                "theo-dot")] = "dot-xuat",
              forms: Annotated[list[str] | None, typer.Option("--form", help="Mã danh hiệu, hình thức được đề nghị "
                                                                             "trong đợt (ghi nhiều lần)")] = None,
              deadlines: Annotated[list[str] | None, typer.Option(
                  "--deadline", help="Hạn một bước: mã=dd/mm/yyyy, ví dụ school_submission=15/12/2026")] = None,
              campaign: CampaignOpt = None) -> None:
    """Mở một đợt mới trong năm học: khen thưởng đột xuất, chuyên đề hoặc một đợt theo kế hoạch."""
    with refusals(), session_scope() as session:
        if kind not in OCCASIONS:
            raise Refused("bad_kind", f"Loại đợt '{kind}' không có; chọn: {', '.join(OCCASIONS)}.")
        due = {}
        for item in deadlines or []:
            key, sign, day = item.partition("=")
            if not sign:
                raise Refused("bad_deadline", f"Hạn '{item}' phải ghi dạng mã=dd/mm/yyyy.")
            due[key.strip()] = parse_date(day)
        owner = find_campaign(session, campaign)
        phase = plans.add_phase(session, campaign=owner, name=name, starts_on=parse_date(start),
                                ends_on=parse_date(until), deadlines=due, occasion=OCCASIONS[kind], forms=forms or [])
        console.print(f"Đã mở đợt {phase.number}: {phase.name} ({OCCASIONS[kind].label.lower()}).")


FileOpt = Annotated[Path, typer.Option("--file", help="Tệp .xlsx hoặc .csv")]
ByOpt = Annotated[str | None, typer.Option("--as", help="Email của người thực hiện (ghi vào nhật ký)")]


def _by(session: Session, email: str | None) -> Person | None:
    return services.person(session, email=email) if email else None


@units_app.command("import")
def units_import(file: FileOpt, actor: ByOpt = None) -> None:
    """Nhập danh sách đơn vị (mã, tên, loại, khối, đơn vị quản lý, email): đủ mọi dòng hoặc không dòng nào."""
    from tdkt.services.units import import_units

    with refusals(), session_scope() as session:
        created, updated = import_units(session, content=_read(file), filename=file.name, actor=_by(session, actor))
    console.print(f"Đã nhập {created + updated} đơn vị ({created} mới, {updated} cập nhật).")


OutXlsx = Annotated[Path, typer.Option(help="Tệp .xlsx sẽ ghi")]


def _write_template(out: Path, build: Callable[[], bytes]) -> None:
    out.write_bytes(build())
    console.print(f"Đã ghi {out}.")


@units_app.command("template")
def units_template(out: OutXlsx) -> None:
    """Ghi tệp mẫu danh sách đơn vị để điền."""
    from tdkt.services.units import units_template as build

    _write_template(out, build)


@staff_app.command("import")
def staff_import(unit: Annotated[str, typer.Option("--unit", help="Mã đơn vị (trường, phòng)")],
                 file: FileOpt, actor: ByOpt = None) -> None:
    """Nhập danh sách cán bộ, giáo viên của đơn vị (họ tên, ngày sinh, mã định danh, chức vụ, giới tính, trực
    tiếp giảng dạy, email, vai trò): XLSX, hoặc CSV UTF-8, UTF-16, Windows-1258; đủ mọi dòng hoặc không dòng nào."""
    from tdkt.services.staff import import_staff

    with refusals(), session_scope() as session:
        count = import_staff(session, unit_code=unit, content=_read(file), filename=file.name,
                             actor=_by(session, actor))
    console.print(f"Đã nhập {count} người vào {unit}.")


@staff_app.command("template")
def staff_template(out: OutXlsx) -> None:
    """Ghi tệp mẫu danh sách cán bộ để điền."""
    from tdkt.services.staff import staff_template as build

    _write_template(out, build)


@campaign_app.command("create")
def campaign_create(file: Annotated[Path, typer.Option("--file", help="Tệp kế hoạch .yaml (như tdkt campaign "
                                                                      "export ghi ra)")],
                    issuer: Annotated[str, typer.Option("--issuer", help="Mã cơ quan ban hành kế hoạch")],
                    actor: ByOpt = None) -> None:
    """Tạo phong trào thi đua của năm học từ tệp kế hoạch: các đợt, hạn từng bước, chỉ tiêu, báo cáo."""
    from config.yaml_source import load_model

    with refusals(), session_scope() as session:
        plan = load_model(_existing(file), plans.CampaignSpec)
        unit = get_unit_by_code(session, code=issuer)
        if unit is None:
            raise Refused("unknown_unit", f"Không có đơn vị mã '{issuer}'.")
        campaign = plans.create_campaign(session, plan=plan, issuer=unit, actor=_by(session, actor))
        console.print(f"Đã tạo phong trào {campaign.code} ({campaign.school_year}) với {len(plan.phases)} đợt.")


@campaign_app.command("export")
def campaign_export(out: Annotated[Path, typer.Option(help="Tệp .yaml sẽ ghi")], campaign: CampaignOpt = None) -> None:
    """Ghi kế hoạch của phong trào ra tệp YAML (đọc lại được bằng tdkt campaign create)."""
    with refusals(), session_scope() as session:
        plan = plans.plan_of(session, campaign=find_campaign(session, campaign))
    out.write_text(plans.plan_yaml(plan), encoding="utf-8")
    console.print(f"Đã ghi kế hoạch {plan.code} vào {out}.")


@campaign_app.command("copy")
def campaign_copy(code: Annotated[str, typer.Option("--code", help="Mã phong trào năm học mới")],
                  campaign: CampaignOpt = None, actor: ByOpt = None) -> None:
    """Chép kế hoạch sang năm học sau: mọi ngày lùi một năm, cùng cơ quan ban hành và bộ quy tắc."""
    with refusals(), session_scope() as session:
        last = find_campaign(session, campaign)
        issuer = session.get(Unit, last.issuer_unit_id)
        assert issuer is not None
        copied = plans.create_campaign(session, plan=plans.next_year(plans.plan_of(session, campaign=last),
                                                                     code=code), issuer=issuer,
                                      actor=_by(session, actor))
        console.print(f"Đã tạo phong trào {copied.code} năm học {copied.school_year} từ {last.code}.")


@app.command()
def delegate(actor: AsEmail, to: Annotated[str, typer.Option("--to", help="Email của người được ủy quyền")],
             start: Annotated[str, typer.Option("--from", help="Từ ngày dd/mm/yyyy")],
             until: Annotated[str, typer.Option("--until", help="Đến ngày dd/mm/yyyy")]) -> None:
    """Ủy quyền khi vắng mặt: người thay nhận thư, đường dẫn, nhắc hạn và xử lý hồ sơ thay trong thời gian này."""
    with refusals(), session_scope() as session:
        person, substitute = services.person(session, email=actor), services.person(session, email=to)
        services.delegate(session, person=person, substitute=substitute, starts_on=parse_date(start),
                          ends_on=parse_date(until))
        console.print(f"{substitute.full_name} xử lý thay {person.full_name} từ {start} đến {until}.")


@app.command()
def digest(actor: AsEmail, off: Annotated[bool, typer.Option("--off", help="Trở lại nhận từng thư")] = False) -> None:
    """Nhận một thư tổng hợp mỗi ngày thay cho từng thư về hồ sơ chờ xử lý."""
    with refusals(), session_scope() as session:
        services.set_digest(session, person=services.person(session, email=actor), enabled=not off)
    console.print("Đã tắt thư tổng hợp hằng ngày." if off else "Đã bật thư tổng hợp hằng ngày.")


@app.command()
def sweep(at: At = None) -> None:
    """Chạy một lượt nhắc hạn, báo quá hạn, thư tổng hợp và gửi hộp thư đi (như bộ lập lịch)."""
    from flows.reminders import reminder_flow
    from flows.runtime import run
    from models.db import utcnow

    with refusals():
        report = run(reminder_flow, parse_moment(at) or utcnow())
    console.print(f"Nhắc hạn {report['reminders']}, báo quá hạn {report['escalations']}, thư tổng hợp "
                  f"{report['digests']}; đã gửi {report['sent_sent']} thư.")


@app.command()
def scheduler(
    fast_clock: Annotated[float, typer.Option(help="Đồng hồ nhanh: số giây mô phỏng cho mỗi giây thật")] = 1.0,
    start: Annotated[str | None, typer.Option("--from", help="Thời điểm mô phỏng bắt đầu 'dd/mm/yyyy HH:MM'")] = None,
    interval: Annotated[float, typer.Option(help="Số giây thật giữa hai lượt quét")] = 300.0,
    seconds: Annotated[float | None, typer.Option("--for", help="Dừng sau số giây thật này")] = None,
) -> None:
    """Chạy bộ lập lịch (nhắc hạn, báo quá hạn, thư tổng hợp); chỉ một tiến trình hoạt động nhờ khóa thuê."""
    import threading

    from flows.delivery import delivery_flow
    from flows.runtime import run
    from flows.scheduler import Clock, SchedulerProcess

    with refusals():
        simulated = parse_moment(start)
    run(delivery_flow)  # starts Prefect (embedded: ~10 s) before the clock does, and sends what is pending
    real = Clock.real()
    clock = Clock(real.real_start, simulated.timestamp() if simulated else real.simulated_start, fast_clock)
    process = SchedulerProcess(clock=clock, interval=interval)
    console.print(f"Bộ lập lịch {process.holder}: quét mỗi {interval:g} giây, đồng hồ x{fast_clock:g}.")
    stop = threading.Event()
    if seconds:
        timer = threading.Timer(seconds, stop.set)
        timer.daemon = True
        timer.start()
    try:
        process.run(stop, on_change=lambda active: console.print(
            "Đang hoạt động (giữ khóa)." if active else "Chờ: tiến trình khác đang giữ khóa."))
    except KeyboardInterrupt:
        stop.set()
    finally:
        console.print("Bộ lập lịch đã dừng.")


@app.command()
def deploy(pool: Annotated[str, typer.Option(help="Tên work pool của Prefect (tạo mới nếu chưa có)")] = "tdkt") -> None:
    """Đăng ký các luồng lên Prefect server (PREFECT_API_URL) để các worker chạy (TDKT_FLOW_MODE=deployments)."""
    from flows.deployment import deploy as deploy_flows

    for entrypoint in deploy_flows(pool):
        console.print(f"Đã triển khai {entrypoint} vào work pool '{pool}'.")
    console.print(f"Chạy worker: prefect worker start --pool {pool}")


@app.command()
def serve(host: Annotated[str, typer.Option(help="Địa chỉ lắng nghe")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="Cổng")] = 8000,
          workers: Annotated[int, typer.Option(min=1, help="Số tiến trình phục vụ")] = 1,
          keep_alive: Annotated[int, typer.Option(
              min=1, help="Số giây giữ kết nối rỗi (đặt dài hơn thời gian chờ của proxy phía trước)")] = 5) -> None:
    """Chạy các trang web của đường dẫn xét duyệt (TDKT_BASE_URL phải trỏ tới đây)."""
    from web.server import listener
    from web.server import serve as serve_web

    migrate()
    with refusals():
        sock = listener(host, port, workers=workers)
    mailbox = "; hộp thư demo: /mailbox" if get_settings().environment == "embedded" else ""
    console.print(f"Trang web: http://{host}:{port}/  ({workers} tiến trình{mailbox})")
    serve_web(sock, workers=workers, keep_alive=keep_alive)


@app.command()
def live(fresh: Annotated[bool, typer.Option(help="Xóa cơ sở dữ liệu SQLite demo trước khi chạy")] = False,
         host: Annotated[str, typer.Option(help="Địa chỉ lắng nghe")] = "127.0.0.1",
         port: Annotated[int, typer.Option(help="Cổng")] = 8000,
         sweep_every: Annotated[float, typer.Option(help="Số giây giữa hai lượt gửi thư, nhắc hạn")] = 15.0) -> None:
    """Nạp huyện mẫu theo lịch hôm nay, in đường dẫn đăng nhập cho từng vai trò, chạy trang web và bộ lập lịch."""
    import os
    import signal

    from tdkt.cli import prefect_server
    from web.server import listener

    if "TDKT_BASE_URL" not in os.environ:  # links in emails must point at this server
        os.environ["TDKT_BASE_URL"] = f"http://{host}:{port}"
        get_settings.cache_clear()
    with refusals():
        sock = listener(host, port)  # a port in use is refused before the sample is loaded
    server = None
    if "PREFECT_API_URL" not in os.environ:  # a Prefect server of the user's own is theirs to run
        try:
            server, ui = prefect_server.start()
            console.print(f"Lịch sử chạy các luồng (Prefect): [bold]{ui}[/]  (lưu ở var/prefect)")
        except RuntimeError as error:
            console.print(f"[yellow]Không chạy được máy chủ Prefect ({error}); dùng máy chủ tạm trong tiến trình.[/]")
    from tdkt.cli import live as live_server  # imports Prefect: after PREFECT_API_URL is set

    def interrupted(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt  # uvicorn raises SIGTERM again after its shutdown: stop as Ctrl+C stops

    signal.signal(signal.SIGTERM, interrupted)
    try:
        with refusals():
            sign_ins = live_server.prepare(console, fresh=fresh)
        live_server.print_sign_ins(console, sign_ins)
        live_server.serve(console, sock, sweep_every=sweep_every)
    finally:
        if server is not None:
            prefect_server.stop(server)


@app.command(name="sign-in-link")
def sign_in_link(actor: AsEmail) -> None:
    """In đường dẫn đăng nhập (30 ngày) cho một người; hành động vẫn qua đường dẫn dùng một lần."""
    from tdkt.cli.live import sign_in_url

    with refusals(), session_scope() as session:
        console.print(sign_in_url(services.person(session, email=actor)), soft_wrap=True)


@app.command()
def demo(fresh: Annotated[bool, typer.Option(help="Xóa cơ sở dữ liệu SQLite demo trước khi chạy")] = False,
         stop_after_forward: Annotated[bool, typer.Option(help="Dừng khi các khối đã chuyển hồ sơ lên Phòng")] = False,
         ) -> None:
    """Chạy trọn một đợt thi đua trên huyện mẫu Mường Khương, từ họp xét tới quyết định."""
    from tdkt.cli.demo import run_demo

    with refusals():
        run_demo(console, fresh=fresh, stop_after_forward=stop_after_forward)


def _report(result: dict[str, object]) -> None:
    route = default_route()
    late = " [yellow](trễ hạn)[/]" if result["late"] else ""
    console.print(f"Hồ sơ số {result['dossier_id']}: {route.stages[str(result['from_stage'])].label} → "
                  f"[bold]{route.stages[str(result['to_stage'])].label}[/]{late}")


def main() -> None:
    """The `tdkt` command (Click's own usage errors in Vietnamese: tdkt/cli/usage.py)."""
    try:
        settings = get_settings()
        logs.configure(production=settings.environment == "production", level=settings.log_level)
    except ValidationError:
        pass  # the command says what is wrong with the settings (usage.run)
    usage.run(app)
