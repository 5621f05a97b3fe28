"""The hashed word and word-pair counts of descriptions, and their compact stored form.

De-duplication compares an employer's descriptions by TF-IDF cosine over these counts. A
description is lower-cased and split into words of two or more word characters (the token
pattern of scikit-learn's vectorizers); each word and each pair of neighbouring words falls into
one of ``FEATURES`` buckets by a fixed hash (the word's CRC-32; a pair's two CRCs; either spread
by a multiplicative hash), the same in every process and on every machine, so the counts of a
description can be kept in the database and used by later passes (``encode_rows``/``decode``).

Written here, not taken from scikit-learn's ``HashingVectorizer`` (same speed on our texts):
importing scikit-learn costs a run more CPU time than hashing the few new descriptions it sees.
"""

from __future__ import annotations

import re
import zlib
from itertools import chain

import numpy as np

FEATURES_BITS = 20
FEATURES = 2**FEATURES_BITS  # word and word-pair buckets; collisions are rare at this size
#: Runs of two or more word characters: the words scikit-learn's ``\b\w\w+\b`` finds (a
#: greedy run ends at a word boundary anyway), found faster without the boundary checks.
_WORD = re.compile(r"\w\w+")
#: ASCII bytes to themselves lower-cased when they are word characters (``\w`` of ASCII text:
#: letters, digits, underscore), to a space otherwise: what ``bytes.split`` then splits at.
_ASCII_WORDS = bytes(c if chr(c).isalnum() or c == ord("_") else ord(" ")
                     for c in range(128)).lower() + b" " * 128  # (never met: ASCII text)
_MIX = np.uint64(0x9E3779B97F4A7C15)  # 2**64 / golden ratio: spreads keys over the top bits
_TOP = np.uint64(64 - FEATURES_BITS)
_BUCKET = np.uint64(FEATURES - 1)
#: The length of an encoded row with no counts (its width byte alone).
EMPTY = 1


class Counts:
    """Hashed counts of several descriptions in CSR form: row ``i`` is ``buckets`` and
    ``found`` from ``indptr[i]`` to ``indptr[i + 1]``, buckets ascending."""

    def __init__(self, indptr: np.ndarray, buckets: np.ndarray, found: np.ndarray):
        self.indptr, self.buckets, self.found = indptr, buckets, found

    def __len__(self) -> int:
        return len(self.indptr) - 1

    def row(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """(buckets, counts) of row ``i``."""
        start, end = self.indptr[i], self.indptr[i + 1]
        return self.buckets[start:end], self.found[start:end]


def _words(text: str) -> list[bytes]:
    """The lower-cased words of ``text`` as UTF-8, and for ASCII text also its one-character
    words (``count`` drops those): ASCII text is split by ``bytes.translate`` and ``split``,
    several times faster than the regular expression that non-ASCII text goes through."""
    if text.isascii():
        return text.encode().translate(_ASCII_WORDS).split()
    return [word.encode() for word in _WORD.findall(text.lower())]


def count(texts: list[str]) -> Counts:
    """The hashed word and word-pair counts of each of ``texts``."""
    words = [_words(text) for text in texts]
    lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    total = int(lengths.sum())
    # Each word's CRC-32 straight from zlib: faster than looking up the CRCs of words seen.
    flat = np.fromiter(map(zlib.crc32, chain.from_iterable(words)), dtype=np.uint64, count=total)
    word = np.fromiter(map(len, chain.from_iterable(words)), dtype=np.int64, count=total) > 1
    if not word.all():  # ASCII one-character words out
        text_of = np.repeat(np.arange(len(texts)), lengths)[word]
        flat, lengths = flat[word], np.bincount(text_of, minlength=len(texts))
    rows = np.repeat(np.arange(len(texts), dtype=np.uint64), lengths)
    last = np.cumsum(lengths)[lengths > 0] - 1  # a text's last word starts no pair
    pair = np.ones(len(flat), dtype=bool)
    pair[last] = False
    pairs = (flat[:-1] << np.uint64(32)) | flat[1:]
    keys = np.concatenate([flat, pairs[pair[:-1]]])
    rows = np.concatenate([rows, rows[:-1][pair[:-1]]])
    cells, found = np.unique((rows << np.uint64(FEATURES_BITS)) | ((keys * _MIX) >> _TOP),
                             return_counts=True)
    indptr = np.searchsorted(cells >> np.uint64(FEATURES_BITS),
                             np.arange(len(texts) + 1, dtype=np.uint64))
    return Counts(indptr, (cells & _BUCKET).astype(np.uint32),
                  np.minimum(found, 65535).astype(np.uint16))


def encode_rows(counts: Counts) -> list[bytes]:
    """The stored form of each row of ``counts``: a width byte, bucket gaps, counts (gaps in
    2 bytes unless one exceeds 65535, counts in 1 unless one exceeds 255; each array converted
    once for all rows)."""
    starts, ends = counts.indptr[:-1], counts.indptr[1:]
    gaps = np.diff(counts.buckets, prepend=np.uint32(0))
    filled = starts < ends
    gaps[starts[filled]] = counts.buckets[starts[filled]]  # a row's first gap is its bucket
    wide_gaps = _row_max(gaps, starts, filled) > 65535
    wide_counts = _row_max(counts.found, starts, filled) > 255
    gap_bytes = [memoryview(gaps.astype(t).tobytes()) for t in ("<u2", "<u4")]
    count_bytes = [memoryview(counts.found.astype(t).tobytes()) for t in ("u1", "<u2")]
    rows = []
    for start, end, wg, wc in zip(starts.tolist(), ends.tolist(), wide_gaps.tolist(),
                                  wide_counts.tolist(), strict=True):
        g, c = 2 + 2 * wg, 1 + wc  # bytes per gap, per count
        rows.append(bytes([wg | wc << 1]) + gap_bytes[wg][start * g:end * g]
                    + count_bytes[wc][start * c:end * c])
    return rows


def _row_max(values: np.ndarray, starts: np.ndarray, filled: np.ndarray) -> np.ndarray:
    """The largest of ``values`` in each row (0 for an empty row)."""
    found = np.zeros(len(starts), dtype=np.int64)
    if filled.any():
        found[filled] = np.maximum.reduceat(values, starts[filled])
    return found


def decode(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """The counts ``encode_rows`` stored: (buckets ascending, counts)."""
    wide_gaps, wide_counts = data[0] & 1, data[0] >> 1 & 1
    size = (len(data) - 1) // ((4 if wide_gaps else 2) + (2 if wide_counts else 1))
    gaps = np.frombuffer(data, dtype="<u4" if wide_gaps else "<u2", count=size, offset=1)
    found = np.frombuffer(data, dtype="<u2" if wide_counts else "u1", count=size,
                          offset=1 + gaps.nbytes)
    return np.cumsum(gaps, dtype=np.uint32), found.astype(np.uint16)


def joined(rows: list[tuple[np.ndarray, np.ndarray]]) -> Counts:
    """Rows of (buckets, counts) as one ``Counts``."""
    sizes = np.fromiter((len(b) for b, _ in rows), dtype=np.int64, count=len(rows))
    indptr = np.concatenate([[0], np.cumsum(sizes)])
    empty = np.zeros(0, dtype=np.uint32)
    return Counts(indptr, np.concatenate([b for b, _ in rows] or [empty]),
                  np.concatenate([f for _, f in rows] or [empty]).astype(np.uint16))
