"""Reading resumes: PDF, DOCX, text and Markdown, and clear errors for files we cannot use."""

from __future__ import annotations

import logging
import random
import tracemalloc

import docx
import pytest
from click.testing import CliRunner
from resume_bombs import docx_bomb, million_page_pdf, owner_password_pdf

from pipeline.cli import cli
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


# Hostile and unusual files: every read is bounded and ends in a ResumeError saying why.

@pytest.fixture(scope="module")
def docx_bomb_file(tmp_path_factory):
    """A DOCX of under 1 MB on disk whose document part unpacks to 300 MB."""
    return docx_bomb(tmp_path_factory.mktemp("bomb") / "bomb.docx", unpacked_mb=300)


def test_pdf_claiming_a_million_pages_is_refused_before_reading_them(tmp_path):
    bomb = million_page_pdf(tmp_path / "million.pdf")
    assert bomb.stat().st_size < 12_000
    with pytest.raises(ResumeError, match=r"million.pdf: the PDF has 1000000 pages; a resume "
                                          r"has at most 50"):
        read_resume(bomb)


def test_pdf_whose_page_count_lies_stops_at_the_page_tree_limit(tmp_path):
    bomb = million_page_pdf(tmp_path / "liar.pdf")
    bomb.write_bytes(bomb.read_bytes().replace(b"/Count 1000000", b"/Count 1      "))
    with pytest.raises(ResumeError, match="liar.pdf: the PDF is built past what a resume needs"):
        read_resume(bomb)


def test_docx_bomb_is_refused_without_unpacking_it(docx_bomb_file):
    assert docx_bomb_file.stat().st_size < 2_000_000
    tracemalloc.start()
    try:
        with pytest.raises(ResumeError, match=r"bomb.docx: the DOCX declares 31\d\.\d MB of "
                                              r"content \(limit 30 MB\)"):
            read_resume(docx_bomb_file)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20_000_000, f"reading the bomb took {peak / 1e6:.0f} MB"


def test_docx_with_more_xml_than_a_resume_has_is_refused(tmp_path):
    bomb = docx_bomb(tmp_path / "long.docx", unpacked_mb=8)
    with pytest.raises(ResumeError, match=r"long.docx: the DOCX declares \d\.\d MB of XML "
                                          r"\(limit 5 MB\)"):
        read_resume(bomb)


def test_owner_password_only_pdf_is_read_with_the_empty_password(tmp_path, pdf_writer):
    plain = pdf_writer(tmp_path / "plain.pdf", LINES)
    locked = owner_password_pdf(plain, tmp_path / "locked.pdf")
    assert b"/Encrypt" in locked.read_bytes()
    assert "utilization review with InterQual" in read_resume(locked)


def test_pdf_that_needs_a_password_to_open_is_refused(tmp_path, pdf_writer):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(pdf_writer(tmp_path / "plain.pdf", LINES)))
    writer.encrypt(user_password="open-sesame", algorithm="AES-128")
    writer.write(tmp_path / "secret.pdf")
    with pytest.raises(ResumeError, match="secret.pdf: the PDF needs a password to open"):
        read_resume(tmp_path / "secret.pdf")


def test_random_bytes_pdf_shows_only_our_one_line_error(tmp_path, config_file, caplog,
                                                        recwarn):
    (tmp_path / "noise.pdf").write_bytes(random.Random(7).randbytes(3000))
    result = CliRunner().invoke(cli, ["rank", "--config", str(config_file),
                                      "--resume", str(tmp_path / "noise.pdf")])
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1, result.stderr
    assert "noise.pdf: not a readable PDF" in result.stderr
    # what a terminal would show besides: the library's log records and warnings
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert [str(w.message) for w in recwarn] == []
