"""The text of a DOCX resume, read with python-docx once the zip is known to unpack small.

A DOCX is a zip: a file of a few hundred KB can unpack to gigabytes. Before python-docx sees it,
the sizes its members declare, and then the bytes they actually unpack to (read in chunks, so the
check itself stays small), must stay within ``MAX_DOCX_UNPACKED`` all together, and those of its
XML members (what python-docx parses into a tree) within ``MAX_DOCX_XML``. The file is read
into memory once, so what is checked is what python-docx reads.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import NoReturn

from pipeline.errors import ResumeError

#: Bytes a DOCX resume may unpack to, all members together (its text, styles and a photo or two).
MAX_DOCX_UNPACKED = 30_000_000
#: Bytes its XML members may unpack to (what python-docx parses: a long resume's take under 1 MB).
MAX_DOCX_XML = 5_000_000
_CHUNK = 1 << 16


def docx_text(path: Path) -> str:
    """Paragraphs, tables and section headers of a DOCX; ResumeError when it cannot be read."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import LxmlError

    data = path.read_bytes()
    try:
        _check_unpacked(path, data)
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, LxmlError, KeyError, ValueError,
            EOFError, NotImplementedError) as exc:
        raise ResumeError(f"{path}: not a readable DOCX file; open it in Word or LibreOffice "
                          "and save it again as .docx") from exc
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    for section in document.sections:
        parts += [p.text for p in section.header.paragraphs]
    return "\n".join(part for part in parts if part.strip())


def _check_unpacked(path: Path, data: bytes) -> None:
    """ResumeError when the zip's members, or its XML members, declare or unpack to too much."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
        xml = [m for m in members if m.filename.lower().endswith((".xml", ".rels"))]
        limits = [(members, MAX_DOCX_UNPACKED, "content"), (xml, MAX_DOCX_XML, "XML")]
        for group, limit, what in limits:
            declared = sum(member.file_size for member in group)
            if declared > limit:
                _too_big(path, f"declares {declared / 1e6:.1f} MB of {what}", limit)
        for group, limit, what in limits:
            if _unpacked(archive, group, limit) > limit:
                _too_big(path, f"unpacks to over {limit / 1e6:.0f} MB of {what}", limit)


def _unpacked(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], limit: int) -> int:
    """Bytes ``members`` really unpack to, read in chunks; stops once past ``limit``."""
    total = 0
    for member in members:
        with archive.open(member) as unpacked:
            while chunk := unpacked.read(_CHUNK):
                total += len(chunk)
                if total > limit:
                    return total
    return total


def _too_big(path: Path, how: str, limit: int) -> NoReturn:
    raise ResumeError(f"{path}: the DOCX {how} (limit {limit / 1e6:.0f} MB), far more than a "
                      "resume; open it in Word or LibreOffice and save the resume alone as "
                      ".docx or PDF")
