"""The one interface every source implements, and the config fields every source shares.

A source is one file in ``pipeline/sources/``: a ``SourceConfig`` subclass naming its own keys
(with ``type: Literal["<name>"]``) and a ``Source`` subclass whose ``fetch`` returns postings.
It is registered by one line in ``pipeline/sources/__init__.py``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from pipeline.posting import Posting

if TYPE_CHECKING:
    from pipeline.http import HttpClient


class Schedule(BaseModel):
    """When the scheduler fetches a source: a cron expression or an interval like ``6h``."""

    model_config = ConfigDict(extra="forbid")

    cron: str | None = Field(default=None, description="crontab expression, e.g. '0 */6 * * *'")
    every: str | None = Field(default=None, description="interval: '30m', '6h', '1d'")


class SourceConfig(BaseModel):
    """Keys every source accepts; each source adds its own."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="unique name of this source; stored with each posting")
    type: str
    url: str | None = Field(default=None, description="replaces the board's endpoint")
    enabled: bool = True
    schedule: Schedule | None = None


class Source(ABC):
    """Fetches one board and maps its records into ``Posting`` objects.

    ``full_listing`` says whether a successful fetch returns every open posting of the board, so
    postings missing from it can be closed.
    """

    type: ClassVar[str]
    Config: ClassVar[type[SourceConfig]]
    full_listing: ClassVar[bool] = True

    def __init__(self, config: SourceConfig, http: HttpClient | None = None):
        self.config = config
        self.http = http

    @property
    def name(self) -> str:
        """The configured name of this source."""
        return self.config.name

    @abstractmethod
    def fetch(self) -> list[Posting]:
        """Return the board's current postings; raise ``SourceError`` when it cannot."""
