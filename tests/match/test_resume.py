"""Reading resumes: PDF, DOCX, text and Markdown, and clear errors for files we cannot use."""

from __future__ import annotations

import docx
import pytest

from pipeline.errors import ResumeError
from pipeline.match import read_resume

LINES = ["Jane Doe, RN, CCM", "Nurse Case Manager at Mercy Health 2019-2024",
         "Discharge planning, utilization review with InterQual, care plans"]


def test_pdf_text_is_extracted(tmp_path, pdf_writer):
    text = read_resume(pdf_writer(tmp_path / "jane.pdf", LINES))
    assert "Nurse Case Manager" in text
    assert "InterQual" in text


def test_docx_paragraphs_tables_and_header_are_read(tmp_path):
    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "Jane Doe, RN, CCM"
    document.add_paragraph("Nurse Case Manager at Mercy Health 2019-2024")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Skills"
    table.rows[0].cells[1].text = "Discharge planning, InterQual"
    document.save(tmp_path / "jane.docx")
    text = read_resume(tmp_path / "jane.docx")
    assert "Nurse Case Manager at Mercy Health" in text
    assert "Discharge planning, InterQual" in text
    assert "CCM" in text


@pytest.mark.parametrize("name", ["jane.txt", "jane.md"])
def test_text_and_markdown(tmp_path, name):
    (tmp_path / name).write_text("# Jane Doe\n" + "\n".join(LINES), encoding="utf-8")
    assert "utilization review" in read_resume(tmp_path / name)


def test_scanned_pdf_without_text_says_to_export_text(tmp_path, pdf_writer):
    with pytest.raises(ResumeError, match="scanned"):
        read_resume(pdf_writer(tmp_path / "scan.pdf", []))


def test_wrong_type_names_the_supported_ones(tmp_path):
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"0" * 100)
    with pytest.raises(ResumeError, match="PDF, DOCX, .txt or .md"):
        read_resume(tmp_path / "photo.jpg")


def test_oversized_file_is_refused(tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("care manager " * 1000, encoding="utf-8")
    with pytest.raises(ResumeError, match="too large"):
        read_resume(big, max_bytes=1000)


def test_corrupt_docx_says_to_save_again(tmp_path):
    (tmp_path / "broken.docx").write_bytes(b"this is not a zip file at all, just text" * 3)
    with pytest.raises(ResumeError, match="save it again"):
        read_resume(tmp_path / "broken.docx")


def test_missing_file(tmp_path):
    with pytest.raises(ResumeError, match="no such resume"):
        read_resume(tmp_path / "nowhere.pdf")
