"""Small helpers the USAJOBS, Himalayas, Remotive, RSS and career-page sources share.

``collect`` applies the team's skip-and-record rule (``_records.build_postings``: a record that
cannot be read is skipped with a log warning while the others are fine; when none is usable the
source fails with ``ParseError``), after turning the ``KeyError`` / ``TypeError`` /
``AttributeError`` / ``ValueError`` that a field of an unexpected type raises while mapping into
``ParseError``. ``need`` and ``text`` read required and text fields strictly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from pipeline.errors import ParseError, SourceError
from pipeline.posting import Posting
from pipeline.sources._records import build_postings

if TYPE_CHECKING:
    from pipeline.http import HttpClient
    from pipeline.sources.base import Source

#: What mapping one record whose fields changed type may raise besides ParseError.
RECORD_ERRORS = (KeyError, TypeError, ValueError, AttributeError)


def collect(records: Iterable[Any], build: Callable[[Any], Posting], *,
            source: Source | str) -> list[Posting]:
    """Build a posting from every record; skip and log bad ones, raise when none is usable."""
    name = source if isinstance(source, str) else source.name

    def guarded(record: Any) -> Posting:
        """``build``, with a wrong field type reported as ParseError."""
        try:
            return build(record)
        except (ParseError, ValidationError):
            raise
        except RECORD_ERRORS as exc:
            raise ParseError(f"{type(exc).__name__}: {exc}", source=name) from exc

    return build_postings(records, guarded, source=source)


def need(record: Any, key: str) -> Any:
    """``record[key]``, raising ParseError when it is missing or empty."""
    if not isinstance(record, dict):
        raise ParseError(f"expected an object, got {type(record).__name__}")
    value = record.get(key)
    if value is None or value == "":
        raise ParseError(f"missing {key!r}")
    return value


def text(value: Any) -> str | None:
    """A string field as a stripped string, or None; numbers are accepted, other types refused."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ParseError(f"expected text, got {type(value).__name__}")
    return str(value).strip() or None


def http_of(source: Source) -> HttpClient:
    """The source's HTTP client; a network source cannot run without one."""
    if source.http is None:
        raise SourceError("this source needs an HTTP client", source=source.name)
    return source.http
