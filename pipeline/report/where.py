"""Where the fitting postings are: by state, the remote share, and the employers hiring most."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from pipeline.normalize.opening import norm_company
from pipeline.normalize.places import US_STATES
from pipeline.posting import Posting

#: Lower-case state name -> two-letter code.
_CODE_OF = {name.lower(): code for code, name in US_STATES.items()}
#: States and employers listed.
TOP_SHOWN = 8


@dataclass
class Count:
    """How many of ``total`` postings fall under ``label``."""

    label: str
    count: int
    total: int

    @property
    def share(self) -> float:
        """Share of the postings (0 when there are none)."""
        return self.count / self.total if self.total else 0.0


def state_of(posting: Posting) -> str | None:
    """The posting's US state as a two-letter code, None when not a known state."""
    region = (posting.region or "").strip()
    if region.upper() in US_STATES:
        return region.upper()
    return _CODE_OF.get(region.lower())


def by_remote(postings: list[Posting]) -> list[Count]:
    """Postings per remote status (remote, hybrid, onsite, unknown), in that order."""
    counts = Counter(p.remote.value for p in postings)
    return [Count(status, counts[status], len(postings))
            for status in ("remote", "hybrid", "onsite", "unknown") if counts[status]]


def by_state(postings: list[Posting], top: int = TOP_SHOWN) -> list[Count]:
    """Postings not fully remote, per state, most first."""
    counts = Counter(state_of(p) or "Unknown" for p in postings if p.remote.value != "remote")
    return [Count(state, n, len(postings)) for state, n in
            sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]]


def top_employers(postings: list[Posting], top: int = TOP_SHOWN) -> list[Count]:
    """The employers with most fitting postings ("Acme Health, Inc." is "Acme Health")."""
    names: dict[str, str] = {}
    counts: Counter[str] = Counter()
    for posting in postings:
        key = norm_company(posting.company)
        if key:
            names.setdefault(key, posting.company.strip())
            counts[key] += 1
    return [Count(names[key], n, len(postings)) for key, n in
            sorted(counts.items(), key=lambda kv: (-kv[1], names[kv[0]]))[:top]]
