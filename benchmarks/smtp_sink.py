"""A real SMTP server (aiosmtpd) on loopback that keeps what it receives: in memory, or as JSON lines.

In memory for the tests (`SmtpServer`); as its own process for the benchmark (`python -m benchmarks.smtp_sink
PORT FILE`), so that receiving thousands of emails does not share the measured process's interpreter.
Addresses containing 'bad' are refused with 550 (the tests use them to provoke a permanent failure).

The journal keeps each message as it arrived, one JSON string per line; `read_journal` parses them when the
benchmark reads them. Parsing on arrival cost the server 0.6 of its 1.5 ms of CPU per message (measured), on
the two cores the measured processes share with it, and each email's delivery waited for it.
"""

from __future__ import annotations

import itertools
import json
import re
import signal
import socket
import sys
import threading
from collections.abc import Iterator
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.policy import default
from email.utils import parseaddr
from pathlib import Path
from typing import Any, TextIO

from aiosmtpd.controller import Controller

LINK = re.compile(r"https?://\S+?/l/[A-Za-z0-9_\-.]+")


class Inbox:
    """What the server received: parsed, in memory; or, with `journal`, written there as it arrived."""

    def __init__(self, journal: TextIO | None = None) -> None:
        self.messages: list[EmailMessage] = []
        self.journal = journal

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]  # noqa: N802
        if "bad" in address:
            return "550 5.1.1 Không có hộp thư này"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        content = envelope.original_content or envelope.content
        if self.journal is None:
            self.messages.append(message_from_bytes(content, policy=default))
        else:
            self.journal.write(json.dumps(content.decode("latin-1")) + "\n")  # every byte kept as one character
            self.journal.flush()
        return "250 Message accepted for delivery"

    def message_ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.messages]


def summary(content: bytes) -> dict[str, Any]:
    """Message-ID, recipient, subject and the action link of an email, if it has one. Parsed with compat32
    (the `default` policy's header parser costs milliseconds a message, and this server receives thousands)."""
    message = message_from_bytes(content)
    plain = next((part for part in message.walk() if part.get_content_type() == "text/plain"), None)
    payload = plain.get_payload(decode=True) if plain is not None else None
    text = payload.decode(plain.get_content_charset() or "utf-8") if isinstance(payload, bytes) and plain else ""
    found = LINK.search(text)
    return {"id": message["Message-ID"], "to": parseaddr(str(message["To"]))[1],
            "subject": str(make_header(decode_header(message["Subject"] or ""))),
            "link": found.group(0) if found else None}


def _entries(journal: Path) -> Iterator[str]:
    """The journal's lines, one message each, one in memory at a time."""
    if journal.exists():
        with journal.open(encoding="utf-8") as lines:
            yield from (line for line in lines if line.strip())


def read_journal(journal: Path, since: int = 0) -> Iterator[dict[str, Any]]:
    """The summary of each message of a journal, in the order received, from message number `since` on (those
    before it are not parsed)."""
    return (summary(json.loads(line).encode("latin-1")) for line in itertools.islice(_entries(journal), since, None))


def journal_size(journal: Path) -> int:
    """How many messages the journal holds, without parsing them."""
    return sum(1 for _ in _entries(journal))


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
