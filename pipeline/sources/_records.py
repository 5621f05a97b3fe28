"""The one helper kit every source uses to read board records safely.

``Record`` wraps one JSON object and reads fields with the expected type, converting only what
is unambiguous and otherwise raising ``ParseError`` naming the field path; ``text`` does the same
for a plain value. ``build_postings`` maps every record of a board, skipping (with a warning)
those that cannot be read (``RECORD_ERRORS``), and raises when none can: the board changed format.

Also: ``http_of`` (the source's HTTP client), ``salary_fields`` and ``board_list`` (common shapes),
``pay_line`` (a pay range stated in words), and ``unchanged`` / ``reuse_marks``: the stored
posting of an unchanged listing entry (``Source.reuses_stored``) until ``REFRESH_DAYS`` pass.
"""

from __future__ import annotations

import logging
import re
import zlib
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from pipeline import normalize  # its date and salary parsers load when a board first uses them
from pipeline.errors import ParseError, SourceError
from pipeline.posting import Posting, StoredPosting, clean_text

if TYPE_CHECKING:
    from pipeline.http import HttpClient
    from pipeline.sources.base import Source

log = logging.getLogger("pipeline.sources")

#: The key of ``Posting.extra`` holding a listing entry's change key (see ``unchanged``).
CHANGE_KEY = "list_key"
#: The key of ``Posting.extra`` holding the day its detail was last read (ISO date).
DETAIL_DAY = "detail_day"
#: What ``unchanged`` reads of a stored posting's ``extra`` (``Source.stored_extra``).
REUSE_KEYS = (CHANGE_KEY, DETAIL_DAY)
#: A reused posting's detail is read again after this many days plus up to as many more (spread
#: by its id, so a board's postings do not all come due on the same day).
REFRESH_DAYS = 7
#: A line of text stating a pay range in dollars ("Pay range: $32.50 - $45.10 per hour").
_PAY_LINE = re.compile(r"[^\n]*\$\s?\d[\d,]*(?:\.\d+)?\s*[kK]?\s*(?:-|–|—|to)\s*"
                       r"(?:USD\s*)?\$?\s?\d[\d,]*(?:\.\d+)?[^\n]*")

#: What mapping one record whose fields changed type may raise besides ParseError.
RECORD_ERRORS = (KeyError, TypeError, ValueError, AttributeError)


class Record:
    """One JSON object from a board, read through getters that check types."""

    def __init__(self, data: Any, *, source: str, where: str):
        if not isinstance(data, dict):
            raise ParseError(f"{where}: expected an object, got {_kind(data)}", source=source)
        self.data = data
        self.source = source
        self.where = where

    def _fail(self, key: str, expected: str, value: Any) -> ParseError:
        return ParseError(
            f"{self.where}.{key}: expected {expected}, got {_kind(value)}", source=self.source
        )

    def raw(self, key: str) -> Any:
        """The field as the board sent it (None when absent)."""
        return self.data.get(key)

    def text(self, key: str, *, required: bool = False) -> str | None:
        """A text field, stripped; numbers become text; empty text is None."""
        value = self.data.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if value is not None and not isinstance(value, str):
            raise self._fail(key, "text", value)
        value = value.strip() if value else None
        if required and not value:
            raise ParseError(f"{self.where}.{key}: missing or empty", source=self.source)
        return value or None

    def number(self, key: str) -> float | None:
        """A numeric field; numeric text such as "85000" or "85,000.50" is accepted."""
        value = self.data.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            raise self._fail(key, "a number", value)
        if isinstance(value, (int, float)):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value.replace(",", "").strip())
            except ValueError:
                raise self._fail(key, "a number", value) from None
        raise self._fail(key, "a number", value)

    def date(self, key: str, *, deadline: bool = False) -> datetime | None:
        """A date or time: ISO text, epoch seconds or milliseconds (numbers or digits).

        ``deadline``: a date alone is the end of that day (a closing date), not its start.
        """
        value = self.data.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise self._fail(key, "a date", value)
        when = normalize.parse_deadline(value) if deadline else normalize.parse_date(value)
        if when is None:
            raise self._fail(key, "a date", value)
        return when

    def flag(self, key: str) -> bool | None:
        """A boolean field; "true"/"false" text is accepted."""
        value = self.data.get(key)
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        raise self._fail(key, "true or false", value)

    def obj(self, key: str) -> Record:
        """A nested object (an empty one when absent)."""
        value = self.data.get(key)
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise self._fail(key, "an object", value)
        return Record(value, source=self.source, where=f"{self.where}.{key}")

    def items(self, key: str) -> list[Any]:
        """A list field (an empty list when absent)."""
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self._fail(key, "a list", value)
        return value

    def objs(self, key: str) -> list[Record]:
        """A list of objects, each wrapped as a ``Record``."""
        return [
            Record(item, source=self.source, where=f"{self.where}.{key}[{index}]")
            for index, item in enumerate(self.items(key))
        ]

    def pick(self, *keys: str) -> dict[str, Any]:
        """The given fields that are present and not empty, for ``Posting.extra``."""
        return {k: self.data[k] for k in keys if self.data.get(k) not in (None, "", [], {})}


def build_postings(
    records: Iterable[Any], build: Callable[[Any], Posting | StoredPosting | None], *,
    source: Source | str, where: str | None = None,
) -> list[Posting | StoredPosting]:
    """Map every record with ``build``; skip unreadable ones with a warning, raise if all are.

    ``build`` returns None for a record that is deliberately left out (e.g. unlisted); that is
    not a failure. With ``where`` (e.g. "jobs"), each raw item is first wrapped as
    ``Record(item, where="jobs[i]")``. When a record is skipped, the source's fetch no longer
    counts as the full listing (``full_listing`` False) and the skips are counted in
    ``read_errors``, so the skipped posting is not taken for gone (only closed as stale if it
    stays unreadable that long).
    """
    name = source if isinstance(source, str) else source.name
    postings: list[Posting | StoredPosting] = []
    failures: list[str] = []
    for index, record in enumerate(records):
        try:
            posting = _build_one(record, build, name, f"{where}[{index}]" if where else None)
        except ParseError as exc:
            failures.append(clean_text(str(exc)))  # it may quote the record's text
        except ValidationError as exc:
            first = exc.errors()[0]
            failures.append(f"{'.'.join(map(str, first['loc']))}: {first['msg']}")
        else:
            if posting is not None:
                postings.append(posting)
            continue
        log.warning("%s: skipped a posting that cannot be read: %s", name, failures[-1])
    if failures and not postings:
        raise ParseError(
            f"none of the {len(failures)} postings could be read; first problem: {failures[0]}",
            source=name,
        )
    if failures and not isinstance(source, str):
        source.full_listing = False
        source.read_errors += len(failures)
    return postings


def _build_one(record: Any, build: Callable[[Any], Posting | StoredPosting | None], name: str,
               where: str | None) -> Posting | StoredPosting | None:
    """``build`` of one record (wrapped first when ``where``); a wrong field type is ParseError."""
    try:
        return build(Record(record, source=name, where=where) if where else record)
    except (ParseError, ValidationError):
        raise
    except RECORD_ERRORS as exc:
        raise ParseError(f"{type(exc).__name__}: {exc}", source=name) from exc


def text(value: Any) -> str | None:
    """A plain value as stripped text, or None; numbers are accepted, other types refused."""
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


def salary_fields(low: float | None, high: float | None, *, currency: str | None,
                  period: str | None = None, cents: bool = False) -> dict[str, Any]:
    """Posting salary keyword arguments from a range (``parse_salary`` infers a missing period)."""
    return _salary_kwargs(normalize.parse_salary((low, high), currency=currency, period=period,
                                                 cents=cents))


def text_salary_fields(line: str | None, *, currency: str | None = None) -> dict[str, Any]:
    """Posting salary keyword arguments from a pay text such as ``pay_line`` finds."""
    return _salary_kwargs(normalize.parse_salary(line, currency=currency)) if line else {}


def _salary_kwargs(salary: Any) -> dict[str, Any]:
    """The four salary fields of a ``Salary`` (none when it has no amount)."""
    if salary.min is None and salary.max is None:
        return {}
    return {"salary_min": salary.min, "salary_max": salary.max,
            "salary_currency": salary.currency, "salary_period": salary.period}


def pay_line(text_: str | None) -> str | None:
    """The first line of ``text_`` that states a dollar pay range, for ``parse_salary``."""
    found = _PAY_LINE.search(text_ or "")
    return found.group(0).strip()[:300] if found else None


def unchanged(source: Source, source_id: str, key: str,
              today: date | None = None) -> StoredPosting | None:
    """The stored posting of ``source_id`` when its listing entry still has change key ``key``
    and its detail is not due again; None when the detail should be read."""
    stored = source.previous.get(source_id)
    if stored is None or stored.extra.get(CHANGE_KEY) != key:
        return None
    try:
        read_on = date.fromisoformat(str(stored.extra.get(DETAIL_DAY)))
    except ValueError:
        return None
    wait = REFRESH_DAYS + zlib.crc32(source_id.encode()) % REFRESH_DAYS
    today = today or datetime.now(UTC).date()
    return stored if today - read_on < timedelta(days=wait) else None


def reuse_marks(key: str, today: date | None = None) -> dict[str, str]:
    """The ``extra`` entries of a posting just read from its detail: change key and day."""
    return {CHANGE_KEY: key, DETAIL_DAY: (today or datetime.now(UTC).date()).isoformat()}


def board_list(data: Any, key: str | None, *, source: str) -> list[Any]:
    """The list of records in a board response (``data[key]``, or ``data`` itself)."""
    if key is not None:
        if not isinstance(data, dict):
            raise ParseError(f"expected an object with a {key!r} list, got {_kind(data)}",
                             source=source)
        if key not in data:
            keys = ", ".join(sorted(map(str, data))[:8]) or "none"
            raise ParseError(f"the response has no {key!r} list (its keys: {keys})",
                             source=source)
        data = data[key]
    if not isinstance(data, list):
        where = f"{key!r}" if key else "the response"
        raise ParseError(f"{where}: expected a list of postings, got {_kind(data)}",
                         source=source)
    return data


def _kind(value: Any) -> str:
    """A short description of a JSON value, for error messages."""
    if isinstance(value, str):
        return f"text {value[:40]!r}"
    names = {dict: "an object", list: "a list", bool: "true/false", int: "a number",
             float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)
