"""The text of a PDF resume, read with pypdf under limits fit for a file of a few pages.

A page tree that claims (or reaches) more than ``MAX_PDF_PAGES`` pages is refused before any
page is read, and pypdf's own limits (page-tree size, decompressed stream sizes) are tightened
for the read, so a small hostile file cannot hold the process. A PDF with only an owner password
opens with the empty user password, as every viewer does. pypdf's warnings and log records about a
damaged file go to this module's debug log, not the output: the ``ResumeError`` says it all.
"""

from __future__ import annotations

import logging
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline.errors import ResumeError

log = logging.getLogger(__name__)

#: A resume has a few pages; a PDF with more than this is not one, and is not read.
MAX_PDF_PAGES = 50
#: pypdf's limits while it reads a resume (its defaults are sized for any document).
PYPDF_LIMITS = {
    "page_tree_maximum_entries": 1_000,
    "page_tree_maximum_depth": 20,
    "page_tree_maximum_page_entries": 50_000,
    "zlib_maximum_output_length": 20_000_000,
    "lzw_maximum_output_length": 20_000_000,
    "run_length_maximum_output_length": 20_000_000,
    "array_based_stream_maximum_output_length": 20_000_000,
    "stream_decoding_work_maximum_length": 60_000_000,
}
#: One quieted read at a time: the logger and warning filters it swaps are the process's.
_QUIET = threading.Lock()
#: What pypdf raises besides its own errors on a damaged file.
_DAMAGED = (ValueError, KeyError, IndexError, TypeError, AttributeError, OSError, RecursionError)


def pdf_text(path: Path, max_chars: int) -> str:
    """The text of a PDF's pages (at most ``max_chars``); ResumeError when it cannot be read."""
    from pypdf import apply_configuration
    from pypdf.errors import DependencyError, LimitReachedError, PyPdfError

    try:
        with _quiet_pypdf(), apply_configuration(**PYPDF_LIMITS):
            return _read(path, max_chars)
    except LimitReachedError as exc:
        raise ResumeError(f"{path}: the PDF is built past what a resume needs ({exc}); "
                          "re-export it as PDF or DOCX") from exc
    except DependencyError as exc:
        raise ResumeError(f"{path}: this PDF's encryption needs {exc}; save an unprotected "
                          "copy") from exc
    except (PyPdfError, *_DAMAGED) as exc:
        raise ResumeError(f"{path}: not a readable PDF ({exc}); re-export it as PDF or DOCX") \
            from exc


def _read(path: Path, max_chars: int) -> str:
    from pypdf import PdfReader

    reader = PdfReader(path)
    _unlock(reader, path)
    _check_pages(path, reader.root_object["/Pages"].get("/Count", 0))
    _check_pages(path, len(reader.pages))
    parts, size = [], 0
    for page in reader.pages:
        parts.append(page.extract_text() or "")
        size += len(parts[-1])
        if size >= max_chars:
            break
    return "\n".join(parts)


def _unlock(reader, path: Path) -> None:
    """Open an encrypted PDF with the empty user password, or refuse it as password-protected."""
    from pypdf import PasswordType

    if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
        raise ResumeError(f"{path}: the PDF needs a password to open; save an unprotected copy")


def _check_pages(path: Path, count) -> None:
    if isinstance(count, int) and count > MAX_PDF_PAGES:
        raise ResumeError(f"{path}: the PDF has {count} pages; a resume has at most "
                          f"{MAX_PDF_PAGES}: save the resume alone as PDF or DOCX")


@contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """Send pypdf's warnings and log records to this module's debug log while it reads a file."""
    pypdf_log = logging.getLogger("pypdf")
    collected = _Collect()
    caught: list[warnings.WarningMessage] = []
    with _QUIET:
        propagate = pypdf_log.propagate
        pypdf_log.addHandler(collected)
        pypdf_log.propagate = False
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                yield
        finally:
            pypdf_log.removeHandler(collected)
            pypdf_log.propagate = propagate
            for message in collected.messages + [str(w.message) for w in caught]:
                log.debug("pypdf: %s", message)


class _Collect(logging.Handler):
    """A logging handler that keeps the messages it is given."""

    def __init__(self):
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())
