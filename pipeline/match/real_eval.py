"""``pipeline eval --postings FOLDER``: ranking quality on graded real postings, per dataset and
per country, for the matcher and three baselines, with the profile alone and with each resume.

Labels are ``dataset,posting_id,...,grade`` (``fixtures/real/labels.csv``); the postings' text is
read from the operator's folder (``pipeline.match.real_postings``). Each care resume is also
measured against its own grades (``fit:NAME``, ``pipeline.match.fit_grades``). Each group (one
dataset, or every dataset of one country) is ranked on its own: the matcher's IDF and
boilerplate are fitted on that group's postings, as they would be on one board. A metric a
group cannot have is skipped and said so: NDCG needs a posting of grade >= 1, P@10 and MAP a
posting of grade 2.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pipeline.errors import ConfigError
from pipeline.match.baselines import bm25_scores, tfidf_scores, title_tfidf_scores
from pipeline.match.evaluate import load_resumes
from pipeline.match.fit_grades import FitRule, load_fit_rule
from pipeline.match.matcher import Matcher
from pipeline.match.metrics import RELEVANT, evaluate_ranking
from pipeline.match.real_postings import Key, read_postings
from pipeline.match.resume_kinds import ResumeKind, load_kinds
from pipeline.match.scoring import TIE_EPSILON, Resume, evidence, score
from pipeline.posting import Posting

METHODS = ("matcher", "tfidf", "title_tfidf", "bm25")
METRICS = ("ndcg@10", "ndcg@50", "map", "p@10")
PROFILE_QUERY = "profile"
#: Country of a dataset, by the start of its name (nhs_2020 -> UK).
COUNTRIES = {"nhs": "UK", "linkedin": "US", "indeed": "US"}


def country_of(dataset: str) -> str:
    """The country a dataset's postings are from, by its name's prefix ("other" if unknown)."""
    return next((c for prefix, c in COUNTRIES.items() if dataset.startswith(prefix)), "other")


def load_real_labels(path: Path) -> dict[Key, int]:
    """``(dataset, posting_id) -> grade`` from a real labels CSV; ConfigError naming the line."""
    labels: dict[Key, int] = {}
    with Path(path).open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if not {"dataset", "posting_id", "grade"} <= set(reader.fieldnames or []):
            raise ConfigError(f"{path}: the header must have dataset,posting_id,grade")
        for line, row in enumerate(reader, start=2):
            grade = (row.get("grade") or "").strip()
            if grade not in {"0", "1", "2"}:
                raise ConfigError(f"{path}:{line}: grade must be 0, 1 or 2 (got {grade!r})")
            labels[(row["dataset"].strip(), row["posting_id"].strip())] = int(grade)
    return labels


def is_real_labels(path: Path) -> bool:
    """Whether a labels CSV names postings by ``dataset,posting_id`` (real datasets)."""
    with Path(path).open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle), [])
    return {"dataset", "posting_id"} <= {h.strip() for h in header}


@dataclass
class Group:
    """Postings ranked together: one dataset (``dataset:NAME``) or one country (``country:UK``)."""

    name: str
    postings: list[Posting]
    grades: np.ndarray
    keys: list[Key] = field(default_factory=list)


def groups_of(postings: dict[Key, Posting], labels: dict[Key, int]) -> list[Group]:
    """One group per dataset, then one per country, each in label order."""
    keys = [k for k in labels if k in postings]
    names: dict[str, list[Key]] = {}
    for key in sorted(keys, key=lambda k: k[0]):  # stable: label order within a dataset
        names.setdefault(f"dataset:{key[0]}", []).append(key)
    for key in sorted(keys, key=lambda k: country_of(k[0])):
        names.setdefault(f"country:{country_of(key[0])}", []).append(key)
    return [Group(name, [postings[k] for k in chosen], np.array([labels[k] for k in chosen]),
                  chosen) for name, chosen in names.items()]


def skipped_metrics(grades: np.ndarray) -> dict[str, str]:
    """Metrics a group cannot have, with the reason."""
    skipped = {}
    if not (grades >= 1).any():
        skipped |= {m: "no posting of grade 1 or 2" for m in ("ndcg@10", "ndcg@50")}
    if not (grades >= RELEVANT).any():
        skipped |= {m: "no posting of grade 2" for m in ("map", "p@10")}
    return skipped


def group_metrics(scores: np.ndarray, grades: np.ndarray) -> dict[str, float | None]:
    """NDCG@10, NDCG@50, MAP and P@10 of one ranking; None for a metric the group cannot have."""
    order = np.lexsort((np.arange(len(scores)), -scores))
    ranked = [int(g) for g in grades[order]]
    values = {**evaluate_ranking(ranked, 10), "ndcg@50": evaluate_ranking(ranked, 50)["ndcg@50"]}
    skipped = skipped_metrics(grades)
    return {m: (None if m in skipped else round(values[m], 4)) for m in METRICS}


def query_scorers(matcher: Matcher, group: Group,
                  resumes: dict[str, str]) -> dict[str, Callable[[str], np.ndarray]]:
    """``query -> (method -> scores)`` closures over one fitted index for the group."""
    index = matcher.index(group.postings)
    tie = TIE_EPSILON * np.tanh(evidence(index, matcher.weights))  # the matcher's own order
    whole = matcher.profile.full_text()
    titles = "\n".join(matcher.profile.title_family)

    def scorer(text: str | None) -> Callable[[str], np.ndarray]:
        parsed = Resume.from_text(index, text) if text else None
        extra = "\n" + text if text else ""
        table = {"matcher": lambda: score(index, matcher.weights, parsed).score + tie,
                 "tfidf": lambda: tfidf_scores(group.postings, whole + extra),
                 "title_tfidf": lambda: title_tfidf_scores(group.postings, titles + extra),
                 "bm25": lambda: bm25_scores(group.postings, whole + extra)}
        return lambda method: table[method]()

    return {PROFILE_QUERY: scorer(None),
            **{f"resume:{name}": scorer(text) for name, text in resumes.items()}}


@dataclass
class RealReport:
    """Metrics per (group, query, method), the skipped metrics per group, and the scores."""

    rows: list[dict] = field(default_factory=list)
    skipped: dict[str, dict[str, str]] = field(default_factory=dict)
    sizes: dict[str, dict[str, int]] = field(default_factory=dict)
    scores: dict[tuple[str, str, str], np.ndarray] = field(default_factory=dict)
    grades: dict[str, np.ndarray] = field(default_factory=dict)
    missing: list[Key] = field(default_factory=list)
    #: (dataset group, query) -> the matcher's top 10 as (grade, title, company), best first
    tops: dict[tuple[str, str], list[tuple[int, str, str]]] = field(default_factory=dict)
    #: method -> seconds spent ranking every group and query (the matcher's fits included)
    seconds: dict[str, float] = field(default_factory=dict)

    def metric(self, group: str, query: str, method: str, name: str) -> float | None:
        """One figure, e.g. ``metric('dataset:nhs_2020', 'profile', 'matcher', 'ndcg@10')``."""
        for row in self.rows:
            if (row["group"], row["query"], row["method"]) == (group, query, method):
                return row[name]
        raise KeyError((group, query, method, name))

    def resume_goals(self) -> dict[str, dict[str, tuple[float | None, float | None]]]:
        """``resume -> group -> (role-grade, own-fit)`` matcher NDCG@10 of every resume that has
        own-fit rows (the care resumes), for groups with a positive."""
        found = {(r["group"], r["query"]): r["ndcg@10"] for r in self.rows
                 if r["method"] == "matcher"}
        names = dict.fromkeys(q.removeprefix("fit:") for _, q in found if q.startswith("fit:"))
        groups = [g for g in self.sizes if "ndcg@10" not in self.skipped.get(g, {})]
        return {name: {g: (found.get((g, f"resume:{name}")), found.get((g, f"fit:{name}")))
                       for g in groups} for name in names}

    def as_json(self) -> dict:
        """Plain data for ``--json``."""
        return {"groups": self.sizes, "skipped": self.skipped, "rows": self.rows,
                "resume_goals": {name: {g: {"role": role, "fit": fit}
                                        for g, (role, fit) in by_group.items()}
                                 for name, by_group in self.resume_goals().items()},
                "seconds": {m: round(v, 3) for m, v in self.seconds.items()},
                "missing_postings": [f"{d}:{i}" for d, i in self.missing]}


def run_real_eval(matcher: Matcher, postings: dict[Key, Posting], labels: dict[Key, int],
                  resumes: dict[str, str] | None = None,
                  methods: tuple[str, ...] = METHODS, fit: FitRule | None = None,
                  kinds: dict[str, ResumeKind] | None = None) -> RealReport:
    """Rank every group for every query and method; collect the metrics (with ``fit``, each
    care resume's ranking again against its own grades, as query ``fit:NAME``)."""
    report = RealReport(missing=sorted(k for k in labels if k not in postings))
    for group in groups_of(postings, labels):
        report.grades[group.name] = group.grades
        report.skipped[group.name] = skipped_metrics(group.grades)
        report.sizes[group.name] = {str(g): int((group.grades == g).sum()) for g in (2, 1, 0)}
        started = time.perf_counter()
        scorers = query_scorers(matcher, group, resumes or {})
        _clock(report, "matcher", started)
        for query, by_method in scorers.items():
            for method in methods:
                started = time.perf_counter()
                scores = by_method(method)
                _clock(report, method, started)
                report.scores[(group.name, query, method)] = scores
                if method == "matcher":
                    report.tops[(group.name, query)] = top_postings(group, scores)
                report.rows.append({"group": group.name, "query": query, "method": method,
                                    **group_metrics(scores, group.grades)})
        if fit is not None:
            _fit_rows(report, group, fit, kinds or {}, methods)
    return report


def _fit_rows(report: RealReport, group: Group, fit: FitRule, kinds: dict[str, ResumeKind],
              methods: tuple[str, ...]) -> None:
    """Each care resume's rankings of the group measured against its own grades."""
    for query in [q for g, q, m in report.scores if g == group.name and m == methods[0]]:
        name = query.removeprefix("resume:")
        kind = kinds.get(name, ResumeKind())
        if not query.startswith("resume:") or kind.control:
            continue
        grades = fit.grades(group.keys, group.postings, group.grades, kind)
        for method in methods:
            scores = report.scores[(group.name, query, method)]
            report.rows.append({"group": group.name, "query": f"fit:{name}", "method": method,
                                **group_metrics(scores, grades)})


def _clock(report: RealReport, method: str, started: float) -> None:
    """Add the time since ``started`` to ``method``'s total."""
    report.seconds[method] = report.seconds.get(method, 0.0) + time.perf_counter() - started


def top_postings(group: Group, scores: np.ndarray, n: int = 10) -> list[tuple[int, str, str]]:
    """The ``n`` best postings of a group by ``scores`` as (grade, title, company)."""
    order = np.lexsort((np.arange(len(scores)), -scores))[:n]
    return [(int(group.grades[i]), group.postings[i].title, group.postings[i].company or "")
            for i in order]


def format_real_table(report: RealReport) -> str:
    """Fixed-width tables: one block per group, one line per query, methods side by side."""
    lines = []
    for group, sizes in report.sizes.items():
        lines += ["", f"{group}: {sum(sizes.values())} postings (grade 2: {sizes['2']}, "
                      f"1: {sizes['1']}, 0: {sizes['0']})"]
        lines += [f"  {m} skipped: {why}" for m, why in report.skipped[group].items()]
        lines.append(f"  {'query':34}{'method':>12}" + "".join(f"{m:>9}" for m in METRICS))
        for row in (r for r in report.rows if r["group"] == group):
            cells = "".join(f"{'-':>9}" if row[m] is None else f"{row[m]:>9.3f}" for m in METRICS)
            lines.append(f"  {row['query'][:34]:34}{row['method']:>12}{cells}")
    lines += format_resume_goals(report)
    lines.append("\nseconds, every group and query: " + ", ".join(
        f"{m} {v:.2f}" for m, v in report.seconds.items()))
    if report.missing:
        lines.append(f"\n{len(report.missing)} labelled postings not found in the folder")
    return "\n".join(lines).lstrip("\n")


#: NDCG@10 each care resume's ranking should reach, by the role's grades and by its own.
RESUME_GOAL = 0.85


def format_resume_goals(report: RealReport) -> list[str]:
    """Lines of a table: per care resume and group, matcher NDCG@10 by the role's grades and
    by the resume's own (``role / fit``), ``*`` where both reach ``RESUME_GOAL``."""
    goals = report.resume_goals()
    if not goals:
        return []
    groups = list(next(iter(goals.values())))
    lines = ["", f"matcher NDCG@10 per care resume, role grades / own-fit grades "
                 f"(* both at least {RESUME_GOAL}):",
             f"  {'resume':30}" + "".join(f"{g.split(':', 1)[1][:15]:>17}" for g in groups)]
    for name, by_group in goals.items():
        cells = [goal_cell(*by_group[g]) for g in groups]
        lines.append(f"  {name[:30]:30}" + "".join(f"{c:>17}" for c in cells))
    return lines


def goal_cell(role: float | None, fit: float | None) -> str:
    """``0.838 / 0.798`` with ``*`` when both reach the goal; ``-`` for a metric skipped."""
    text = " / ".join("-" if v is None else f"{v:.3f}" for v in (role, fit))
    met = all(v is not None and v >= RESUME_GOAL for v in (role, fit))
    return text + ("*" if met else " ")


def resumes_dir(labels: Path, resumes: Path | None = None) -> Path:
    """The resumes folder: ``resumes`` when given, else ``../resumes/real`` from the labels'
    folder (``fixtures/real/labels.csv`` -> ``fixtures/resumes/real``)."""
    return Path(resumes) if resumes else Path(labels).parent.parent / "resumes" / "real"


def load_real(labels_path: Path, postings_dir: Path,
              resumes: Path | None = None) -> tuple[dict[Key, int], dict[Key, Posting],
                                                    dict[str, str]]:
    """The labels, the postings they name, and the resumes (``resumes_dir``)."""
    labels = load_real_labels(labels_path)
    return (labels, read_postings(postings_dir, labels),
            load_resumes(resumes_dir(labels_path, resumes)))


def evaluate_real(matcher: Matcher, labels_path: Path, postings_dir: Path,
                  resumes: Path | None = None) -> RealReport:
    """Read the labels, the postings they name and the resumes, then ``run_real_eval`` (with
    the fit grades' rule when the labels' folder has its files, ``pipeline.match.fit_grades``)."""
    labels, postings, texts = load_real(labels_path, postings_dir, resumes)
    return run_real_eval(matcher, postings, labels, texts, fit=load_fit_rule(labels_path.parent),
                         kinds=load_kinds(resumes_dir(labels_path, resumes)))
