"""Whatever a school types — names, positions, figures, dates, council counts — the service layer either takes
it or refuses it in Vietnamese (Refused); nothing else is raised, and a refusal leaves nothing half-written."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, col, func, select

from config.vocabulary import SubjectKind
from models.nomination import Nomination, Nominee
from models.vote import CouncilVote
from tdkt import services
from tdkt.common.errors import Refused
from tests.factories import make_district

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
TEXT = st.text(st.characters(codec="utf-8"), max_size=260) | st.sampled_from(
    ["Lò\x08Văn", "Nguye\u0302\u0303n", "\u202eHoa", "=HYPERLINK(\"http://x\")", "", " ", "a" * 5000])


def _counts(session: Session) -> tuple[int, int, int]:
    return tuple(session.exec(select(func.count()).select_from(t)).one()  # type: ignore[return-value]
                 for t in (Nomination, Nominee, CouncilVote))


@pytest.fixture
def dossier_id(session: Session) -> int:
    district = make_district(session, blocks=1, schools_per_block=1)
    dossier = services.open_dossier(session, phase_id=district.phase_id, school_id=district.schools[0].id or 0)
    session.commit()
    return dossier.id or 0


@FUZZ
@given(name=TEXT, position=TEXT, kind=st.sampled_from(list(SubjectKind)),
       title=st.sampled_from(["LDTT", "TTLDTT", "CSTDCS", "GK_HUYEN", "NOPE", ""]),
       figures=st.dictionaries(st.sampled_from(["total", "completed", "LDTT", "CSTDCS", "disciplined", "x"]),
                               st.integers(min_value=-10, max_value=10**12), max_size=5),
       born=st.none() | st.dates(min_value=date(1, 1, 1)), code=st.none() | TEXT)
def test_a_nominee_as_typed(session: Session, dossier_id: int, name: str, position: str, kind: SubjectKind,
                            title: str, figures: dict[str, int], born: date | None, code: str | None) -> None:
    before = _counts(session)
    try:
        services.add_nomination(session, dossier_id=dossier_id, full_name=name, kind=kind, title_code=title,
                                position=position, figures=figures, birth_date=born, identity_code=code)
    except Refused as refusal:
        assert refusal.message.strip()
        session.rollback()
        assert _counts(session) == before
        return
    stored = session.exec(select(Nominee).order_by(col(Nominee.id).desc())).first()
    assert stored is not None and stored.full_name == stored.full_name.strip() and "\x08" not in stored.full_name
    session.rollback()


@FUZZ
@given(held_on=st.dates(min_value=date(1, 1, 1)), total=st.integers(-5, 10**9), present=st.integers(-5, 10**9),
       votes=st.tuples(st.integers(-5, 10**9), st.integers(-5, 10**9)))
def test_a_council_vote_as_typed(session: Session, dossier_id: int, held_on: date, total: int, present: int,
                                 votes: tuple[int, int]) -> None:
    nomination = services.add_nomination(session, dossier_id=dossier_id, full_name="Lò Văn Quý",
                                         kind=SubjectKind.individual, title_code="LDTT")
    before = _counts(session)
    try:
        services.record_vote(session, dossier_id=dossier_id, held_on=held_on, members_total=total,
                             members_present=present, tallies={nomination.id or 0: votes})
    except Refused as refusal:
        assert refusal.message.strip()
        assert _counts(session) == before  # the meeting is not written when a count is refused
    session.rollback()
