"""Every page in Chromium at 390 px (a phone) and at 1280 px: no sideways scrolling, the vendored stylesheet
applied, and no serious or critical accessibility violation found by axe-core (vendored from npm)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session

from config.route import default_route
from models.dossier import Dossier
from models.unit import Person
from tdkt import services
from tdkt.cli.live import sign_in_url
from tdkt.common.timefmt import local_today
from tdkt.services import links
from tests.factories import make_district, prepare_dossier, submit_school
from tests.web.browser import Browser

AXE = (Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js").read_text()


def _pages(session: Session, server: str) -> tuple[list[tuple[str, str]], str]:
    """(name, address) of a page of each kind — a school's own dossier, the block leader's, a review, Nội vụ's, a
    link used, the signed-in home, dashboard, block approval and administration, the results, the dev mailbox, the
    refusals — and
    a review link left for the confirmation and result pages."""
    today = local_today()
    district = make_district(session, blocks=5, schools_per_block=1, deadlines={
        "school_submission": today + timedelta(days=5), "block_forward": today + timedelta(days=8),
        "phong_review": today + timedelta(days=12), "noivu_verification": today + timedelta(days=20)})
    verified, reviewed, confirmed, own, at_block = district.schools
    route, reviewer = default_route(), district.people["phong_reviewer"]
    at_phong = []
    for unit, block in zip((verified, reviewed, confirmed), district.blocks, strict=False):
        at_phong.append(submit_school(session, district, unit)[0])
        services.forward_block(session, block_id=block.id or 0, phase_id=district.phase_id,
                               actor=district.leader_of(block))
    own_id, _ = prepare_dossier(session, district, own)
    block_id, _ = submit_school(session, district, at_block)

    def link(person: Person, of: int) -> str:
        return f"{server}/l/{links.issue(session, person=person, dossier=session.get(Dossier, of), route=route)}"

    school, review, used = link(district.heads[own.id or 0], own_id), link(reviewer, at_phong[1]), link(
        reviewer, at_phong[0])
    leader = link(district.leader_of(district.blocks[4]), block_id)
    to_confirm = link(reviewer, at_phong[2])
    session.commit()
    services.act(session, dossier_id=at_phong[0], actor=reviewer, action="approve")  # `used` has moved on
    noivu = link(district.people["noivu_officer"], at_phong[0])
    session.commit()
    return [("index", f"{server}/"), ("school", school), ("leader", leader), ("review", review), ("noivu", noivu),
            ("moved_on", used), ("not_signed_in", f"{server}/home"), ("results", f"{server}/ket-qua"),
            ("mailbox", f"{server}/mailbox"), ("no_such_page", f"{server}/khong-co"),
            ("home", sign_in_url(reviewer)), ("dashboard", f"{server}/dashboard/{district.phase_id}"),
            ("read", f"{server}/ho-so/{at_phong[1]}"),
            ("bulk", f"{server}/dashboard/{district.phase_id}/khoi/{district.blocks[1].id}"),
            ("admin", f"{server}/quan-tri")], to_confirm


@pytest.mark.parametrize("width", [390, 1280])
def test_every_page_fits_the_screen_and_passes_axe(session: Session, server: str, browser: Browser, width: int,
                                                   artifacts: Path, db_url: str) -> None:
    backend = "postgresql" if db_url.startswith("postgresql") else "sqlite"
    browser.viewport(width)
    problems: dict[str, object] = {}

    def check(name: str) -> None:
        font = browser.eval("getComputedStyle(document.body).fontFamily")
        assert "Times" not in font and "system-ui" in font, f"{name}: the vendored stylesheet is not applied"
        overflow = browser.eval("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if overflow > 0:
            problems[f"{name} scrolls sideways by {overflow} px"] = browser.eval("""[...document.querySelectorAll(
                'body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1).slice(0, 5)
                .map(e => e.tagName + '.' + e.className)""")
        serious = [v for v in browser.axe(AXE) if v["impact"] in ("serious", "critical")]
        if serious:
            problems[f"{name}: axe"] = serious
        browser.screenshot(artifacts / f"layout-{name}-{width}-{backend}.png")

    pages, to_confirm = _pages(session, server)
    for name, address in pages:
        browser.goto(address, until="document.readyState === 'complete' && !!document.querySelector('main')")
        check(name)
    # the reviewer does not propose one nominee: the confirmation page, then the result page
    browser.goto(to_confirm, until="!!document.getElementById('submit-verdicts')")
    browser.eval("""document.querySelectorAll('input[type=radio][value=approve]').forEach(r => r.click());
        const first = document.querySelector('input[type=radio][value=reject]');
        first.click();
        document.querySelector('input[name=' + first.name.replace('verdict_', 'reason_') + ']').value = 'Chưa đủ';""")
    browser.click_through("Gửi ý kiến", "document.title.startsWith('Xác nhận')")
    check("confirm")
    browser.click_through("Xác nhận", "document.title === 'Đã ghi nhận'")
    check("done")
    assert problems == {}
