"""Subscribers' feedback as labels for ``pipeline eval`` and ``pipeline tune``.

``export_labels`` writes a labels folder in the layout ``pipeline eval --labels`` reads:
``labels.csv`` (``source_id,grade,note``) and ``postings/feedback.jsonl`` (the judged postings in
the files-source format). Only judgments about the role count: "more like this" is grade 2,
"not for me: wrong role" (or no reason) 0, "needs a license I don't have" 1 (the right job, a
credential short). Wrong location, pay too low and employer say nothing about the role and are
left out. A posting judged by several subscribers gets the mean grade, rounded.
No subscriber's address, name or resume is written. ``evaluate_feedback`` runs ``pipeline eval``
on those labels, for the report beside the fixture labels'.
"""

from __future__ import annotations

import csv
import json
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import StoreError

#: Grade of each (verdict, reason) that speaks about the role; others are not labels.
GRADES = {("more", None): 2, ("not", "role"): 0, ("not", None): 0, ("not", "license"): 1}


@dataclass
class ExportReport:
    """What an export wrote."""

    judgments: int = 0
    labels: int = 0
    skipped: int = 0


def grade_of(verdict: str, reason: str | None) -> int | None:
    """The label grade of a judgment, or None when it says nothing about the role."""
    return GRADES.get((verdict, None if verdict == "more" else reason))


def export_labels(store, folder: Path) -> ExportReport:
    """Write every subscriber's role judgments as a labels folder; StoreError when it cannot."""
    report = ExportReport()
    grades: dict[str, list[int]] = defaultdict(list)
    postings = {}
    for judgment in store.feedback_of():
        report.judgments += 1
        grade = grade_of(judgment.verdict, judgment.reason)
        if grade is None:
            report.skipped += 1
            continue
        grades[judgment.posting.source_id].append(grade)
        postings[judgment.posting.source_id] = judgment.posting
    try:
        _write(folder, grades, postings)
    except OSError as exc:
        raise StoreError(f"cannot write the labels to {folder}: {exc.strerror}") from exc
    report.labels = len(grades)
    return report


def evaluate_feedback(config, store):
    """The eval report of the matcher on subscribers' role judgments; None when there are none."""
    from pipeline.match.evaluate import evaluate_config

    with tempfile.TemporaryDirectory(prefix="feedback-labels-") as folder:
        if export_labels(store, Path(folder)).labels == 0:
            return None
        return evaluate_config(config, Path(folder) / "labels.csv")


def _write(folder: Path, grades: dict[str, list[int]], postings: dict) -> None:
    (folder / "postings").mkdir(parents=True, exist_ok=True)
    with (folder / "labels.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source_id", "grade", "note"])
        for source_id, found in sorted(grades.items()):
            note = f"subscriber feedback: {len(found)} judgment{'s' if len(found) > 1 else ''}"
            writer.writerow([source_id, round(sum(found) / len(found)), note])
    with (folder / "postings" / "feedback.jsonl").open("w", encoding="utf-8") as handle:
        for source_id in sorted(postings):
            record = postings[source_id].model_dump(mode="json", exclude={"id", "source"})
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
