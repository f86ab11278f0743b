"""Render a notification: pure, (event, context) -> Email, from Jinja2 templates (HTML and plain text)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).resolve().parent / "templates"

SUBJECTS = {
    "dossier_submitted": "[{phase}] {school} đã gửi hồ sơ đề nghị khen thưởng",
    "dossier_forwarded": "[{phase}] Hồ sơ của {school} chờ xét duyệt",
    "dossier_returned": "[{phase}] Hồ sơ của {school} bị trả lại để bổ sung",
    "dossier_approved": "[{phase}] Hồ sơ của {school} đã được Phòng GD&ĐT duyệt",
    "dossier_rejected": "[{phase}] Hồ sơ của {school} không được đề nghị khen thưởng",
    "dossier_verified": "[{phase}] Hồ sơ của {school} đã được thẩm định",
    "decision_requested": "[{phase}] Hồ sơ của {school} chờ quyết định khen thưởng",
    "dossier_forwarded_higher": "[{phase}] Hồ sơ của {school} đã được đề nghị cấp trên khen thưởng",
    "decision_issued": "[{phase}] Quyết định khen thưởng cho {school}",
    "reminder": "[{phase}] Nhắc hạn: {stage} – {unit}",
    "escalation": "[{phase}] Quá hạn: {stage} – {unit}",
    "daily_digest": "Hồ sơ chờ xử lý ngày {day} – {unit}",
    "registration_forwarded": "Đăng ký thi đua của {block}",
    "invitation": "Mời sử dụng hệ thống Thi đua – Khen thưởng – {recipient_unit}",
}


@dataclass(frozen=True)
class Email:
    to_email: str
    to_name: str
    subject: str
    text: str
    html: str


@lru_cache
def environment() -> Environment:
    """Templates are part of the installed code: compiled once per process, never checked for changes on disk
    (a stat of each file for every email otherwise)."""
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "html.j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )


VERDICTS = {"approve": "Đồng ý", "return_for_revision": "Trả lại để bổ sung", "reject": "Không đồng ý",
            "forward_higher": "Đề nghị cấp trên khen thưởng", None: ""}


def render(event: str, context: dict[str, Any], *, to_email: str, to_name: str) -> Email:
    """Subject says campaign phase and unit; bodies come from `<event>.txt.j2` and `<event>.html.j2`.

    The context is the outbox row's JSON: its lists hold dicts, which the templates read as `n["name"]` (Jinja
    reads `n.name` by trying an attribute first and catching the error)."""
    if event not in SUBJECTS:
        raise KeyError(f"unknown notification event: {event}")
    values = {**context, "recipient": to_name, "verdict_labels": VERDICTS}
    subject = SUBJECTS[event].format(**context)
    if "campaign_number" in context:
        subject += f" – {context['campaign_number']}"
    env = environment()
    return Email(
        to_email=to_email, to_name=to_name, subject=subject,
        text=env.get_template(f"{event}.txt.j2").render(values),
        html=env.get_template(f"{event}.html.j2").render(values),
    )
