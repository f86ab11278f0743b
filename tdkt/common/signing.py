"""The one signing helper: HMAC-SHA256 for action links, sign-in links, the browser's cookie and CSRF tokens,
and webhook posts."""

from __future__ import annotations

import base64
import hashlib
import hmac

from config.settings import get_settings


def digest(key: str, message: bytes) -> bytes:
    """HMAC-SHA256 of `message` under `key`."""
    return hmac.new(key.encode(), message, hashlib.sha256).digest()


def sign(*parts: object, key: str | None = None) -> str:
    """A short URL-safe signature of the parts joined by ':' (TDKT_SECRET_KEY unless `key` is given)."""
    message = ":".join(str(part) for part in parts).encode()
    return base64.urlsafe_b64encode(digest(key or get_settings().secret_key, message)[:18]).decode().rstrip("=")


def verify(signature: str, *parts: object, key: str | None = None) -> bool:
    """Whether `signature` is `sign(*parts)`, compared in constant time."""
    return hmac.compare_digest(signature.encode(), sign(*parts, key=key).encode())
