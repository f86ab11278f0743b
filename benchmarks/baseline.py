"""The floors: the same transitions as bare SQL — insert an audit row, update the state, insert the outbox
rows — one transaction each, on the same PostgreSQL server, in the same run as tdkt's; and the same number of
emails sent by a plain smtplib loop to an SMTP server of the same kind."""

from __future__ import annotations

import smtplib
import time
from email.message import EmailMessage

import psycopg
from psycopg.types.json import Jsonb

SCHEMA = """
CREATE TABLE IF NOT EXISTS bare_dossier (id serial PRIMARY KEY, stage text NOT NULL, version int NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS bare_audit (id bigserial PRIMARY KEY, dossier_id int NOT NULL, action text NOT NULL,
    at timestamptz NOT NULL DEFAULT now(), detail jsonb NOT NULL);
CREATE TABLE IF NOT EXISTS bare_outbox (id bigserial PRIMARY KEY, dossier_id int NOT NULL, recipient text NOT NULL,
    event text NOT NULL, context jsonb NOT NULL);
"""


def transitions(url: str, *, count: int, outbox_per: int) -> float:
    """Seconds for `count` transitions writing `outbox_per` outbox rows each, one commit per transition."""
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute(SCHEMA)
        ids = [r[0] for r in conn.execute(
            "INSERT INTO bare_dossier (stage) SELECT 'a' FROM generate_series(1, %s) RETURNING id", (count,))]
        started = time.perf_counter()
        for dossier_id in ids:
            with conn.transaction():
                conn.execute("INSERT INTO bare_audit (dossier_id, action, detail) VALUES (%s, 'act', %s)",
                             (dossier_id, Jsonb({"round": 1})))
                conn.execute("UPDATE bare_dossier SET stage = 'b', version = version + 1 WHERE id = %s", (dossier_id,))
                for n in range(outbox_per):
                    conn.execute("INSERT INTO bare_outbox (dossier_id, recipient, event, context) "
                                 "VALUES (%s, %s, 'event', %s)", (dossier_id, f"r{n}@bare.test", Jsonb({"n": n})))
        return time.perf_counter() - started


def emails(host: str, port: int, *, count: int) -> float:
    """Seconds to send `count` emails like tdkt's (Vietnamese text and HTML, a few kilobytes) to the same kind
    of SMTP server with a plain smtplib loop over one connection: the floor's share of a stage's emails."""
    message = EmailMessage()
    message["From"], message["To"] = "Phòng GD&ĐT <thidua@bare.test>", "Hiệu trưởng <hieutruong@bare.test>"
    message["Subject"] = "Hồ sơ đề nghị khen thưởng đã được chuyển tới bước tiếp theo"
    body = "Kính gửi Hiệu trưởng,\n\n" + "Nguyễn Thị Hương — Lao động tiên tiến: đồng ý.\n" * 20
    message.set_content(body)
    message.add_alternative(f"<html><body><pre>{body}</pre></body></html>", subtype="html")
    started = time.perf_counter()
    with smtplib.SMTP(host, port, timeout=30) as smtp:
        for n in range(count):
            del message["Message-ID"]
            message["Message-ID"] = f"<bare-{n}@bare.test>"
            smtp.send_message(message)
    return time.perf_counter() - started
