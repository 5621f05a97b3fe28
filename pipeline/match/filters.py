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

import numpy as np
import pandas as pd

from pipeline.config import Filters
from pipeline.match.text import norm
from pipeline.normalize.geo import Point, locate, locate_listed, miles_to_nearest
from pipeline.normalize.places import US_STATES as STATE_NAMES
from pipeline.posting import Posting, Remote

#: Two-letter code -> lower-case name, so 'tx', 'Texas' and 'TX' compare equal.
US_STATES = {code: name.lower() for code, name in STATE_NAMES.items()}


def _state(value: str) -> str:
    """'tx', 'Texas', 'TX' -> 'texas'."""
    value = value.strip()
    return US_STATES.get(value.upper(), norm(value))


def posting_frame(postings: list[Posting]) -> pd.DataFrame:
    """The columns filters look at, one row per posting (each distinct value normalised once)."""
    done: dict[str, str] = {}

    def n(text: str | None) -> str:
        text = text or ""
        return done[text] if text in done else done.setdefault(text, norm(text))

    rows = []
    for p in postings:
        low, high = p.annual_salary()
        rows.append({
            "remote": p.remote.value, "region": _state(p.region) if p.region else "",
            "city": n(p.city), "location": n(_locations(p)),
            "salary": high if high is not None else low, "type": n(p.employment_type),
            "company": n(p.company), "residency": _residency(p, "residency"),
            "excluded": _residency(p, "residency_excluded"), "dated": _dated(p),
        })
    frame = pd.DataFrame(rows, columns=["remote", "region", "city", "location", "salary",
                                        "type", "company", "residency", "excluded", "dated"])
    frame["salary"] = frame["salary"].astype(float)
    frame["dated"] = frame["dated"].astype(float)
    return frame


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


def _place_mask(frame: pd.DataFrame, filters: Filters) -> np.ndarray:
    keep = np.ones(len(frame), dtype=bool)
    remote = (frame["remote"] == Remote.REMOTE.value).to_numpy()
    restricted = frame["residency"].map(bool).to_numpy(dtype=bool)
    anywhere = remote & ~restricted
    if filters.states:
        states = {_state(s) for s in filters.states}
        codes = {code.lower() for code, name in US_STATES.items() if name in states}
        in_state = frame["region"].isin(states).to_numpy() | frame["location"].map(
            lambda loc: bool(set(loc.split()) & codes) or any(s in loc for s in states)).to_numpy()
        allowed = frame["residency"].map(lambda allowed: bool(allowed & states)).to_numpy(
            dtype=bool)
        barred = frame["excluded"].map(lambda excluded: states <= excluded).to_numpy(dtype=bool)
        keep &= np.where(restricted, allowed, in_state | (anywhere & ~barred))
    if filters.cities:
        cities = [norm(c) for c in filters.cities]
        in_city = (frame["city"].isin(cities) | frame["location"].map(
            lambda loc: any(c in loc for c in cities))).to_numpy()
        if filters.radius_miles is not None:
            in_city = in_city | _within_radius(frame, filters)
        keep &= in_city | remote
    return keep


def _centre(city: str, states: list[str]) -> Point | None:
    """A listed city's coordinates; 'Columbus' is looked for first in the listed states."""
    if "," in city:
        return locate_listed(city)
    for state in states:
        if (point := locate(city, state)) is not None:
            return point
    return locate(city)


def _within_radius(frame: pd.DataFrame, filters: Filters) -> np.ndarray:
    """Rows whose city and state lie within ``radius_miles`` of a listed city (each distinct
    place located once; places not in the data are not within)."""
    centres = [p for c in filters.cities if (p := _centre(c, filters.states)) is not None]
    places = frame[["city", "region"]].drop_duplicates()
    located = {(city, region): point for city, region in places.itertuples(index=False)
               if (point := locate(city, region)) is not None}
    near = miles_to_nearest(list(located.values()), centres) <= filters.radius_miles
    within = {place for place, ok in zip(located, near, strict=True) if ok}
    return np.fromiter(((c, r) in within for c, r in zip(frame["city"], frame["region"],
                                                           strict=True)),
                       dtype=bool, count=len(frame))


def filter_mask(frame: pd.DataFrame, filters: Filters | None,
                texts: list[str] | None = None, now: datetime | None = None) -> np.ndarray:
    """Boolean mask of the rows that pass ``filters`` at ``now`` (default: the current time);
    ``texts`` are titles + descriptions."""
    keep = np.ones(len(frame), dtype=bool)
    if filters is None:
        return keep
    if filters.remote:
        keep &= frame["remote"].isin([r.value for r in filters.remote]).to_numpy()
    keep &= _place_mask(frame, filters)
    if filters.min_salary is not None:
        salary = frame["salary"].to_numpy()
        keep &= np.isnan(salary) | (salary >= filters.min_salary)
    if filters.employment_types:
        wanted = {norm(t) for t in filters.employment_types}
        keep &= ((frame["type"] == "") | frame["type"].isin(wanted)).to_numpy()
    if filters.exclude_companies:
        keep &= ~frame["company"].isin({norm(c) for c in filters.exclude_companies}).to_numpy()
    if filters.exclude_words and texts is not None:
        pattern = re.compile(r"\b(" + "|".join(re.escape(w.lower()) for w in
                                               filters.exclude_words) + r")\b")
        keep &= np.array([not pattern.search(t.lower()) for t in texts], dtype=bool)
    if filters.max_age_days is not None:
        oldest = ((now or datetime.now(UTC)) - timedelta(days=filters.max_age_days)).timestamp()
        dated = frame["dated"].to_numpy()
        keep &= np.isnan(dated) | (dated >= oldest)
    return keep
