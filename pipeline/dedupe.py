"""De-duplication: the same job on several boards, or in several cities, kept as one posting.

Two open postings are the same opening when they have the same employer and either

- the same normalized title and location (a job cross-posted on several boards), or
- near-identical descriptions (TF-IDF cosine over words and word pairs >= ``SIMILARITY``, IDF
  fitted on the postings themselves so shared employer boilerplate weighs little) and similar
  titles (a word Jaccard >= ``TITLE_JACCARD``): this also catches one opening posted in many
  cities.

Each group keeps its oldest posting (lowest id) as the canonical one; the others get its id in
``canonical_id`` and so drop out of ``Store.open_postings``, which is all the matcher and the
notifier read. The canonical posting's ``extra`` gains ``duplicate_listings`` (source, id, url,
location of each other listing) and, when they differ, ``opening_locations``. Closed postings take
no part. Running it again gives the same result.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer

from pipeline.posting import Posting

SIMILARITY = 0.9
TITLE_JACCARD = 0.5
HASH_FEATURES = 2**20  # word and word-pair buckets; collisions are rare at this size
CHUNK_ROWS = 500  # rows compared at once within one employer: memory ~ CHUNK_ROWS x employer size
MIN_DESCRIPTION_CHARS = 200  # shorter descriptions say too little to compare
NOTE_KEYS = ("duplicate_listings", "opening_locations")

_COMPANY_SUFFIXES = re.compile(
    r"\b(inc|incorporated|llc|l\.l\.c|ltd|limited|corp|corporation|co|company|plc|lp|llp|pc|"
    r"pllc|gmbh|the)\b\.?")
_TITLE_NOISE = re.compile(
    r"\([^)]*\)|\[[^\]]*\]|\b(req|job|requisition)?\s*#?\s*[a-z]{0,3}-?\d{4,}\b|"
    r"\b(remote|hybrid|on-?site|telecommute|work from home|full[- ]time|part[- ]time)\b")
_NON_WORD = re.compile(r"[^a-z0-9]+")


@dataclass
class DedupeReport:
    """What one de-duplication pass found."""

    groups: int = 0
    duplicates: int = 0


def norm_company(name: str | None) -> str:
    """'Acme Health, Inc.' -> 'acme health'; '' when unknown."""
    text = (name or "").lower().replace("&", " and ")
    return _NON_WORD.sub(" ", _COMPANY_SUFFIXES.sub(" ", text)).strip()


def norm_title(title: str | None) -> str:
    """'RN Case Manager (Remote) - Req #12345' -> 'rn case manager'."""
    text = _TITLE_NOISE.sub(" ", (title or "").lower())
    return _NON_WORD.sub(" ", text).strip()


def norm_location(posting: Posting) -> str:
    """City / region / country when parsed, else the location text, normalized."""
    parts = [posting.city, posting.region, posting.country]
    text = " ".join(p for p in parts if p) if any(parts[:2]) else (posting.location or "")
    return _NON_WORD.sub(" ", text.lower()).strip()


def opening_key(posting: Posting) -> tuple[str, str, str] | None:
    """Employer, title and location, normalized: the same opening wherever it is listed.

    None when the employer is unknown (too little to say two listings are one job).
    """
    company = norm_company(posting.company)
    if not company:
        return None
    return (company, norm_title(posting.title), norm_location(posting))


class _Groups:
    """Union-find over posting positions."""

    def __init__(self, size: int):
        self.parent = list(range(size))

    def find(self, item: int) -> int:
        """The representative of ``item``'s group (path halving)."""
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, first: int, second: int) -> None:
        """Join two groups; the lower position represents them."""
        low, high = sorted((self.find(first), self.find(second)))
        self.parent[high] = low

    def groups(self) -> list[list[int]]:
        """Groups of more than one member, each in ascending order."""
        found: dict[int, list[int]] = defaultdict(list)
        for item in range(len(self.parent)):
            found[self.find(item)].append(item)
        return [members for members in found.values() if len(members) > 1]


def find_duplicate_groups(postings: list[Posting]) -> list[list[int]]:
    """Positions of postings that are one opening, each group in ascending order."""
    groups = _Groups(len(postings))
    by_company: dict[str, list[int]] = defaultdict(list)
    for index, posting in enumerate(postings):
        company = norm_company(posting.company).replace(" ", "")  # 'acmehealth' board tokens
        if company:
            by_company[company].append(index)
    blocks = [members for members in by_company.values() if len(members) > 1]
    for members in blocks:
        _same_title_and_place(postings, members, groups)
    _similar_descriptions(postings, blocks, groups)
    return sorted(groups.groups())


def _same_title_and_place(postings: list[Posting], members: list[int], groups: _Groups) -> None:
    """Join postings of one employer with the same normalized title and location."""
    first_of: dict[tuple[str, str], int] = {}
    for index in members:
        key = (norm_title(postings[index].title), norm_location(postings[index]))
        if key in first_of:
            groups.union(first_of[key], index)
        else:
            first_of[key] = index


def _similar_descriptions(postings: list[Posting], blocks: list[list[int]],
                          groups: _Groups) -> None:
    """Join postings of one employer whose descriptions are near-identical and titles alike."""
    usable = [[i for i in block if len(postings[i].description) >= MIN_DESCRIPTION_CHARS]
              for block in blocks]
    usable = [block for block in usable if len(block) > 1]
    if not usable:
        return
    order = [i for block in usable for i in block]
    hashed = HashingVectorizer(ngram_range=(1, 2), n_features=HASH_FEATURES, alternate_sign=False,
                               norm=None, dtype=np.float32)  # no vocabulary kept: bounded memory
    counts = hashed.transform([postings[i].description for i in order])
    vectors = TfidfTransformer(sublinear_tf=True).fit_transform(counts)
    row_of = {index: row for row, index in enumerate(order)}
    for block in usable:
        rows = vectors[[row_of[i] for i in block]]
        for start in range(0, len(block), CHUNK_ROWS):  # bounded memory for big employers
            similar = (rows[start:start + CHUNK_ROWS] @ rows.T).tocoo()
            close = similar.data >= SIMILARITY
            for a, b in zip(similar.row[close] + start, similar.col[close], strict=True):
                if a < b and _titles_alike(postings[block[a]], postings[block[b]]):
                    groups.union(block[a], block[b])


def _titles_alike(first: Posting, second: Posting) -> bool:
    """Titles share at least ``TITLE_JACCARD`` of their words (Jaccard)."""
    words_a, words_b = set(norm_title(first.title).split()), set(norm_title(second.title).split())
    if not words_a or not words_b:
        return False
    return len(words_a & words_b) / len(words_a | words_b) >= TITLE_JACCARD


def dedupe_postings(store) -> DedupeReport:
    """Group the store's open postings, set canonical ids and notes; report what was found."""
    rows = store.open_posting_rows()
    postings = [posting for _, _, posting in rows]
    groups = find_duplicate_groups(postings)
    wanted: dict[int, int | None] = {row_id: None for row_id, _, _ in rows}
    notes: dict[int, dict] = {}
    for members in groups:
        canonical = rows[members[0]][0]
        for index in members[1:]:
            wanted[rows[index][0]] = canonical
        notes[canonical] = _notes([postings[i] for i in members])
    changed = {row_id: wanted[row_id] for row_id, current, _ in rows
               if current != wanted[row_id]}
    if changed:
        store.set_canonical(changed)
    extras = {}
    for row_id, _, posting in rows:
        extra = {k: v for k, v in posting.extra.items() if k not in NOTE_KEYS}
        extra.update(notes.get(row_id, {}))
        if extra != posting.extra:
            extras[row_id] = extra
    if extras:
        store.update_extras(extras)
    return DedupeReport(groups=len(groups), duplicates=sum(len(g) - 1 for g in groups))


def _notes(members: list[Posting]) -> dict:
    """The canonical posting's notes: the other listings and, when several, the locations."""
    others = members[1:]
    notes: dict = {"duplicate_listings": [
        {"source": p.source, "source_id": p.source_id, "url": p.url, "location": p.location}
        for p in others]}
    locations = list(dict.fromkeys(p.location for p in members if p.location))
    if len(locations) > 1:
        notes["opening_locations"] = locations
    return notes
