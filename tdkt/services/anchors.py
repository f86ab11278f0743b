"""Anchors of the audit chain: its head copied outside the database, one JSON line per copy, so that a chain cut
short, or rewritten whole by someone with the database, no longer matches (models.audit.verify_anchors).

The file belongs on another machine or medium than the database (a mounted share, the backup disk); the
scheduler appends to it every hour (TDKT_AUDIT_ANCHOR_FILE), `tdkt audit anchor` at will.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlmodel import Session

from models.audit import Anchor, head
from tdkt.common.errors import Refused


def write_anchor(session: Session, path: Path) -> Anchor:
    """Append the chain's head to the anchor file (created with its folder when missing)."""
    anchor = head(session)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps({"seq": anchor.seq, "hash": anchor.hash, "at": anchor.at}) + "\n")
    return anchor


def read_anchors(path: Path) -> list[Anchor]:
    """The file's anchors; Refused naming the line that cannot be read."""
    if not path.is_file():
        raise Refused("no_anchor_file", f"Không tìm thấy tệp neo {path}.")
    anchors = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            anchors.append(Anchor(int(raw["seq"]), str(raw["hash"]), str(raw["at"])))
        except (ValueError, KeyError, TypeError) as exc:
            raise Refused("bad_anchor", f"Tệp neo {path.name}, dòng {number}: không đọc được.") from exc
    return anchors
