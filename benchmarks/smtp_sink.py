"""A real SMTP server (aiosmtpd) on loopback that keeps what it receives: in memory, or as JSON lines.

In memory for the tests (`SmtpServer`); as its own process for the benchmark (`python -m benchmarks.smtp_sink
PORT FILE`), so that receiving thousands of emails does not share the measured process's interpreter.
Addresses containing 'bad' are refused with 550 (the tests use them to provoke a permanent failure).
"""

from __future__ import annotations

import json
import re
import signal
import socket
import sys
import threading
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any, TextIO

from aiosmtpd.controller import Controller

LINK = re.compile(r"https?://\S+?/l/[A-Za-z0-9_\-.]+")


class Inbox:
    """What the server received, parsed; with `journal`, one JSON line per message is written there too."""

    def __init__(self, journal: TextIO | None = None) -> None:
        self.messages: list[EmailMessage] = []
        self.journal = journal

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]  # noqa: N802
        if "bad" in address:
            return "550 5.1.1 Không có hộp thư này"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        message = message_from_bytes(envelope.original_content or envelope.content, policy=default)
        if self.journal is None:
            self.messages.append(message)  # type: ignore[arg-type]
        else:
            self.journal.write(json.dumps(summary(message), ensure_ascii=False) + "\n")
            self.journal.flush()
        return "250 Message accepted for delivery"

    def message_ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.messages]


def summary(message: Any) -> dict[str, Any]:
    """Message-ID, recipient, subject and the action link of an email, if it has one."""
    body = message.get_body(preferencelist=("plain",))
    found = LINK.search(body.get_content()) if body else None
    return {"id": message["Message-ID"], "to": message["To"].addresses[0].addr_spec, "subject": message["Subject"],
            "link": found.group(0) if found else None}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SmtpServer:
    def __init__(self, port: int, journal: TextIO | None = None) -> None:
        self.port = port
        self.inbox = Inbox(journal)
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller:
            self.controller.stop()
            self.controller = None


def main(port: int, journal: Path) -> None:
    """Serve until SIGTERM; the journal file is complete when the process has exited."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with journal.open("w", encoding="utf-8") as out:
        server = SmtpServer(port, out)
        server.start()
        print("ready", flush=True)
        stop.wait()
        server.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]), Path(sys.argv[2]))
