"""Where a certificate's lines go on a pre-printed blank (phôi giấy khen): tdkt's default positions, or an
office's own file in TDKT_TEMPLATES_DIR, validated by the same schema."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from config.settings import CONFIG_DIR, get_settings
from config.yaml_source import load_model

PAGES = {"A4-landscape": (297.0, 210.0), "A4": (210.0, 297.0), "A5-landscape": (210.0, 148.0)}
DEFAULT = CONFIG_DIR / "blank-certificate.yaml"
OWN_NAME = "giay-khen-phoi.yaml"


class Spot(BaseModel):
    model_config = ConfigDict(extra="forbid")

    x_mm: float = Field(ge=0, le=297)
    y_mm: float = Field(ge=0, le=297)
    width_mm: float = Field(150, gt=10, le=297)
    size: float = Field(14, ge=6, le=48)
    bold: bool = False


class BlankLayout(BaseModel):
    model_config = ConfigDict(extra="forbid")

    page: Literal["A4-landscape", "A4", "A5-landscape"] = "A4-landscape"
    spots: dict[Literal["name", "detail", "feat", "decision", "register", "date_line", "signer_name"], Spot] = \
        Field(min_length=1)


def outside_page(layout: BlankLayout) -> list[tuple[tuple[str, ...], str]]:
    width, height = PAGES[layout.page]
    return [(("spots", name), f"nằm ngoài trang {layout.page} ({width:g} × {height:g} mm)")
            for name, spot in layout.spots.items() if spot.x_mm + 10 > width or spot.y_mm + 5 > height]


def read_layout(path: Path) -> BlankLayout:
    return load_model(path, BlankLayout, outside_page)


def own_layout_path() -> Path:
    return get_settings().templates_dir / OWN_NAME


def layout_path() -> Path:
    """The positions in use: the office's when it has set them, else tdkt's."""
    own = own_layout_path()
    return own if own.is_file() else DEFAULT


def blank_layout() -> BlankLayout:
    return read_layout(layout_path())
