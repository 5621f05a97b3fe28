"""Turning response bytes into text without ever crashing on a wrong or missing charset.

Order of trust: a BOM; the charset the server declared, when the bytes really decode with it;
UTF-8 (what nearly every job board sends); then charset-normalizer's detection for bodies long
enough to detect reliably (short ones are read as Windows-1252, the usual Western mislabel); last,
UTF-8 with replacement characters. A declared Latin-1 / Windows-1252 body that is valid UTF-8
with non-ASCII bytes is read as UTF-8: that mislabel is common, the other way round almost
impossible.
"""

from __future__ import annotations

import codecs
from email.message import Message

import charset_normalizer

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))
DETECT_MIN_BYTES = 1024  # below this, charset detection guesses more than it knows
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
    if len(content) < DETECT_MIN_BYTES:
        text = _try(content, "cp1252")
        if text is not None:
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
