"""Send one rendered email: over SMTP when TDKT_SMTP_HOST is set, else into the local dev mailbox."""

from __future__ import annotations

import base64
import queue
import smtplib
import ssl
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP, default
from email.utils import formataddr, formatdate, parseaddr
from pathlib import Path

from config.settings import Settings, get_settings
from notifications.render import Email

CRLF = "\r\n"


class PermanentFailure(Exception):
    """The server refused the message for good (bad address, rejected content): retrying will not help."""


@dataclass(frozen=True)
class Outgoing:
    """One email ready for SMTP: its envelope and its bytes (RFC 5322, CRLF line ends, ASCII only)."""

    message_id: str
    sender: str  # envelope address
    recipient: str
    data: bytes


class _Folded(str):
    """A header value written as tdkt folds it, which `EmailMessage` then writes as it is (a header object with
    a `name` and a `fold`): Python 3.11's own folding of a long Vietnamese name put a space twice into it for a
    reader ("Tiểu  học")."""

    name: str
    folded: str

    def __new__(cls, name: str, value: str, folded: str) -> _Folded:
        header = super().__new__(cls, value)
        header.name, header.folded = name, folded
        return header

    def fold(self, *, policy: object) -> str:
        return f"{self.name}: {self.folded}{CRLF}"


def build_message(email: Email, *, message_id: str, sender: str) -> Outgoing:
    """The email as MIME bytes (`EmailMessage`): multipart/alternative, plain text then HTML, each UTF-8 in
    base64; the subject and the names as RFC 2047 encoded words of whole characters with their spaces inside."""
    sender_name, sender_address = parseaddr(sender)
    message = EmailMessage(policy=default)  # the bodies keep their own line ends inside base64, as readers expect
    message["From"] = _Folded("From", sender, _mailbox(sender_name, sender_address))
    message["To"] = _Folded("To", formataddr((email.to_name, email.to_email)), _mailbox(email.to_name, email.to_email))
    message["Subject"] = _Folded("Subject", email.subject, _encoded_words(email.subject))
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id
    message.set_content(email.text, cte="base64")
    message.add_alternative(email.html, subtype="html", cte="base64")
    return Outgoing(message_id=message_id, sender=sender_address, recipient=email.to_email,
                    data=message.as_bytes(policy=SMTP))


WORD_BYTES = 39  # "Subject: " and an encoded word of 39 bytes ("=?utf-8?b?", 52 base64 characters, "?=") make 73


def _encoded_words(text: str) -> str:
    """`text` as RFC 2047 encoded words (UTF-8 in base64), one per folded line, each of whole characters (a
    reader decodes each word on its own) and with the text's spaces inside them: a reader drops the white
    space between two encoded words."""
    data, words, start = text.encode("utf-8"), [], 0
    while start < len(data):
        end = min(start + WORD_BYTES, len(data))
        while end < len(data) and data[end] & 0xC0 == 0x80:  # inside a character: cut before it begins
            end -= 1
        words.append(f"=?utf-8?b?{base64.b64encode(data[start:end]).decode('ascii')}?=")
        start = end
    return f"{CRLF} ".join(words)


def _mailbox(name: str, address: str) -> str:
    """`Name <address>`, the address on a folded line of its own; a Vietnamese name is one encoded word, as
    `formataddr` writes it (split into several, Python's own parser reads a space between them)."""
    head, _, tail = formataddr((name, address), charset="utf-8").rpartition(" <")
    return f"{head}{CRLF} <{tail}" if head else tail


def _smtp(settings: Settings) -> smtplib.SMTP:
    if settings.smtp_security == "ssl":
        return smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout,
                                context=ssl.create_default_context())
    client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout)
    if settings.smtp_security == "starttls":
        client.starttls(context=ssl.create_default_context())
    return client


Outcome = Callable[[str, Exception | None], None]  # a message's id and its error (None: the server took it)


def send_all(messages: list[Outgoing], settings: Settings, on_outcome: Outcome) -> None:
    """Send over TDKT_SMTP_CONNECTIONS connections at once, handing each message's outcome to `on_outcome` in the
    calling thread as soon as the server has answered it, so the caller can record it before the next.

    Each connection takes every n-th message: while one waits for the server's answer another sends. A
    connection that cannot be opened, or is lost, fails the messages it had not sent (to be retried later)."""
    if not settings.smtp_host:
        settings.mailbox_dir.mkdir(parents=True, exist_ok=True)
        for message in messages:
            name = message.message_id.strip("<>").replace("@", "_at_")
            (settings.mailbox_dir / f"{name}.eml").write_bytes(message.data)
            on_outcome(message.message_id, None)
        return
    shares = [messages[i::settings.smtp_connections] for i in range(min(settings.smtp_connections, len(messages)))]
    answers: Answers = queue.SimpleQueue()
    with ThreadPoolExecutor(max(len(shares), 1), thread_name_prefix="smtp") as pool:
        running = [pool.submit(_send_over_one, share, settings, answers) for share in shares]
        for _ in messages:
            on_outcome(*answers.get())
        for future in running:
            future.result()


Answers = queue.SimpleQueue[tuple[str, Exception | None]]


def _send_over_one(messages: list[Outgoing], settings: Settings, answers: Answers) -> None:
    """Send over one connection, putting each message's outcome on `answers`; a connection error fails the rest."""
    done = 0
    try:
        with _smtp(settings) as client:
            if settings.smtp_user:
                client.login(settings.smtp_user, settings.smtp_password)
            for message in messages:
                try:
                    client.sendmail(message.sender, [message.recipient], message.data)
                    answers.put((message.message_id, None))
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
                    code = getattr(exc, "smtp_code", None) or _first_code(exc)
                    answers.put((message.message_id, PermanentFailure(str(exc)) if code and code >= 500 else exc))
                done += 1
    except OSError as exc:  # includes smtplib.SMTPException: what was sent stays sent, the rest waits
        for message in messages[done:]:
            answers.put((message.message_id, exc))


def _first_code(exc: Exception) -> int | None:
    recipients = getattr(exc, "recipients", None)
    if recipients:
        return int(next(iter(recipients.values()))[0])
    return None


def mailbox_files() -> list[Path]:
    """The dev mailbox's emails, oldest first."""
    folder = get_settings().mailbox_dir
    return sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns) if folder.exists() else []
