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


# how offices abbreviate the kinds of school in their lists ("Trường PTDTBT TH Pha Long")
SCHOOL_WORDS = {"th": "tieu hoc", "thcs": "trung hoc co so", "thpt": "trung hoc pho thong", "mn": "mam non",
                "mg": "mau giao", "ptdtbt": "pho thong dan toc ban tru", "ptdtnt": "pho thong dan toc noi tru",
                "ptcs": "pho thong co so", "tr": "truong"}


def unit_key(text: str) -> str:
    """A unit's name as compared: folded, abbreviations spelled out, without the leading "Trường"."""
    words = [SCHOOL_WORDS.get(w, w) for w in fold(text.replace(".", " ")).split()]
    key = " ".join(words)
    return key.removeprefix("truong ").strip()


# characters a document's XML cannot hold: the C0 controls but tab, line feed and carriage return
_NOT_XML = dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF])
# bidirectional embeddings, overrides and isolates: they reorder what a reader sees (a name shown reversed)
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def entered(label: str, text: object, *, max_length: int, required: bool = False, multiline: bool = False) -> str:
    """A value a person typed or imported, as it is stored: NFC, whitespace collapsed (a `multiline` one keeps
    its lines); Refused (naming the field) when it holds control or bidirectional-override characters, is longer
    than its column, or is empty where it is required."""
    from tdkt.common.errors import Refused

    raw = "" if text is None else str(text)
    if any((unicodedata.category(c) == "Cc" and c not in "\t\n\r") or c in _BIDI for c in raw):
        raise Refused("bad_characters", f"{label}: có ký tự điều khiển hoặc ký tự đảo chiều không được phép; "
                                        "hãy gõ lại hoặc dán dưới dạng văn bản thuần.")
    value = unicodedata.normalize("NFC", raw).strip() if multiline else nfc(raw)
    if len(value) > max_length:
        raise Refused("too_long", f"{label}: dài {len(value)} ký tự, tối đa {max_length}.")
    if required and not value:
        raise Refused("empty", f"{label} không được để trống.")
    return value


def printable(text: object) -> str:
    """Text a paper (DOCX or XLSX) can hold: characters XML refuses are dropped (data stored before the
    entry checks, or written by hand, must not stop a phase's papers)."""
    return ("" if text is None else str(text)).translate(_NOT_XML)


def sheet_value(value: object) -> object:
    """A spreadsheet cell that cannot run as a formula (OWASP's advice for CSV injection: a leading quote),
    holding only what XML can; numbers stay numbers."""
    if not isinstance(value, str):
        return value
    value = printable(value)
    return f"'{value}" if value.startswith(FORMULA_PREFIXES) else value
