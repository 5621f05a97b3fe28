"""Reading a subscriber's resume into plain text: PDF (pypdf), DOCX (python-docx), .txt and .md.

Every read is bounded: file size (``MAX_RESUME_BYTES``), PDF pages (``MAX_PDF_PAGES``), DOCX
unpacked bytes (``MAX_DOCX_UNPACKED``, ``MAX_DOCX_XML``) and text kept (``MAX_TEXT_CHARS``). A PDF
with only an owner password is read; one needing a password to open is refused. DOCX text comes
from paragraphs, tables and section headers. Every failure is a ``ResumeError`` saying what is
wrong and what to do (a scan: export a text PDF or a DOCX).

``fingerprint`` and ``same_content`` identify a file's content (size, mtime, SHA-256), so a
resume is read again only when it changed.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pipeline.errors import ResumeError
from pipeline.match.resume_docx import MAX_DOCX_UNPACKED, MAX_DOCX_XML, docx_text
from pipeline.match.resume_pdf import MAX_PDF_PAGES, pdf_text

#: Resumes larger than this are refused (a resume is a few pages; this catches wrong files).
MAX_RESUME_BYTES = 5_000_000
#: Fewer characters than this is not a usable resume.
MIN_TEXT_CHARS = 40
#: Text kept from a resume at most (a long CV has about 60,000 characters).
MAX_TEXT_CHARS = 200_000
SUPPORTED = (".pdf", ".docx", ".txt", ".md")

__all__ = ["MAX_DOCX_UNPACKED", "MAX_DOCX_XML", "MAX_PDF_PAGES", "MAX_RESUME_BYTES",
           "MAX_TEXT_CHARS", "SUPPORTED", "fingerprint", "read_resume", "same_content"]


def read_resume(path: Path, max_bytes: int = MAX_RESUME_BYTES) -> str:
    """The text of a resume file; ResumeError (with what to do) when it cannot be read."""
    path = Path(path)
    _check_file(path, max_bytes)
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        text = pdf_text(path, MAX_TEXT_CHARS)
    elif suffix == ".docx":
        text = docx_text(path)
    else:
        text = _plain_text(path)
    if len(text.strip()) < MIN_TEXT_CHARS:
        hint = (" It looks like a scanned image: export a PDF with selectable text, or a DOCX."
                if suffix == ".pdf" else " Add the resume's text to the file.")
        raise ResumeError(f"{path}: no usable text found.{hint}")
    return text.strip()[:MAX_TEXT_CHARS]


def fingerprint(path: Path, max_bytes: int = MAX_RESUME_BYTES) -> str | None:
    """``size:mtime_ns:sha256`` of a resume file (no hash past ``max_bytes``); None if missing."""
    try:
        stat = Path(path).stat()
        digest = hashlib.sha256()
        if stat.st_size <= max_bytes:
            with open(path, "rb") as file:
                while chunk := file.read(1 << 16):
                    digest.update(chunk)
    except OSError:
        return None
    sha = digest.hexdigest() if stat.st_size <= max_bytes else "-"
    return f"{stat.st_size}:{stat.st_mtime_ns}:{sha}"


def same_content(stored: str | None, path: Path) -> tuple[bool, str | None]:
    """Whether ``path`` still holds what ``stored`` fingerprinted, and its fingerprint now.

    Size and mtime unchanged: the same, without reading the file. Otherwise the SHA-256 decides
    (a file touched or copied back unchanged is not read again).
    """
    try:
        stat = Path(path).stat()
    except OSError:
        return False, None
    if stored and stored.split(":")[:2] == [str(stat.st_size), str(stat.st_mtime_ns)]:
        return True, stored
    now = fingerprint(path)
    if stored is None or now is None:
        return False, now
    old_sha, new_sha = stored.rsplit(":", 1)[1], now.rsplit(":", 1)[1]
    return new_sha != "-" and new_sha == old_sha, now


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


def _plain_text(path: Path) -> str:
    data = path.read_bytes()
    if b"\x00" in data[:4096]:
        raise ResumeError(f"{path}: looks binary, not text; save the resume as .txt, PDF or DOCX")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")
