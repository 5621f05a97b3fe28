"""The one normalized posting model every source maps into, and the text cleaning at its door.

Anything a board says that has no field here goes into ``extra``; the model never grows a
board-specific field. Every string a posting is made from, also the keys and strings nested in
``extra``, is cleaned on the way in (``clean_text``), whatever the source: a lone surrogate (a
valid JSON escape such as ``"\\ud800"``) cannot be encoded as UTF-8 for the database or an e-mail,
and PostgreSQL refuses a NUL byte in text. ``StoredPosting`` is the light view of a stored
posting that a source reusing stored postings hands back unchanged.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, field_validator

#: Multipliers that turn a salary per period into a salary per year (full-time assumptions).
ANNUAL_FACTOR = {"hour": 2080, "day": 260, "week": 52, "month": 12, "year": 1}


#: C0 control characters except tab, line feed and carriage return (line breaks stay). In UTF-8
#: these bytes never occur inside another character's encoding, so they can be deleted as bytes.
_CONTROLS = bytes(set(range(0x20)) - {0x09, 0x0A, 0x0D})


def clean_text(text: str) -> str:
    """``text`` with lone surrogates replaced by U+FFFD and C0 controls (but tab, LF, CR) removed.

    A high and low surrogate that stand next to each other become the character they encode.
    (Encoding, then deleting bytes, is C all through: posting text is long and read often.)
    """
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError:  # a surrogate: pairs joined, lone ones replaced
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
        raw = text.encode("utf-8")
    kept = raw.translate(None, _CONTROLS)
    return text if len(kept) == len(raw) else kept.decode("utf-8")


def clean_value(value: Any) -> Any:
    """``value`` with every string in it cleaned (``clean_text``), through dicts and lists."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_value(key): clean_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [clean_value(item) for item in value]
    return value


#: Keys of ``extra`` written after storing (de-duplication's notes), not said by the board: they
#: never mark a posting as changed.
DERIVED_EXTRA = ("duplicate_listings", "opening_locations")


class Remote(StrEnum):
    """Where the work happens."""

    REMOTE = "remote"
    HYBRID = "hybrid"
    ONSITE = "onsite"
    UNKNOWN = "unknown"


class Posting(BaseModel):
    """One job posting as stored, ranked and mailed.

    ``source`` is the name of the source in jobs.yaml; ``source_id`` the board's own id. The pair
    is the posting's identity. ``description`` is plain text; ``description_html`` keeps the
    sanitized HTML when the board sent HTML.
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=False)

    id: int | None = Field(default=None, description="database id, set by the store")
    source: str
    source_id: str
    url: str | None = None
    title: str
    company: str | None = None
    location: str | None = None
    city: str | None = None
    region: str | None = None
    country: str | None = None
    remote: Remote = Remote.UNKNOWN
    description: str = ""
    description_html: str | None = None
    salary_min: float | None = None
    salary_max: float | None = None
    salary_currency: str | None = None
    salary_period: str | None = Field(
        default=None, description="hour, day, week, month or year"
    )
    employment_type: str | None = None
    posted_at: datetime | None = None
    valid_through: datetime | None = None
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    closed_at: datetime | None = None
    extra: dict[str, Any] = Field(default_factory=dict)

    _clean = field_validator("*", mode="before")(clean_value)

    def updated(self, **changes: Any) -> Posting:
        """A copy with ``changes``, cleaned as at construction (``model_copy`` alone skips the
        cleaning, so text from outside must come in through here)."""
        return self.model_copy(update={name: clean_value(value) for name, value in changes.items()})

    @property
    def key(self) -> tuple[str, str]:
        """The posting's identity: (source name, board id)."""
        return (self.source, self.source_id)

    @property
    def is_open(self) -> bool:
        """True until the posting was closed (gone from its board or past ``valid_through``)."""
        return self.closed_at is None

    def annual_salary(self) -> tuple[float | None, float | None]:
        """Salary range per year, for filtering; (None, None) when the period is unknown."""
        factor = ANNUAL_FACTOR.get(self.salary_period or "")
        if factor is None:
            return (None, None)
        low = self.salary_min * factor if self.salary_min is not None else None
        high = self.salary_max * factor if self.salary_max is not None else None
        return (low, high)


class StoredPosting(NamedTuple):
    """A stored posting as a source that reuses stored postings sees it (``Source.previous``):
    what it needs to hand the posting back unchanged, and what storing an unchanged posting
    reads (identity, dates, ``extra``), not its text. Handed back, it is stored as it is:
    only ``last_seen`` moves (and a closed one opens again, unless past ``valid_through``)."""

    id: int
    source: str
    source_id: str
    posted_at: datetime | None
    valid_through: datetime | None
    closed_at: datetime | None
    extra: dict[str, Any]
