"""The one interface every source implements.

A source is one file in ``pipeline/sources/``: a ``SourceConfig`` subclass naming its own keys
(``type: Literal["<name>"]``) and a ``Source`` subclass whose ``fetch`` returns postings,
registered by one line in ``pipeline/sources/__init__.py``. ``SourceConfig`` lives in
``pipeline.config.sources`` and is re-exported here.

Lifecycle: after an error-free fetch of the board's full listing (``full_listing``,
``read_errors`` 0) postings it does not show are closed; any posting not shown for
``stale_after_days`` is closed whatever the source. A board that limits how often it may be asked
declares ``min_interval``: a run sooner after the board's last fetch skips the source.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import timedelta
from typing import TYPE_CHECKING, ClassVar

from pipeline.config.sources import Schedule, SourceConfig, whole_days
from pipeline.posting import Posting, StoredPosting

if TYPE_CHECKING:
    from pipeline.http import HttpClient

__all__ = ["Schedule", "Source", "SourceConfig", "whole_days"]


class Source(ABC):
    """Fetches one board and maps its records into ``Posting`` objects.

    ``full_listing`` says whether a successful fetch returns every open posting of the board, so
    postings missing from it can be closed: False for a fetch partial by nature (a latest-N feed,
    a limit, a page cap). ``read_errors`` counts what this fetch could not read (a record, a
    detail request, a page) although the board lists it: a fetch partial because of errors, which
    closes nothing as missing (only as stale). ``min_interval`` is the shortest time the board
    allows between two fetches (None: no limit), and ``min_interval_reason`` says so in a sentence
    for the run report. A board too big to read whole at every fetch sets ``reuses_stored``:
    before its fetch, ``previous`` maps each source_id it stored to that posting (a
    ``StoredPosting``: identity, dates and ``extra``, not the text), so it can return a posting
    its listing shows unchanged as stored, without asking for its detail. ``reads_network`` is
    False for a source that never sends a request (local files): a fetch of such sources alone
    opens no HTTP client.
    """

    type: ClassVar[str]
    Config: ClassVar[type[SourceConfig]]
    full_listing: ClassVar[bool] = True
    min_interval: ClassVar[timedelta | None] = None
    min_interval_reason: ClassVar[str] = "the board limits how often it may be fetched"
    reuses_stored: ClassVar[bool] = False
    reads_network: ClassVar[bool] = True
    #: The entries of ``extra`` a source that reuses stored postings reads from ``previous``
    #: (text values; the others are not read); None: the whole of ``extra``.
    stored_extra: ClassVar[tuple[str, ...] | None] = None

    def __init__(self, config: SourceConfig, http: HttpClient | None = None):
        self.config = config
        self.http = http
        self.read_errors = 0
        self.previous: dict[str, StoredPosting] = {}

    @property
    def name(self) -> str:
        """The configured name of this source."""
        return self.config.name

    @abstractmethod
    def fetch(self) -> list[Posting | StoredPosting]:
        """Return the board's current postings; raise ``SourceError`` when it cannot."""
