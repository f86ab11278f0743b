"""Send one rendered email: over SMTP when TDKT_SMTP_HOST is set, else into the local dev mailbox."""

from __future__ import annotations

import smtplib
import ssl
from concurrent.futures import ThreadPoolExecutor
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, parseaddr
from pathlib import Path

from config.settings import Settings, get_settings
from notifications.render import Email


class PermanentFailure(Exception):
    """The server refused the message for good (bad address, rejected content): retrying will not help."""


def build_message(email: Email, *, message_id: str, sender: str) -> Message:
    """The email as MIME (plain text and HTML alternatives, UTF-8).

    Built with the compat32 classes: the `email.policy.default` API spent ~7 ms per message refolding
    headers (measured; a province's phase sends thousands), and its folding dropped the space between the
    encoded words of a long Vietnamese subject ("Tiểuhọc"). `Header` encodes the subject as words that keep
    their spaces inside, which every reader joins back as written.
    """
    message = MIMEMultipart("alternative")
    message["From"] = _address(sender)
    message["To"] = formataddr((email.to_name, email.to_email), charset="utf-8")
    message["Subject"] = Header(email.subject, "utf-8", header_name="Subject")  # type: ignore[assignment]  # compat32: a Header
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id
    message.attach(MIMEText(email.text, "plain", "utf-8"))
    message.attach(MIMEText(email.html, "html", "utf-8"))
    return message


def _address(value: str) -> str:
    name, address = parseaddr(value)
    return formataddr((name, address), charset="utf-8")


def _smtp(settings: Settings) -> smtplib.SMTP:
    if settings.smtp_security == "ssl":
        return smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout,
                                context=ssl.create_default_context())
    client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout)
    if settings.smtp_security == "starttls":
        client.starttls(context=ssl.create_default_context())
    return client


def send_all(messages: list[Message], settings: Settings) -> dict[str, Exception]:
    """Send over TDKT_SMTP_CONNECTIONS connections at once; returns the failures by Message-ID.

    Each connection takes every n-th message: while one waits for the server's answer another sends (the
    wait was a quarter of the time per email, measured). A connection that cannot be opened raises (the
    round is retried later) unless another one sent something; its messages are then failures to retry.
    """
    if not settings.smtp_host:
        settings.mailbox_dir.mkdir(parents=True, exist_ok=True)
        for message in messages:
            name = message["Message-ID"].strip("<>").replace("@", "_at_")
            (settings.mailbox_dir / f"{name}.eml").write_bytes(message.as_bytes())
        return {}
    shares = [messages[i::settings.smtp_connections] for i in range(min(settings.smtp_connections, len(messages)))]
    if len(shares) <= 1:
        return _send_over_one(messages, settings)
    with ThreadPoolExecutor(len(shares), thread_name_prefix="smtp") as pool:
        outcomes = list(pool.map(lambda share: _attempt(share, settings), shares))
    errors = [o for o in outcomes if isinstance(o, OSError)]
    if len(errors) == len(outcomes):
        raise errors[0]
    failures: dict[str, Exception] = {}
    for share, outcome in zip(shares, outcomes, strict=True):
        failures.update({m["Message-ID"]: outcome for m in share} if isinstance(outcome, OSError) else outcome)
    return failures


def _attempt(messages: list[Message], settings: Settings) -> dict[str, Exception] | OSError:
    try:
        return _send_over_one(messages, settings)
    except OSError as exc:
        return exc


def _send_over_one(messages: list[Message], settings: Settings) -> dict[str, Exception]:
    """Send over one connection; returns the failures by Message-ID. A connection error raises (retry later)."""
    failures: dict[str, Exception] = {}
    with _smtp(settings) as client:
        if settings.smtp_user:
            client.login(settings.smtp_user, settings.smtp_password)
        for index, message in enumerate(messages):
            try:
                client.send_message(message)
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
                code = getattr(exc, "smtp_code", None) or _first_code(exc)
                failures[message["Message-ID"]] = PermanentFailure(str(exc)) if code and code >= 500 else exc
            except OSError as exc:  # connection lost mid-batch: what was sent stays sent, the rest waits
                failures.update({m["Message-ID"]: exc for m in messages[index:]})
                break
    return failures


def _first_code(exc: Exception) -> int | None:
    recipients = getattr(exc, "recipients", None)
    if recipients:
        return int(next(iter(recipients.values()))[0])
    return None


def mailbox_files() -> list[Path]:
    """The dev mailbox's emails, oldest first."""
    folder = get_settings().mailbox_dir
    return sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns) if folder.exists() else []
