"""The words the route and the rule sets are written in: kinds of unit, dossier statuses, subjects and papers.

They live here, in the configuration's leaf, so that `config/` reads its YAML without importing the models;
the models store these values in their columns."""

from __future__ import annotations

from enum import StrEnum


class UnitKind(StrEnum):
    school = "school"
    block = "block"
    phong_gddt = "phong_gddt"
    phong_noi_vu = "phong_noi_vu"
    ubnd_huyen = "ubnd_huyen"
    ubnd_xa = "ubnd_xa"
    phong_vhxh = "phong_vhxh"
    so_gddt = "so_gddt"
    so_noi_vu = "so_noi_vu"
    ubnd_tinh = "ubnd_tinh"

    @property
    def is_office(self) -> bool:
        """An administrative office (Phòng, Sở, UBND): neither a school nor an emulation block."""
        return self not in (UnitKind.school, UnitKind.block)


class DossierStatus(StrEnum):
    """The dossier's coarse status; its exact place is `stage`, which the route config names."""

    draft = "draft"
    in_review = "in_review"
    returned = "returned"
    decided = "decided"
    rejected = "rejected"
    forwarded_higher = "forwarded_higher"


class SubjectKind(StrEnum):
    individual = "individual"
    collective = "collective"


class Sex(StrEnum):
    """A person's sex as the sector's statistics count it (giới tính)."""

    male = "male"
    female = "female"

    @property
    def label(self) -> str:
        return {"male": "Nam", "female": "Nữ"}[self]


class Occasion(StrEnum):
    """Why a phase (đợt) proposes: the plan's regular phases, a theme (khen thưởng chuyên đề), or a feat that
    cannot wait for a phase (khen thưởng đột xuất)."""

    regular = "regular"
    thematic = "thematic"
    ad_hoc = "ad_hoc"

    @property
    def label(self) -> str:
        return {"regular": "Theo đợt", "thematic": "Khen thưởng chuyên đề", "ad_hoc": "Khen thưởng đột xuất"}[self]


PAPER_KINDS = {"to_trinh": "Tờ trình", "bien_ban": "Biên bản họp xét", "danh_sach": "Danh sách đề nghị",
               "bao_cao_thanh_tich": "Báo cáo thành tích", "sang_kien": "Giấy chứng nhận sáng kiến",
               "khac": "Giấy tờ khác"}
