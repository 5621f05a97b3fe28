"""The match strength shown to subscribers: a score placed among the labelled core postings.

Raw scores bunch near 1.0, so the shown strength is the share of the labelled fixtures' grade-2
(core care-management) postings that a posting ranks at or above, in the matcher's own order:
50% means "as strong as the median real care-manager job". The reference is computed from the
labelled fixtures by ``pipeline tune`` / ``pipeline calibrate`` and stored in
``models/care_manager.calibration.yaml``, so a posting's strength does not depend on the rest of
the digest. Scores with and without a resume each have their own reference. Labels: ``Strong``
from ``STRONG`` percent, ``Good`` from ``GOOD``, else ``Fair``.
"""

from __future__ import annotations

from bisect import bisect_right
from pathlib import Path

import numpy as np
import yaml
from pydantic import BaseModel, ValidationError, field_validator

from pipeline.config.messages import parse_data_yaml
from pipeline.errors import ConfigError

#: Shown-strength percent at which a match is called "Strong" / "Good".
STRONG = 50
GOOD = 10
#: Grade of the labelled postings the strength is measured against.
CORE_GRADE = 2

Key = tuple[float, float]  # (score, evidence): the matcher's order


class Calibration(BaseModel):
    """Sorted (score, evidence) keys of the core fixture postings, without and with a resume."""

    profile: list[Key]
    resume: list[Key]

    @field_validator("profile", "resume")
    @classmethod
    def _sorted(cls, keys: list[Key]) -> list[Key]:
        """Kept sorted, so ``percent`` is a binary search."""
        return sorted(keys)

    def percent(self, score: float, evidence: float, has_resume: bool) -> int:
        """Share (0..100) of the reference core postings ranked at or below this posting."""
        keys = self.resume if has_resume and self.resume else self.profile
        if not keys:
            return round(100 * score)
        return round(100 * bisect_right(keys, (score, evidence)) / len(keys))


def label(percent: int) -> tuple[str, str]:
    """The label and CSS class of a shown strength."""
    if percent >= STRONG:
        return "Strong", "strong"
    if percent >= GOOD:
        return "Good", "good"
    return "Fair", "fair"


def raw_label(score: float) -> tuple[str, str]:
    """The label and CSS class of an uncalibrated score (0..1)."""
    if score >= 0.7:
        return "Strong", "strong"
    if score >= 0.5:
        return "Good", "good"
    return "Fair", "fair"


def spread(matches: list, top: int) -> dict[str, dict]:
    """How the best ``top`` matches read, calibrated ("shown") and as raw scores ("raw"):
    each label counted, the lowest and highest percent, and how many show 97-100%."""
    best = matches[:top]
    shown = [(label(m.strength)[0], m.strength) for m in best if m.strength is not None]
    raw = [(raw_label(m.score)[0], max(0, min(100, round(100 * m.score)))) for m in best]
    return {name: _counts(pairs) for name, pairs in (("shown", shown), ("raw", raw)) if pairs}


def _counts(pairs: list[tuple[str, int]]) -> dict:
    percents = [p for _, p in pairs]
    counts = {name: sum(1 for n, _ in pairs if n == name) for name in ("Strong", "Good", "Fair")}
    return {**counts, "min": min(percents), "max": max(percents),
            "97-100": sum(1 for p in percents if p >= 97)}


def calibration_path_for(path: Path) -> Path:
    """The calibration beside a settings or profile file: ``care_manager.calibration.yaml``
    for ``care_manager.settings.yaml`` or ``care_manager.yaml``."""
    path = Path(path)
    stem = path.stem.removesuffix(".settings")
    return path.with_name(stem + ".calibration.yaml")


def load_calibration(path: Path) -> Calibration | None:
    """The calibration in ``path``; None when there is no such file."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        data = parse_data_yaml(path.read_text(encoding="utf-8"))
        return Calibration.model_validate(data.get("reference") if isinstance(data, dict) else {})
    except (yaml.YAMLError, ValidationError, OSError) as exc:
        raise ConfigError(f"{path}: not a calibration file ({type(exc).__name__}); write it "
                          "again with `pipeline calibrate`") from exc


def reference_keys(scores: np.ndarray, evidence: np.ndarray, grades: np.ndarray,
                   eligible: np.ndarray | None = None) -> list[Key]:
    """The sorted (score, evidence) keys of the core postings (those ``eligible``, if given)."""
    core = np.flatnonzero((grades == CORE_GRADE) & (True if eligible is None else eligible))
    return sorted((round(float(scores[i]), 4), round(float(evidence[i]), 6)) for i in core)


def write_calibration(calibration: Calibration, path: Path, labels: Path) -> Path:
    """Write the calibration as YAML, with what it was computed from."""
    data = {"computed_from": Path(labels).name, "core_grade": CORE_GRADE,
            "reference": {"profile": [list(k) for k in calibration.profile],
                          "resume": [list(k) for k in calibration.resume]}}
    path = Path(path)
    header = ("# Written by `pipeline calibrate` / `pipeline tune`: (score, evidence) of the core\n"
              "# labelled postings; the digest shows where a match falls among them.\n")
    body = yaml.safe_dump(data, sort_keys=False, default_flow_style=None, width=100)
    path.write_text(header + body, encoding="utf-8")
    return path
