"""The one interface every source implements, and the config fields every source shares.

A source is one file in ``pipeline/sources/``: a ``SourceConfig`` subclass naming its own keys
(with ``type: Literal["<name>"]``) and a ``Source`` subclass whose ``fetch`` returns postings.
It is registered by one line in ``pipeline/sources/__init__.py``.

Lifecycle: after a successful fetch that is the board's full listing (``full_listing``), postings
it no longer shows are closed, but only after a fetch without errors (``read_errors`` 0): a
posting skipped because its record or a detail request failed is not gone. A posting not shown
(or not readable) for ``stale_after_days`` days is closed whatever the source. A board that
limits how often it may be asked declares ``min_interval``: a run that comes sooner after the
board's last fetch (by any source of that type) skips the source.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pipeline.posting import Posting

if TYPE_CHECKING:
    from pipeline.http import HttpClient


class Schedule(BaseModel):
    """When the scheduler fetches a source: a cron expression or an interval like ``6h``."""

    model_config = ConfigDict(extra="forbid")

    cron: str | None = Field(default=None, description="crontab expression, e.g. '0 */6 * * *'")
    every: str | None = Field(default=None, description="interval: '30m', '6h', '1d'")


def whole_days(value: Any) -> Any:
    """Validator of a number of days: a whole number, 1 or more (not '30', 2.5 or true)."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ValueError("write a whole number of days, 1 or more, like 30")
    return value


class SourceConfig(BaseModel):
    """Keys every source accepts; each source adds its own."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="unique name of this source; stored with each posting")
    type: str
    url: str | None = Field(default=None, description="replaces the board's endpoint")
    enabled: bool = True
    schedule: Schedule | None = None
    stale_after_days: int | None = Field(
        default=None, description="close a posting this source has not shown for this many "
                                  "days; default: postings.stale_after_days")

    _days = field_validator("stale_after_days", mode="before")(whole_days)


class Source(ABC):
    """Fetches one board and maps its records into ``Posting`` objects.

    ``full_listing`` says whether a successful fetch returns every open posting of the board, so
    postings missing from it can be closed: False for a fetch partial by nature (a latest-N feed,
    a limit, a page cap). ``read_errors`` counts what this fetch could not read (a record, a
    detail request, a page) although the board lists it: a fetch partial because of errors, which
    closes nothing as missing (only as stale). ``min_interval`` is the shortest time the board
    allows between two fetches (None: no limit), and ``min_interval_reason`` says so in a sentence
    for the run report. A board too big to read whole at every fetch sets ``reuses_stored``:
    before its fetch, ``previous`` maps each source_id it stored to that posting, so it can
    return a posting its listing shows unchanged as stored, without asking for its detail.
    """

    type: ClassVar[str]
    Config: ClassVar[type[SourceConfig]]
    full_listing: ClassVar[bool] = True
    min_interval: ClassVar[timedelta | None] = None
    min_interval_reason: ClassVar[str] = "the board limits how often it may be fetched"
    reuses_stored: ClassVar[bool] = False

    def __init__(self, config: SourceConfig, http: HttpClient | None = None):
        self.config = config
        self.http = http
        self.read_errors = 0
        self.previous: dict[str, Posting] = {}

    @property
    def name(self) -> str:
        """The configured name of this source."""
        return self.config.name

    @abstractmethod
    def fetch(self) -> list[Posting]:
        """Return the board's current postings; raise ``SourceError`` when it cannot."""
