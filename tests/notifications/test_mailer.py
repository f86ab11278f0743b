"""The MIME bytes tdkt writes itself: what a mail reader parses out of them, and what crosses SMTP."""

from __future__ import annotations

import base64
import re
from email import message_from_bytes
from email.policy import default

import pytest

from benchmarks.smtp_sink import SmtpServer
from config.settings import get_settings
from notifications.mailer import build_message, send_all
from notifications.render import Email

SUBJECT = ("[Đợt 1 (cuối năm học)] Hồ sơ của Trường Phổ thông Dân tộc Bán trú Tiểu học và Trung học cơ sở "
           "Bản Lầu đã gửi hồ sơ đề nghị khen thưởng – 91/KH-UBND")
TEXT = "Kính gửi Hiệu trưởng,\n\n" + "Lò Văn Quý – Lao động tiên tiến; " * 40 + "\n"
HTML = "<p>Kính gửi <b>Hiệu trưởng</b>,</p>\n<p>" + "Lò Văn &lt;Quý&gt; – Chiến sĩ thi đua cơ sở; " * 40 + "</p>\n"
EMAIL = Email(to_email="hieutruong@banlau.edu.vn", to_name="Nguyễn Thị Ánh Tuyết (Hiệu trưởng)", subject=SUBJECT,
              text=TEXT, html=HTML)
SENDER = "Phòng GD&ĐT Mường Khương <thidua@muongkhuong.edu.vn>"


def test_a_mail_reader_reads_back_every_header_and_both_bodies() -> None:
    outgoing = build_message(EMAIL, message_id="<tdkt-outbox-7@muongkhuong.edu.vn>", sender=SENDER)
    assert (outgoing.sender, outgoing.recipient) == ("thidua@muongkhuong.edu.vn", "hieutruong@banlau.edu.vn")
    message = message_from_bytes(outgoing.data, policy=default)
    assert message["Subject"] == SUBJECT  # every space kept, the long subject folded and joined back
    assert message["From"].addresses[0].display_name == "Phòng GD&ĐT Mường Khương"
    assert message["To"].addresses[0].display_name == "Nguyễn Thị Ánh Tuyết (Hiệu trưởng)"
    assert message["To"].addresses[0].addr_spec == "hieutruong@banlau.edu.vn"
    assert message["Message-ID"] == "<tdkt-outbox-7@muongkhuong.edu.vn>" and message["Date"].datetime is not None
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
    assert message.get_body(("plain",)).get_content() == TEXT
    assert message.get_body(("html",)).get_content() == HTML
    assert not message.defects and all(not part.defects for part in message.walk())


def test_the_bytes_are_ascii_lines_ended_by_crlf_within_the_line_limits() -> None:
    data = build_message(EMAIL, message_id="<tdkt-outbox-8@x.invalid>", sender=SENDER).data
    data.decode("ascii")  # raises on any 8-bit byte
    assert b"\n" not in data.replace(b"\r\n", b"") and b"\r" not in data.replace(b"\r\n", b"")
    head, _, body = data.partition(b"\r\n\r\n")
    assert max(len(line) for line in head.split(b"\r\n")) <= 998  # RFC 5322's limit; the subject is folded
    assert max(len(line) for line in head.split(b"\r\n") if line.startswith((b"Subject", b" =?"))) <= 78
    assert max(len(line) for line in body.split(b"\r\n")) <= 76  # base64 lines


@pytest.mark.parametrize("subject", [
    SUBJECT, "", "Nhắc hạn", "Đ" * 60, "ả" * 45, "a" * 38 + "ệ" + "b" * 50, "Trường 𝐀𝐁𝐂 🏫 " * 8,
])
def test_the_subject_is_whole_characters_in_each_encoded_word(subject: str) -> None:
    """Each encoded word decodes on its own (no character cut between two), and a reader joins them back."""
    outgoing = build_message(Email(to_email="a@x.invalid", to_name="A", subject=subject, text="t", html="h"),
                             message_id="<tdkt-outbox-9@x.invalid>", sender=SENDER)
    head = outgoing.data.partition(b"\r\n\r\n")[0].decode("ascii")
    folded = re.search(r"^Subject: (.*?)\r\n(?! )", head, re.S | re.M)
    assert folded is not None
    words = re.findall(r"=\?utf-8\?b\?([A-Za-z0-9+/=]*)\?=", folded.group(1))
    assert "".join(base64.b64decode(word).decode("utf-8") for word in words) == subject
    assert max(len(line) for line in f"Subject: {folded.group(1)}".split("\r\n")) <= 78
    assert message_from_bytes(outgoing.data, policy=default)["Subject"] == subject


def test_a_message_crosses_smtp_whole_and_is_addressed_by_its_envelope(smtp: SmtpServer) -> None:
    messages = [build_message(EMAIL, message_id=f"<tdkt-outbox-{i}@x.invalid>", sender=SENDER) for i in (1, 2, 3)]
    outcomes: list[tuple[str, Exception | None]] = []
    send_all(messages, get_settings(), lambda key, error: outcomes.append((key, error)))
    assert sorted(outcomes, key=lambda o: o[0]) == [(m.message_id, None) for m in messages]
    assert sorted(smtp.inbox.message_ids()) == [m.message_id for m in messages]
    received = smtp.inbox.messages[0]
    assert received["Subject"] == SUBJECT
    assert received.get_body(("plain",)).get_content() == TEXT
