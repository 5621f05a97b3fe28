"""What a person reading each evaluation resume declared about it (``resumes.csv`` beside them).

An evaluation folder of resumes may hold ``resumes.csv`` with the columns ``resume`` (the file's
name without extension), ``kind`` and ``licences``. ``kind`` is ``care`` (a care worker: ranked
against the grades, higher is better) or ``control`` (someone who can do none of the role's
jobs: every core posting in its top 10 counts against the matcher, so lower is better).
``licences`` lists, separated by spaces, the profile's credential codes the resume's person
holds; ``fixtures/real/RUBRIC.md`` derives each resume's own grades from them. Without the file
every resume is a care resume with no licence declared.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import ConfigError

KINDS = ("care", "control")
MANIFEST = "resumes.csv"


@dataclass(frozen=True)
class ResumeKind:
    """One resume's declared kind and licences."""

    kind: str = "care"
    licences: frozenset[str] = frozenset()

    @property
    def control(self) -> bool:
        """Whether this resume is a control (lower is better)."""
        return self.kind == "control"


def load_kinds(folder: Path | None) -> dict[str, ResumeKind]:
    """``resume name -> ResumeKind`` from ``folder/resumes.csv``; empty when there is none."""
    path = Path(folder) / MANIFEST if folder else None
    if path is None or not path.is_file():
        return {}
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if not {"resume", "kind"} <= set(reader.fieldnames or []):
            raise ConfigError(f"{path}: the header must have resume,kind,licences")
        return dict(_row(path, line, row) for line, row in enumerate(reader, start=2))


def _row(path: Path, line: int, row: dict) -> tuple[str, ResumeKind]:
    kind = (row.get("kind") or "").strip()
    if kind not in KINDS:
        raise ConfigError(f"{path}:{line}: kind must be one of {', '.join(KINDS)} "
                          f"(got {kind!r})")
    licences = frozenset((row.get("licences") or "").split())
    return row["resume"].strip(), ResumeKind(kind, licences)


def controls(kinds: dict[str, ResumeKind]) -> frozenset[str]:
    """Names of the control resumes."""
    return frozenset(name for name, kind in kinds.items() if kind.control)
