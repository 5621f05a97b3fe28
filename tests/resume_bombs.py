"""Hostile resume files, built small on disk: a PDF whose page tree claims a million pages, a
DOCX whose document part unpacks to hundreds of MB, and an owner-password-only PDF.

Used by ``tests/match/test_resume.py``, ``tests/notify/test_subscribers.py`` and
``benchmarks/bench_resume.py``.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
from pdf_files import pdf_bytes

RESUME_LINE = "Jane Doe RN CCM, nurse case manager: discharge planning, utilization review"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"



def million_page_pdf(path: Path, fan_out: int = 100) -> Path:
    """A PDF of a few KB whose page tree reaches fan_out**3 (a million) pages.

    Three levels of /Pages nodes each list the same child ``fan_out`` times, so one real page is
    reached through a million paths, and /Count says so.
    """
    content = f"BT /F1 12 Tf 72 720 Td ({RESUME_LINE}) Tj ET".encode()
    kids = [b"[" + b" ".join([b"%d 0 R" % child] * fan_out) + b"]" for child in (3, 4, 5)]
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids %s /Count %d >>" % (kids[0], fan_out ** 3),
        b"<< /Type /Pages /Parent 2 0 R /Kids %s /Count %d >>" % (kids[1], fan_out ** 2),
        b"<< /Type /Pages /Parent 3 0 R /Kids %s /Count %d >>" % (kids[2], fan_out),
        b"<< /Type /Page /Parent 4 0 R /MediaBox [0 0 612 792] /Contents 6 0 R "
        b"/Resources << /Font << /F1 7 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    path.write_bytes(pdf_bytes(objects))
    return path


def owner_password_pdf(plain: Path, path: Path) -> Path:
    """``plain`` encrypted with an owner password and an empty user password: it opens in any
    viewer without a password, and only editing is restricted."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.encrypt(user_password="", owner_password="owner-secret", algorithm="AES-128")
    with path.open("wb") as out:
        writer.write(out)
    return path


def docx_bomb(path: Path, unpacked_mb: int = 300) -> Path:
    """A valid DOCX whose word/document.xml unpacks to ``unpacked_mb`` MB (a few hundred KB on
    disk): the same paragraph of about 1 KB, again and again."""
    template = path.with_suffix(".template.docx")
    document = docx.Document()
    document.add_paragraph(RESUME_LINE)
    document.save(template)
    head = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w='
            f'"{W_NS}"><w:body>').encode()
    tail = b"</w:body></w:document>"
    paragraph = f"<w:p><w:r><w:t>{RESUME_LINE} {'care ' * 190}</w:t></w:r></w:p>".encode()
    chunk = paragraph * ((1 << 20) // len(paragraph))
    with zipfile.ZipFile(template) as source, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        for info in source.infolist():
            if info.filename != "word/document.xml":
                bomb.writestr(info, source.read(info))
                continue
            with bomb.open("word/document.xml", "w", force_zip64=True) as member:
                member.write(head)
                for _ in range(unpacked_mb * (1 << 20) // len(chunk)):
                    member.write(chunk)
                member.write(tail)
    template.unlink()
    return path
