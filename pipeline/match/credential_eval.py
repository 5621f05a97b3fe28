"""``pipeline eval --credential-labels``: how well postings' required and preferred credentials
are read, against labels a person wrote for real postings.

The labels CSV has ``dataset,posting_id,credential,strength`` (``required``, ``preferred``, or
``none`` on a row with an empty credential for a posting that asks for none); the postings come
from the operator's folder through ``pipeline.match.real_postings``. Each (posting, credential)
pair is one item: precision and recall are given for "required" and for "preferred".
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import ConfigError
from pipeline.match.credentials import posting_credentials
from pipeline.match.profile import Credential
from pipeline.match.real_postings import Key, read_postings
from pipeline.posting import Posting

STRENGTHS = ("required", "preferred")
_HEADER = ["dataset", "posting_id", "credential", "strength"]

#: ``(dataset, posting id) -> {code: strength}``
Labels = dict[Key, dict[str, str]]


def _label_row(path: Path, line: int, row: dict, codes: set[str]) -> tuple[str, str]:
    """(credential, strength) of one labels row; ConfigError naming the line and value."""
    code, strength = (row.get("credential") or "").strip(), (row.get("strength") or "").strip()
    if strength not in (*STRENGTHS, "none"):
        raise ConfigError(f"{path}:{line}: strength must be required, preferred or none "
                          f"(got {strength!r})")
    if (strength == "none") != (code == ""):
        raise ConfigError(f"{path}:{line}: strength none goes with an empty credential, and "
                          f"only with it (got {code!r}, {strength!r})")
    if code and code not in codes:
        raise ConfigError(f"{path}:{line}: credential {code!r} is not in the profile; use one of "
                          + ", ".join(sorted(codes)))
    return code, strength


def load_credential_labels(path: Path, credentials: list[Credential]) -> Labels:
    """Read a credential labels CSV; ConfigError naming the bad line."""
    path = Path(path)
    codes = {c.code for c in credentials}
    labels: Labels = {}
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames != _HEADER:
                raise ConfigError(f"{path}: the header must be {','.join(_HEADER)}")
            for line, row in enumerate(reader, start=2):
                code, strength = _label_row(path, line, row, codes)
                key = ((row["dataset"] or "").strip(), (row["posting_id"] or "").strip())
                labels.setdefault(key, {})
                if code:
                    labels[key][code] = strength
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise ConfigError(f"{path}: cannot read the credential labels ({error})") from None
    return labels


def predicted(posting: Posting, credentials: list[Credential]) -> dict[str, str]:
    """``code -> required|preferred`` as the matcher reads the posting (its title too)."""
    found = posting_credentials(posting.description, credentials, title=posting.title or "")
    out = {code: "preferred" for code in found.preferred}
    out.update({code: "required" for group in found.required + found.open for code in group})
    return out


@dataclass
class CredentialReport:
    """Counts per strength and the postings compared; precision and recall from the counts."""

    postings: int = 0
    missing: list[Key] = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: {s: {"tp": 0, "fp": 0, "fn": 0} for s in STRENGTHS})

    def precision(self, strength: str) -> float:
        """Share of predicted ``strength`` pairs that the labels agree with."""
        c = self.counts[strength]
        return c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0

    def recall(self, strength: str) -> float:
        """Share of labelled ``strength`` pairs that were predicted with that strength."""
        c = self.counts[strength]
        return c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0

    def as_json(self) -> dict:
        """Plain data for ``--json``."""
        return {"postings": self.postings, "missing": [list(k) for k in self.missing],
                **{s: {**self.counts[s], "precision": round(self.precision(s), 4),
                       "recall": round(self.recall(s), 4)} for s in STRENGTHS}}


def compare(labels: Labels, postings: dict[Key, Posting],
            credentials: list[Credential]) -> CredentialReport:
    """Count agreements between the labels and the matcher's reading of each posting."""
    report = CredentialReport(missing=sorted(set(labels) - set(postings)))
    for key, truth in sorted(labels.items()):
        if key not in postings:
            continue
        report.postings += 1
        guess = predicted(postings[key], credentials)
        for strength in STRENGTHS:
            said = {c for c, s in guess.items() if s == strength}
            true = {c for c, s in truth.items() if s == strength}
            report.counts[strength]["tp"] += len(said & true)
            report.counts[strength]["fp"] += len(said - true)
            report.counts[strength]["fn"] += len(true - said)
    return report


def evaluate_credentials(labels_path: Path, postings_dir: Path,
                         credentials: list[Credential]) -> CredentialReport:
    """Read the labels and the postings they name, and compare."""
    labels = load_credential_labels(labels_path, credentials)
    return compare(labels, read_postings(postings_dir, labels), credentials)


def format_credentials(report: CredentialReport) -> str:
    """Precision and recall per strength as a small fixed-width table."""
    lines = [f"{report.postings} postings with credential labels", "",
             f"{'credential':12}{'precision':>10}{'recall':>8}{'labelled':>10}{'found':>7}"]
    for strength in STRENGTHS:
        c = report.counts[strength]
        lines.append(f"{strength:12}{report.precision(strength):>10.3f}"
                     f"{report.recall(strength):>8.3f}{c['tp'] + c['fn']:>10}"
                     f"{c['tp'] + c['fp']:>7}")
    if report.missing:
        lines.append(f"\n{len(report.missing)} labelled postings are not in the postings folder: "
                     + ", ".join(f"{d}/{i}" for d, i in report.missing[:5]))
    return "\n".join(lines)
