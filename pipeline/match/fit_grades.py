"""Grades for one resume: the role's grade, or 0 when the posting needs a licence the person lacks.

The labels rate the role (``fixtures/real/RUBRIC.md``), not whether a given person could take the
job: a medical assistant cannot take an RN case manager post. The rubric's "Grades for one
resume" rule derives a resume's own grades from three hand-made files, never from the matcher:
the licences each resume's person holds (``resumes.csv``, ``pipeline.match.resume_kinds``), the
credentials each posting requires where a person labelled them (``credential_labels.csv``; any
one of a posting's required credentials satisfies it), and, for the other postings, title words
that name a licensed profession (``licence_titles.csv``: ``title_word,licences``, any of the
licences of any word in the title satisfies). A control resume can do none of the role's jobs:
every grade is 0 for it.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pipeline.errors import ConfigError
from pipeline.match.real_postings import Key
from pipeline.match.resume_kinds import ResumeKind
from pipeline.posting import Posting

CREDENTIAL_LABELS = "credential_labels.csv"
LICENCE_TITLES = "licence_titles.csv"


@dataclass
class FitRule:
    """What postings require: labelled credentials per posting, and title words."""

    labelled: dict[Key, frozenset[str]] = field(default_factory=dict)
    titles: list[tuple[re.Pattern[str], frozenset[str]]] = field(default_factory=list)

    def required(self, key: Key, posting: Posting) -> frozenset[str]:
        """Licences of which the posting's candidate must hold one (empty: none)."""
        if key in self.labelled:
            return self.labelled[key]
        # a title naming several professions ("Care Co-ordinator (Social Worker/OT/Nurse)") is
        # open to each of them
        return frozenset().union(*(licences for pattern, licences in self.titles
                                   if pattern.search(posting.title or "")))

    def grades(self, keys: list[Key], postings: list[Posting], grades: np.ndarray,
               kind: ResumeKind) -> np.ndarray:
        """The resume's own grades of the postings (aligned with ``grades``)."""
        if kind.control:
            return np.zeros_like(grades)
        able = [not (need := self.required(k, p)) or bool(need & kind.licences)
                for k, p in zip(keys, postings, strict=True)]
        return np.where(able, grades, 0)


def load_fit_rule(folder: Path) -> FitRule | None:
    """The rule's files from the labels' folder; None when ``licence_titles.csv`` is absent."""
    folder = Path(folder)
    if not (folder / LICENCE_TITLES).is_file():
        return None
    return FitRule(_labelled(folder / CREDENTIAL_LABELS), _titles(folder / LICENCE_TITLES))


def _labelled(path: Path) -> dict[Key, frozenset[str]]:
    """``(dataset, posting_id) -> required credentials`` from the credential labels."""
    out: dict[Key, set[str]] = {}
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            codes = out.setdefault((row["dataset"].strip(), row["posting_id"].strip()), set())
            if row["strength"].strip() == "required":
                codes.add(row["credential"].strip())
    return {key: frozenset(codes) for key, codes in out.items()}


def _titles(path: Path) -> list[tuple[re.Pattern[str], frozenset[str]]]:
    """Whole-word, case-blind title patterns and the licences each one asks for."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if not {"title_word", "licences"} <= set(reader.fieldnames or []):
            raise ConfigError(f"{path}: the header must have title_word,licences")
        return [(re.compile(rf"\b{re.escape(row['title_word'].strip())}s?\b", re.IGNORECASE),
                 frozenset((row["licences"] or "").split())) for row in reader]
