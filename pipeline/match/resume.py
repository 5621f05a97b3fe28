"""Reading a subscriber's resume into plain text: PDF (pypdf), DOCX (python-docx), .txt and .md.

DOCX text comes from body paragraphs, tables (resumes often lay out skills in tables) and section
headers. A PDF with no extractable text is usually a scan: the error says to export a text PDF or
a DOCX. Every failure is a ``ResumeError`` whose message says what to do.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from pipeline.errors import ResumeError

#: Resumes larger than this are refused (a resume is a few pages; this catches wrong files).
MAX_RESUME_BYTES = 5_000_000
#: Fewer characters than this is not a usable resume.
MIN_TEXT_CHARS = 40
SUPPORTED = (".pdf", ".docx", ".txt", ".md")


def read_resume(path: Path, max_bytes: int = MAX_RESUME_BYTES) -> str:
    """The text of a resume file; ResumeError (with what to do) when it cannot be read."""
    path = Path(path)
    _check_file(path, max_bytes)
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        text = _pdf_text(path)
    elif suffix == ".docx":
        text = _docx_text(path)
    else:
        text = _plain_text(path)
    if len(text.strip()) < MIN_TEXT_CHARS:
        hint = (" It looks like a scanned image: export a PDF with selectable text, or a DOCX."
                if suffix == ".pdf" else " Add the resume's text to the file.")
        raise ResumeError(f"{path}: no usable text found.{hint}")
    return text.strip()


def _check_file(path: Path, max_bytes: int) -> None:
    if not path.is_file():
        raise ResumeError(f"{path}: no such resume file; check the subscriber's resume path")
    if path.suffix.lower() not in SUPPORTED:
        raise ResumeError(f"{path}: {path.suffix or 'no extension'} is not a supported resume "
                          f"type; save it as PDF, DOCX, .txt or .md")
    size = path.stat().st_size
    if size > max_bytes:
        raise ResumeError(f"{path}: {size / 1e6:.1f} MB is too large for a resume (limit "
                          f"{max_bytes / 1e6:.0f} MB); export a smaller, text-only PDF or DOCX")


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            raise ResumeError(f"{path}: the PDF is password-protected; save an unprotected copy")
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise ResumeError(f"{path}: not a readable PDF ({exc}); re-export it as PDF or DOCX") \
            from exc


def _docx_text(path: Path) -> str:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ResumeError(f"{path}: not a readable DOCX file; open it in Word or LibreOffice "
                          "and save it again as .docx") from exc
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    for section in document.sections:
        parts += [p.text for p in section.header.paragraphs]
    return "\n".join(part for part in parts if part.strip())


def _plain_text(path: Path) -> str:
    data = path.read_bytes()
    if b"\x00" in data[:4096]:
        raise ResumeError(f"{path}: looks binary, not text; save the resume as .txt, PDF or DOCX")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")
