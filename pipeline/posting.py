"""The one normalized posting model every source maps into.

Anything a board says that has no field here goes into ``extra``; the model never grows a
board-specific field.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

#: Multipliers that turn a salary per period into a salary per year (full-time assumptions).
ANNUAL_FACTOR = {"hour": 2080, "day": 260, "week": 52, "month": 12, "year": 1}


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
