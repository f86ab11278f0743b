"""`make templates`: write tdkt's own paper templates (tdkt/documents/shipped/) from their layouts — the official
papers' (layout.py) and the certificates' (certificates.py). A test fails while a shipped file and its layout
differ."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from tdkt.documents import certificates, layout
from tdkt.documents.templates import CERTIFICATE_PAPER, shipped


def parts(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def write(path: Path, content: bytes) -> bool:
    """Write the template unless the shipped one holds the same parts (a DOCX's zip dates differ every build, and
    the repository should not change for them); whether it was written."""
    if path.is_file() and parts(path.read_bytes()) == parts(content):
        return False
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(content)
    return True


def main() -> None:
    for path, content in ((layout.SHIPPED, layout.template()), (shipped(CERTIFICATE_PAPER), certificates.template())):
        print(f"{path.name}: {'rebuilt' if write(path, content) else 'unchanged'}")


if __name__ == "__main__":
    main()
