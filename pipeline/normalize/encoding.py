"""Turning response bytes into text without ever crashing on a wrong or missing charset.

Order of trust: a BOM; the charset the server declared, when the bytes really decode with it;
UTF-8 (what nearly every job board sends); then Windows-1252, the usual mislabel of Western
pages, when the result looks like Western text (accented letters inside words of plain ones:
charset detection cannot tell cp1252 from cp1250 on such text); then charset-normalizer's
detection (a Cyrillic or Greek page); last, UTF-8 with replacement characters.

A declared Latin-1 / Windows-1252 body that is valid UTF-8 with non-ASCII bytes is read as UTF-8:
that mislabel is common, the other way round almost impossible.
"""

from __future__ import annotations

import codecs
import re
from email.message import Message

import charset_normalizer

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))
WESTERN_MIXED_SHARE = 0.5  # share of accented words that also hold ASCII letters
_WORD = re.compile(r"[^\W\d_]{2,}")
_SINGLE_BYTE = {"iso-8859-1", "latin-1", "latin1", "windows-1252", "cp1252", "us-ascii", "ascii"}


def declared_charset(content_type: str | None) -> str | None:
    """The ``charset`` parameter of a Content-Type header, lower-cased, or None."""
    if not content_type:
        return None
    message = Message()
    message["Content-Type"] = content_type
    charset = message.get_param("charset")
    return str(charset).strip().strip('"').lower() if charset else None


def decode_body(content: bytes, content_type: str | None = None) -> str:
    """Decode a response body into text; never raises."""
    for bom, codec in _BOMS:
        if content.startswith(bom):
            return content.decode(codec, errors="replace")
    charset = declared_charset(content_type)
    if charset and not (charset in _SINGLE_BYTE and _is_utf8_with_non_ascii(content)):
        text = _try(content, charset)
        if text is not None:
            return text
    text = _try(content, "utf-8")
    if text is not None:
        return text
    text = _try(content, "cp1252")
    if text is not None and _looks_western(text):
        return text
    best = charset_normalizer.from_bytes(content).best()
    if best is not None:
        return str(best)
    return content.decode("utf-8", errors="replace")


def _try(content: bytes, charset: str) -> str | None:
    """``content`` decoded strictly with ``charset``; None for an unknown or wrong charset."""
    try:
        return content.decode(charset)
    except (LookupError, UnicodeDecodeError):
        return None


def _is_utf8_with_non_ascii(content: bytes) -> bool:
    """True when the bytes hold non-ASCII characters and are valid UTF-8."""
    if content.isascii():
        return False
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _looks_western(text: str) -> bool:
    """True when accented words also hold plain ASCII letters ('Größe'), as Western words do.

    A Cyrillic or Greek page misread as Windows-1252 gives words made only of accented letters.
    """
    accented = [word for word in _WORD.findall(text) if not word.isascii()]
    if not accented:
        return True
    mixed = sum(1 for word in accented if any(char.isascii() for char in word))
    return mixed >= WESTERN_MIXED_SHARE * len(accented)
