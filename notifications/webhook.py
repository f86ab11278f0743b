"""Post notifications to a chat tool's webhook: JSON over httpx, signed with HMAC-SHA256."""

from __future__ import annotations

import json
from typing import Any

import httpx

from config.settings import Settings
from notifications.mailer import PermanentFailure
from tdkt.common.signing import digest


def signature(body: bytes, secret: str) -> str:
    """`sha256=<hex>` of the body, so the receiver can check the post came from tdkt."""
    return "sha256=" + digest(secret, body).hex()


def post_all(posts: dict[str, tuple[str, dict[str, Any]]], settings: Settings) -> dict[str, Exception]:
    """Post each payload (by Message-ID: (url, payload)); returns failures, permanent for 4xx but 408/429."""
    failures: dict[str, Exception] = {}
    with httpx.Client(timeout=settings.smtp_timeout) as client:
        for key, (url, payload) in posts.items():
            body = json.dumps(payload, ensure_ascii=False).encode()
            headers = {"Content-Type": "application/json; charset=utf-8", "X-TDKT-Event": payload["event"],
                       "X-TDKT-Message-Id": key, "X-TDKT-Signature": signature(body, settings.webhook_secret)}
            try:
                response = client.post(url, content=body, headers=headers)
            except httpx.HTTPError as exc:
                failures[key] = exc
                continue
            if response.status_code >= 300:
                error = f"webhook trả lời {response.status_code}: {response.text[:200]}"
                permanent = 400 <= response.status_code < 500 and response.status_code not in (408, 429)
                failures[key] = PermanentFailure(error) if permanent else ConnectionError(error)
    return failures
