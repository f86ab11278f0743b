"""The dev mailbox: emails written to var/mailbox/ when no SMTP server is configured (embedded mode only)."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default
from email.utils import parsedate_to_datetime

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from config.settings import get_settings
from notifications.mailer import mailbox_files
from tdkt.common.timefmt import fmt_datetime
from web.pages import message, page

router = APIRouter()


def _local(header: str | None) -> str:
    """An email's Date header as the pages show a moment: local time, dd/mm/yyyy."""
    try:
        return fmt_datetime(parsedate_to_datetime(header or ""))
    except (TypeError, ValueError):
        return header or ""


@router.get("/mailbox", response_class=HTMLResponse)
def mailbox() -> Response:
    """The newest 200 emails of the dev mailbox."""
    if get_settings().environment != "embedded":
        return message(404, "Không có trang này", "Hộp thư demo chỉ có ở chế độ demo.")
    mails = [message_from_bytes(p.read_bytes(), policy=default) for p in reversed(mailbox_files())]
    return page("mailbox.html", mails=[{"to": m["To"], "subject": m["Subject"], "date": _local(m["Date"]),
                                        "body": body.get_content() if (body := m.get_body(("plain",))) else ""}
                                       for m in mails[:200]])
