"""The text of a DOCX resume, read with python-docx once the zip is known to unpack small.

A DOCX is a zip: a file of a few hundred KB can unpack to gigabytes. Before python-docx sees it,
the sizes its members declare, and then the bytes they actually unpack to (read in chunks, so the
check itself stays small), must stay within ``MAX_DOCX_UNPACKED`` all together. The file is read
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
    """ResumeError when the zip's members declare, or unpack to, more than the limit."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
        declared = sum(member.file_size for member in members)
        if declared > MAX_DOCX_UNPACKED:
            _too_big(path, declared, "declares")
        actual = 0
        for member in members:
            with archive.open(member) as unpacked:
                while chunk := unpacked.read(_CHUNK):
                    actual += len(chunk)
                    if actual > MAX_DOCX_UNPACKED:
                        _too_big(path, actual, "unpacks to over")


def _too_big(path: Path, size: int, how: str) -> NoReturn:
    raise ResumeError(f"{path}: the DOCX {how} {size / 1e6:.0f} MB of content (limit "
                      f"{MAX_DOCX_UNPACKED / 1e6:.0f} MB), far more than a resume; open it in "
                      "Word or LibreOffice and save the resume alone as .docx or PDF")
