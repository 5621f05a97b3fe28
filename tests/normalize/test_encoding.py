"""Decoding response bytes whatever the declared charset says."""

from __future__ import annotations

from pipeline.normalize import decode_body

TEXT = "Café – Crème brûlée for the whole care team. " * 40  # long enough to detect


def test_declared_charset_is_trusted_when_it_fits():
    assert decode_body(TEXT.encode("cp1252"), "text/html; charset=windows-1252") == TEXT


def test_wrong_declared_charset_falls_back_to_detection():
    assert decode_body(TEXT.encode("cp1252"), "text/html; charset=utf-8") == TEXT


def test_utf8_labelled_latin1_is_read_as_utf8():
    assert decode_body(TEXT.encode(), "text/html; charset=ISO-8859-1") == TEXT


def test_bom_wins():
    assert decode_body("\ufeffhello".encode("utf-8"), "text/plain; charset=latin-1") == "hello"
    assert decode_body("hello".encode("utf-16"), None) == "hello"


def test_quoted_unknown_charset_and_binary_never_raise():
    assert decode_body(b"plain", 'text/plain; charset="no-such"') == "plain"
    assert isinstance(decode_body(bytes(range(256)), "application/octet-stream"), str)


def test_mislabelled_cyrillic_is_detected_not_read_as_latin():
    russian = "Требуется медсестра, координатор ухода за пациентами. " * 20
    assert decode_body(russian.encode("cp1251"), "text/html; charset=utf-8") == russian


def test_short_mislabelled_latin1_body():
    assert decode_body("Größe".encode("latin-1"), "text/plain; charset=utf-8") == "Größe"
