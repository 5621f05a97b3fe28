"""Which words of a resume count when it is compared with postings.

A resume's contact lines (address, phone, e-mail, profile links) and its dates say where and
when, not what the person does: a Boston engineer's resume resembled an NHS case manager post
in Boston, Lincolnshire through "Boston" and "2021" alone. The resume's similarity to postings is
computed without them; its credentials and role terms are still read from the whole text.
"""

from __future__ import annotations

import re

#: A line holding an e-mail address or a phone number is a contact line.
_CONTACT = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+|\+?\d[\d ().-]{7,}\d")
_NUMBER = re.compile(r"\b\d[\d,./-]*\b")


def comparable_text(text: str) -> str:
    """The resume's text without contact lines and numbers (years, phone digits, counts)."""
    lines = [line for line in text.splitlines() if not _CONTACT.search(line)]
    return _NUMBER.sub(" ", "\n".join(lines))
