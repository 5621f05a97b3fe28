"""De-duplication: the same job on several boards, or in several cities, kept as one posting.

Two open postings of the same employer are one opening when they have the same normalized title
and location, or near-identical descriptions (TF-IDF cosine >= ``SIMILARITY``, IDF fitted on the
employer's postings) and similar titles (word Jaccard >= ``TITLE_JACCARD``). Descriptions
are weighed and compared only for employers where that could join two postings: two of them
not yet grouped by title and place have similar titles.

Each group keeps its lowest id as canonical; the others get ``canonical_id`` and drop out of
``Store.open_postings``. The canonical posting's ``extra`` gains ``duplicate_listings`` and, when
they differ, ``opening_locations``. Closed postings take no part; running it again gives the
same result. A pass regroups only the employers whose open postings changed (their signatures
are kept in the database), and reads or hashes descriptions only of the employers it weighs,
hashing only those it has no counts of: the hashed counts of each description
(``pipeline.dedupe.terms``) are kept in the database with the content hash they were made from.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from operator import itemgetter
from typing import TYPE_CHECKING

import numpy as np

from pipeline.dedupe.terms import (
    EMPTY,
    FEATURES,
    Counts,
    count,
    decode,
    encode_rows,
    joined,
)
from pipeline.normalize.opening import norm_company, norm_place, norm_title
from pipeline.posting import DERIVED_EXTRA, Posting

if TYPE_CHECKING:
    from scipy import sparse

log = logging.getLogger(__name__)

SIMILARITY = 0.9
TITLE_JACCARD = 0.5
CHUNK_ROWS = 500  # rows compared at once within one employer: memory ~ CHUNK_ROWS x employer size
BATCH_ROWS = 1024  # descriptions hashed and weighted at once (bounds the temporaries)
MIN_DESCRIPTION_CHARS = 200  # shorter descriptions say too little to compare
#: Distinct titles of one employer above which its descriptions are weighed without first
#: checking whether any two titles are alike: that check compares every pair of titles, which
#: for thousands of unalike titles costs more than weighing (2,000 titles: 1.1 s against 0.25 s).
MAY_JOIN_TITLES = 300
NOTE_KEYS = DERIVED_EXTRA
#: The name of the kept state (``Store.kept_blob``): each employer's signature at the last pass.
STATE = "dedupe_blocks"


@dataclass
class DedupeReport:
    """What one de-duplication pass found."""

    groups: int = 0
    duplicates: int = 0


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


def find_duplicate_groups(postings: list,
                          terms: list[bytes] | Callable[[list[int]], list[bytes]] | None = None,
                          ) -> list[list[int]]:
    """Positions of postings that are one opening, each group in ascending order; ``terms``:
    the encoded hashed counts of their descriptions, row for row, or what gives them for the
    positions asked (made when not given). Counts are asked for only where descriptions could
    join postings."""
    if terms is None:
        terms = _described(postings)
    elif not callable(terms):
        terms = _taken(terms)
    groups = _Groups(len(postings))
    by_company: dict[str, list[int]] = defaultdict(list)
    for index, posting in enumerate(postings):
        company = block_of(posting.company)
        if company:
            by_company[company].append(index)
    blocks = [members for members in by_company.values() if len(members) > 1]
    for members in blocks:
        _same_title_and_place(postings, members, groups)
    # an employer whose postings cannot join this way cannot with only those that have counts
    maybe = [block for block in blocks if _may_join(postings, block, groups)]
    wanted = sorted(i for block in maybe for i in block)
    found = dict(zip(wanted, terms(wanted), strict=True))
    usable = [[i for i in block if len(found[i]) > EMPTY] for block in maybe]
    _similar_descriptions(postings, found, [block for block in usable if len(block) > 1
                                            and _may_join(postings, block, groups)], groups)
    return sorted(groups.groups())


def _described(postings: list) -> Callable[[list[int]], list[bytes]]:
    """What makes the counts of the postings at the positions asked."""
    return lambda at: describe([postings[i].description for i in at])


def _taken(terms: list[bytes]) -> Callable[[list[int]], list[bytes]]:
    """What takes the counts at the positions asked from ``terms``."""
    return lambda at: [terms[i] for i in at]


def describe(descriptions: list[str]) -> list[bytes]:
    """The encoded hashed counts compared for each description (none for one too short to
    compare), hashed ``BATCH_ROWS`` at a time (bounded memory)."""
    found: list[bytes] = []
    for start in range(0, len(descriptions), BATCH_ROWS):
        made = count([text if len(text) >= MIN_DESCRIPTION_CHARS else ""
                      for text in descriptions[start:start + BATCH_ROWS]])
        found += encode_rows(made)
    return found


def _same_title_and_place(postings: list[Posting], members: list[int], groups: _Groups) -> None:
    """Join postings of one employer with the same normalized title and location."""
    first_of: dict[tuple[str, str], int] = {}
    for index in members:
        row = postings[index]
        key = (_title(row.title), _place(row.city, row.region, row.country, row.location))
        if key in first_of:
            groups.union(first_of[key], index)
        else:
            first_of[key] = index


def _may_join(postings: list, members: list[int], groups: _Groups) -> bool:
    """Whether comparing descriptions could join any of ``members`` (one employer's): only
    when two of them not yet in one group have alike titles. An employer whose alike titles
    are all grouped already (the same title and place) is not compared, nor weighed. An
    employer with more than ``MAY_JOIN_TITLES`` distinct titles is compared without the check."""
    by_words: dict[frozenset[str], set[int]] = defaultdict(set)
    for index in members:
        words = _title_words(postings[index].title)
        if words:
            by_words[words].add(groups.find(index))
    if len(by_words) > MAY_JOIN_TITLES or any(len(found) > 1 for found in by_words.values()):
        return True
    return any(by_words[a] != by_words[b] and _words_alike(a, b)
               for a, b in combinations(by_words, 2))


def _similar_descriptions(postings: list, terms: dict[int, bytes], usable: list[list[int]],
                          groups: _Groups) -> None:
    """Join postings of one employer whose descriptions are near-identical and titles alike
    (``usable``: each employer's postings with counts to compare)."""
    for batch in _batches(usable):
        order = [i for block in batch for i in block]
        rows = _block_tfidf(joined([decode(terms[i]) for i in order]),
                            [len(block) for block in batch])
        columns = rows.T.tocsr()  # transposed once, not for every chunk
        for start in range(0, len(order), CHUNK_ROWS):  # bounded memory for big employers
            similar = (rows[start:start + CHUNK_ROWS] @ columns).tocoo()
            close = similar.data >= SIMILARITY
            for a, b in zip(similar.row[close] + start, similar.col[close], strict=True):
                if a < b and _titles_alike(postings[order[a]], postings[order[b]]):
                    groups.union(order[a], order[b])


def _batches(blocks: list[list[int]]) -> list[list[list[int]]]:
    """Whole blocks gathered into batches of about ``BATCH_ROWS`` postings (memory stays
    bounded; a bigger block is a batch of its own)."""
    batches: list[list[list[int]]] = [[]]
    size = 0
    for block in blocks:
        if batches[-1] and size + len(block) > BATCH_ROWS:
            batches.append([])
            size = 0
        batches[-1].append(block)
        size += len(block)
    return [batch for batch in batches if batch]


def _block_tfidf(counts: Counts, sizes: list[int]) -> sparse.csr_matrix:
    """TF-IDF rows (sublinear tf, smoothed IDF, L2 norm) of hashed ``counts``, consecutive
    blocks of ``sizes`` rows, each block with the IDF of its own rows and columns of its own.

    The same figures as a ``TfidfTransformer`` fitted on each block alone, in one pass: as no
    column is shared between blocks, the product of the rows with their transpose compares
    postings of one employer only. The IDF of an employer's own postings makes its
    boilerplate weigh little, and a block's groups depend on that block alone.
    """
    from scipy import sparse  # here: a fetch with nothing to compare does not load SciPy

    block_of_row = np.repeat(np.arange(len(sizes)), sizes)
    block = np.repeat(block_of_row, np.diff(counts.indptr))
    keys = block.astype(np.int64) * FEATURES + counts.buckets
    _, column, df = np.unique(keys, return_inverse=True, return_counts=True)
    rows_in_block = np.asarray(sizes, dtype=np.float32)[block]
    idf = np.log((rows_in_block + 1) / (df[column].astype(np.float32) + 1)) + 1
    data = ((np.log(counts.found.astype(np.float32)) + 1) * idf).astype(np.float32)
    row = np.repeat(np.arange(len(counts)), np.diff(counts.indptr))
    norms = np.sqrt(np.bincount(row, weights=data.astype(np.float64) ** 2, minlength=len(counts)))
    data /= np.where(norms > 0, norms, 1).astype(np.float32)[row]
    return sparse.csr_matrix((data, column.ravel(), counts.indptr),
                             shape=(len(counts), len(df)))


def _titles_alike(first: Posting, second: Posting) -> bool:
    """Titles share at least ``TITLE_JACCARD`` of their words (Jaccard)."""
    return _words_alike(_title_words(first.title), _title_words(second.title))


def _words_alike(words_a: frozenset[str], words_b: frozenset[str]) -> bool:
    """Two titles' words: both some, and Jaccard at least ``TITLE_JACCARD``."""
    if not words_a or not words_b:
        return False
    return len(words_a & words_b) / len(words_a | words_b) >= TITLE_JACCARD


def dedupe_postings(store) -> DedupeReport:
    """Group the store's open postings, set canonical ids and notes; report what was found.

    Only employers whose open postings changed (new, changed, closed or reopened) since the
    last pass are grouped again: each employer's signature and counts are kept in the
    database (``STATE``), on every backend.
    """
    blocks = _blocks(store.open_posting_keys())
    done = _load_state(store)
    signatures = {block: _signature(members) for block, members in blocks.items()}
    changed = [block for block in blocks if done.get(block, [None])[0] != signatures[block]]
    ids = sorted(key[0] for block in changed for key in blocks[block])
    found = _regroup(store, _rows(store, ids, everything=len(changed) == len(blocks)))
    store.drop_closed_terms()
    counts = {block: found.get(block, (0, 0)) if block in changed else tuple(done[block][1:])
              for block in blocks}
    if changed or len(done) != len(blocks):
        state = {block: [signatures[block], *counts[block]] for block in blocks}
        store.keep_blob(STATE, json.dumps(state).encode())
    return DedupeReport(groups=sum(g for g, _ in counts.values()),
                        duplicates=sum(d for _, d in counts.values()))


@lru_cache(maxsize=65536)
def _title(title: str | None) -> str:
    """A normalized title (a pass sees few distinct titles, many times)."""
    return norm_title(title)


@lru_cache(maxsize=65536)
def _place(city: str | None, region: str | None, country: str | None,
           location: str | None) -> str:
    """A normalized location (a pass sees few distinct places, many times)."""
    return norm_place(city, region, country, location)


@lru_cache(maxsize=4096)
def _title_words(title: str | None) -> frozenset[str]:
    """The words of a normalized title (a run compares few distinct titles, many times)."""
    return frozenset(_title(title).split())


@lru_cache(maxsize=65536)
def block_of(company: str | None) -> str:
    """The employer block a posting is compared within ('' when the employer is unknown)."""
    return norm_company(company).replace(" ", "")  # 'acmehealth' board tokens


def _blocks(keys: list[tuple]) -> dict[str, list[tuple]]:
    """The open postings' (id, canonical id, company, content hash), by employer block (the
    block of each distinct company worked out once)."""
    by_company: dict[str | None, list[tuple]] = defaultdict(list)
    for key in keys:
        by_company[key[2]].append(key)
    blocks: dict[str, list[tuple]] = defaultdict(list)
    for company, members in by_company.items():
        blocks[block_of(company)] += members
    return blocks


def _signature(members: list[tuple]) -> str:
    """What a block's groups depend on: its open postings' ids and contents."""
    text = ";".join(f"{row_id}:{content}" for row_id, _, _, content in sorted(
        members, key=itemgetter(0)))
    return hashlib.sha256(text.encode()).hexdigest()


def _rows(store, ids: list[int], everything: bool) -> list[tuple]:
    """The open posting rows of ``ids``: read all at once when they are every open posting
    (a first pass: no lists of ids to send), filtered to ``ids`` all the same."""
    if not ids or not everything:
        return store.open_posting_rows(ids) if ids else []
    wanted = set(ids)
    return [row for row in store.open_posting_rows() if row[0] in wanted]


def _regroup(store, rows: list[tuple]) -> dict[str, tuple[int, int]]:
    """Group these postings (whole blocks), write canonical ids and notes that changed;
    (groups, duplicates) per block."""
    postings = [posting for _, _, posting in rows]
    groups = find_duplicate_groups(postings, _kept_terms(store, postings))
    wanted: dict[int, int | None] = {row_id: None for row_id, _, _ in rows}
    notes: dict[int, dict] = {}
    per_block: dict[str, tuple[int, int]] = {}
    for members in groups:
        canonical = rows[members[0]][0]
        for index in members[1:]:
            wanted[rows[index][0]] = canonical
        notes[canonical] = _notes([postings[i] for i in members])
        block = block_of(postings[members[0]].company)
        g, d = per_block.get(block, (0, 0))
        per_block[block] = (g + 1, d + len(members) - 1)
    store.record_duplicates({row_id: wanted[row_id] for row_id, current, _ in rows
                             if current != wanted[row_id]}, _changed_extras(rows, notes))
    return per_block


def _changed_extras(rows: list[tuple], notes: dict[int, dict]) -> dict[int, dict]:
    """The ``extra`` of each posting of ``rows`` (its JSON text) whose notes are not ``notes``
    (none where it has none); only a posting given notes, or whose text names a note key, is
    decoded: most hold no notes and get none."""
    extras = {}
    for row_id, _, posting in rows:
        if row_id not in notes and not any(key in posting.extra for key in NOTE_KEYS):
            continue
        stored = json.loads(posting.extra)
        extra = {k: v for k, v in stored.items() if k not in NOTE_KEYS}
        extra.update(notes.get(row_id, {}))
        if extra != stored:
            extras[row_id] = extra
    return extras


def _kept_terms(store, rows: list) -> Callable[[list[int]], list[bytes]]:
    """What gives the encoded description counts of the stored postings at the positions asked
    (``rows``: ``open_posting_rows``' rows, with ``id`` and ``content_hash``): those kept for
    the same content, the others made from the descriptions (``BATCH_ROWS`` at a time) and
    kept."""
    def terms_of(at: list[int]) -> list[bytes]:
        kept = store.kept_terms([rows[i].id for i in at])
        found: list[bytes | None] = []
        for i in at:
            made_from, terms = kept.get(rows[i].id, (None, None))
            found.append(terms if made_from == rows[i].content_hash else None)
        stale = [n for n, terms in enumerate(found) if terms is None]
        for start in range(0, len(stale), BATCH_ROWS):
            chunk = [rows[at[n]] for n in stale[start:start + BATCH_ROWS]]
            texts = store.posting_descriptions([row.id for row in chunk])
            made = describe([texts[row.id] for row in chunk])
            store.keep_terms({row.id: (row.content_hash, terms)
                              for row, terms in zip(chunk, made, strict=True)},
                             replaced=[row.id for row in chunk if row.id in kept])
            for n, terms in zip(stale[start:start + BATCH_ROWS], made, strict=True):
                found[n] = terms
        return found
    return terms_of


def _load_state(store) -> dict[str, list]:
    """Each block's signature, groups and duplicates at the last pass ({} when unknown)."""
    kept = store.kept_blob(STATE)
    try:
        return json.loads(kept) if kept else {}
    except ValueError:
        return {}  # unreadable: every employer is grouped again


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
