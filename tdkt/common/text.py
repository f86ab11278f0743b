"""Vietnamese text as users type it: NFC normalised for storage, folded (no case, no diacritics) for matching."""

from __future__ import annotations

import unicodedata


def nfc(text: object) -> str:
    """Whitespace collapsed and NFC normalised: 'Nguyễn' typed with combining marks equals the precomposed one."""
    return unicodedata.normalize("NFC", " ".join(("" if text is None else str(text)).split()))  # a cell's 0 stays


def fold(text: str) -> str:
    """Lower case without diacritics, for matching: 'Đặng Thị Ánh' → 'dang thi anh', 'Lao động' ~ 'lao dong'."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).lower().split())
