"""Hard filters per subscriber (``pipeline.config.Filters``), applied to a whole index at once.

``remote`` keeps the listed remote statuses (unknown is dropped). ``states`` / ``cities`` keep
postings there and remote ones, except remote postings restricted to or closed to some states
(``extra.residency``, ``extra.residency_excluded``); a merged opening
(``extra.opening_locations``) is in each of its cities. ``min_salary`` compares the top of the
annualised range; ``employment_types`` matches loosely ("Full Time" = "full-time"); both keep
postings that state nothing. With ``radius_miles``, a posting also passes ``cities`` when its
city and state lie within that many miles of a listed city (``pipeline.normalize.geo``); a
posting or listed city that cannot be located is held to the exact-city rule.
``exclude_words`` (title or description) and ``exclude_companies``
(case-insensitive) drop postings; ``max_age_days`` drops postings posted (or, undated, first
seen) longer ago.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np

from pipeline.config import Filters
from pipeline.match.text import norm
from pipeline.normalize.places import US_STATES as STATE_NAMES
from pipeline.posting import Posting, Remote

if TYPE_CHECKING:
    from pipeline.normalize.geo import Point

#: Two-letter code -> lower-case name, so 'tx', 'Texas' and 'TX' compare equal.
US_STATES = {code: name.lower() for code, name in STATE_NAMES.items()}
#: The columns holding a value per posting that many postings share (codes into distinct values).
_SHARED = ("remote", "region", "city", "location", "type", "company", "residency", "excluded")
#: The columns holding a number per posting (NaN: not stated).
_NUMBERS = ("salary", "dated")


def _state(value: str) -> str:
    """'tx', 'Texas', 'TX' -> 'texas'."""
    value = value.strip()
    return US_STATES.get(value.upper(), norm(value))


class Shared:
    """A column of values many rows share: each row's code into the distinct values, so a
    test on the values is worked out once per distinct value, not once per row."""

    def __init__(self, codes: np.ndarray, values: list):
        self.codes, self.values = codes, values

    @classmethod
    def of(cls, items: list) -> Shared:
        """The column of ``items`` (hashable values)."""
        index: dict = {}
        codes = np.fromiter((index.setdefault(x, len(index)) for x in items), np.int64,
                            len(items))
        return cls(codes, list(index))

    def test(self, check) -> np.ndarray:
        """``check(value)`` of each row, as a boolean array."""
        found = np.fromiter(map(check, self.values), dtype=bool, count=len(self.values))
        return found[self.codes]

    def isin(self, wanted) -> np.ndarray:
        """Which rows hold one of ``wanted``."""
        return self.test(wanted.__contains__)

    def take(self, rows: np.ndarray) -> Shared:
        return Shared(self.codes[rows], self.values)

    def joined(self, other: Shared) -> Shared:
        """This column's rows, then ``other``'s."""
        index = {value: code for code, value in enumerate(self.values)}
        recode = np.fromiter((index.setdefault(v, len(index)) for v in other.values), np.int64,
                             len(other.values))
        return Shared(np.concatenate([self.codes, recode[other.codes]]), list(index))

    def __iter__(self):
        return map(self.values.__getitem__, self.codes.tolist())


class PostingColumns:
    """The columns filters look at, one row per posting: ``Shared`` text columns (see
    ``_SHARED``) and float arrays (``_NUMBERS``), by name."""

    def __init__(self, columns: dict):
        self.columns = columns

    def __getitem__(self, name: str):
        return self.columns[name]

    def __len__(self) -> int:
        return len(self.columns["salary"])

    def take(self, rows: np.ndarray) -> PostingColumns:
        """Only ``rows``, in that order."""
        return PostingColumns({name: column.take(rows) if isinstance(column, Shared)
                               else column[rows] for name, column in self.columns.items()})

    def joined(self, other: PostingColumns) -> PostingColumns:
        """These rows, then ``other``'s."""
        return PostingColumns({name: column.joined(other[name]) if isinstance(column, Shared)
                               else np.concatenate([column, other[name]])
                               for name, column in self.columns.items()})


def posting_columns(postings: list[Posting]) -> PostingColumns:
    """The columns filters look at, one row per posting (each distinct value normalised once)."""
    done: dict[str, str] = {}

    def n(text: str | None) -> str:
        text = text or ""
        return done[text] if text in done else done.setdefault(text, norm(text))

    def row(p: Posting) -> tuple:  # a value per column, in the order of _SHARED + _NUMBERS
        low, high = p.annual_salary()
        return (p.remote.value, _state(p.region) if p.region else "", n(p.city),
                n(_locations(p)), n(p.employment_type), n(p.company),
                _residency(p, "residency"), _residency(p, "residency_excluded"),
                high if high is not None else low, _dated(p))

    names = _SHARED + _NUMBERS
    values = dict(zip(names, map(list, zip(*map(row, postings), strict=True)
                                 if postings else [()] * len(names)), strict=True))
    columns: dict = {name: Shared.of(values[name]) for name in _SHARED}
    columns.update({name: np.array([np.nan if v is None else v for v in values[name]],
                                   dtype=float) for name in _NUMBERS})
    return PostingColumns(columns)


def _dated(posting: Posting) -> float:
    """When the posting was posted, else first seen, as a UNIX time (NaN: neither is known)."""
    when = posting.posted_at or posting.first_seen
    return when.timestamp() if when is not None else float("nan")


def _locations(posting: Posting) -> str:
    """The posting's location, or every location of an opening posted in several places."""
    return " ; ".join(posting.extra.get("opening_locations") or [posting.location or ""])


def _residency(posting: Posting, key: str) -> frozenset[str]:
    """The states (lower-case names) in ``extra[key]`` of a remote posting: those it may be
    worked from (``residency``; empty: anywhere) or not (``residency_excluded``)."""
    if posting.remote is not Remote.REMOTE:
        return frozenset()
    return frozenset(_state(code) for code in posting.extra.get(key) or [])


def _place_mask(columns: PostingColumns, filters: Filters) -> np.ndarray:
    keep = np.ones(len(columns), dtype=bool)
    remote = columns["remote"].isin({Remote.REMOTE.value})
    restricted = columns["residency"].test(bool)
    anywhere = remote & ~restricted
    if filters.states:
        states = {_state(s) for s in filters.states}
        codes = {code.lower() for code, name in US_STATES.items() if name in states}
        in_state = columns["region"].isin(states) | columns["location"].test(
            lambda loc: bool(set(loc.split()) & codes) or any(s in loc for s in states))
        allowed = columns["residency"].test(lambda allowed: bool(allowed & states))
        barred = columns["excluded"].test(lambda excluded: states <= excluded)
        keep &= np.where(restricted, allowed, in_state | (anywhere & ~barred))
    if filters.cities:
        cities = [norm(c) for c in filters.cities]
        in_city = columns["city"].isin(set(cities)) | columns["location"].test(
            lambda loc: any(c in loc for c in cities))
        if filters.radius_miles is not None:
            in_city = in_city | _within_radius(columns, filters)
        keep &= in_city | remote
    return keep


def _centre(city: str, states: list[str]) -> Point | None:
    """A listed city's coordinates; 'Columbus' is looked for first in the listed states."""
    from pipeline.normalize.geo import locate, locate_listed  # the place data: only for a radius

    if "," in city:
        return locate_listed(city)
    for state in states:
        if (point := locate(city, state)) is not None:
            return point
    return locate(city)


def _within_radius(columns: PostingColumns, filters: Filters) -> np.ndarray:
    """Rows whose city and state lie within ``radius_miles`` of a listed city (each distinct
    place located once; places not in the data are not within)."""
    from pipeline.normalize.geo import locate, miles_to_nearest

    centres = [p for c in filters.cities if (p := _centre(c, filters.states)) is not None]
    city, region = columns["city"], columns["region"]
    pairs, inverse = np.unique(np.stack([city.codes, region.codes], axis=1), axis=0,
                               return_inverse=True)
    places = [(city.values[c], region.values[r]) for c, r in pairs.tolist()]
    located = {i: point for i, (c, r) in enumerate(places)
               if (point := locate(c, r)) is not None}
    near = miles_to_nearest(list(located.values()), centres) <= filters.radius_miles
    within = np.zeros(len(places), dtype=bool)
    within[[i for i, ok in zip(located, near, strict=True) if ok]] = True
    return within[inverse.ravel()]


def filter_mask(columns: PostingColumns, filters: Filters | None,
                texts: list[str] | None = None, now: datetime | None = None) -> np.ndarray:
    """Boolean mask of the rows that pass ``filters`` at ``now`` (default: the current time);
    ``texts`` are titles + descriptions."""
    keep = np.ones(len(columns), dtype=bool)
    if filters is None:
        return keep
    if filters.remote:
        keep &= columns["remote"].isin({r.value for r in filters.remote})
    keep &= _place_mask(columns, filters)
    if filters.min_salary is not None:
        salary = columns["salary"]
        keep &= np.isnan(salary) | (salary >= filters.min_salary)
    if filters.employment_types:
        wanted = {norm(t) for t in filters.employment_types}
        keep &= columns["type"].isin(wanted | {""})
    if filters.exclude_companies:
        keep &= ~columns["company"].isin({norm(c) for c in filters.exclude_companies})
    if filters.exclude_words and texts is not None:
        pattern = re.compile(r"\b(" + "|".join(re.escape(w.lower()) for w in
                                               filters.exclude_words) + r")\b")
        keep &= np.array([not pattern.search(t.lower()) for t in texts], dtype=bool)
    if filters.max_age_days is not None:
        oldest = ((now or datetime.now(UTC)) - timedelta(days=filters.max_age_days)).timestamp()
        dated = columns["dated"]
        keep &= np.isnan(dated) | (dated >= oldest)
    return keep
