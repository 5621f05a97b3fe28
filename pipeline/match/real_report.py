"""The HTML report of ``pipeline eval --postings FOLDER --html FILE`` on graded real postings.

One self-contained file: per-group metric tables (datasets, then countries) with the skipped
metrics named, three plots rendered on the server by matplotlib (Agg) and embedded as PNG
(NDCG@10 by group and method; the matcher's NDCG@10 for every query and dataset; its scores by
grade per dataset), and the matcher's top 10 for every dataset and query with their grades.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from pipeline.match.real_eval import (  # noqa: E402
    METHODS,
    METRICS,
    PROFILE_QUERY,
    RESUME_GOAL,
    RealReport,
    goal_cell,
)

GRADE_NAMES = {2: "core (2)", 1: "adjacent (1)", 0: "other (0)"}


def _png(figure) -> str:
    """The figure as an ``<img>`` with an embedded PNG; the figure is closed."""
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=90, metadata={"Software": None})
    plt.close(figure)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="plot" src="data:image/png;base64,{data}">'


def ndcg_bars(report: RealReport) -> str:
    """NDCG@10 of each method per group, profile alone."""
    groups = list(report.sizes)
    figure, axis = plt.subplots(figsize=(max(6, 1.4 * len(groups)), 3.4))
    width = 0.8 / len(METHODS)
    for number, method in enumerate(METHODS):
        values = [report.metric(g, PROFILE_QUERY, method, "ndcg@10") for g in groups]
        axis.bar(np.arange(len(groups)) + number * width,
                 [np.nan if v is None else v for v in values], width, label=method)
    axis.set_xticks(np.arange(len(groups)) + 0.4 - width / 2,
                    [g.split(":", 1)[1] for g in groups], rotation=20, fontsize=8)
    axis.set_ylim(0, 1.25)  # room for the legend above the bars
    axis.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    axis.set_ylabel("NDCG@10 (profile alone)")
    axis.legend(fontsize=8, ncol=len(METHODS), loc="upper center")
    return _png(figure)


def query_heatmap(report: RealReport, method: str = "matcher") -> str:
    """NDCG@10 of one method for every query (rows) and group (columns)."""
    groups = list(report.sizes)
    queries = list(dict.fromkeys(r["query"] for r in report.rows))
    grid = np.array([[report.metric(g, q, method, "ndcg@10") for g in groups] for q in queries],
                    dtype=float)
    figure, axis = plt.subplots(figsize=(max(6, 1.3 * len(groups)), 0.35 * len(queries) + 1.5))
    axis.imshow(grid, vmin=0, vmax=1, cmap="RdYlGn", aspect="auto")
    for (row, col), value in np.ndenumerate(grid):
        axis.text(col, row, "-" if np.isnan(value) else f"{value:.2f}", ha="center",
                  va="center", fontsize=7)
    axis.set_xticks(range(len(groups)), [g.split(":", 1)[1] for g in groups], rotation=20,
                    fontsize=8)
    axis.set_yticks(range(len(queries)), queries, fontsize=8)
    axis.set_title(f"{method}: NDCG@10 per query and group ('-': no positive)", fontsize=9)
    return _png(figure)


def score_histograms(report: RealReport) -> str:
    """The matcher's profile-alone scores by grade, one panel per dataset."""
    groups = [g for g in report.sizes if g.startswith("dataset:")]
    figure, axes = plt.subplots(1, len(groups), figsize=(3.2 * len(groups), 2.8), squeeze=False)
    for axis, group in zip(axes[0], groups, strict=True):
        scores, grades = report.scores[(group, PROFILE_QUERY, "matcher")], report.grades[group]
        for grade in (0, 1, 2):
            if (grades == grade).any():
                axis.hist(scores[grades == grade], bins=np.linspace(0, 1, 21), alpha=0.55,
                          label=GRADE_NAMES[grade])
        axis.set_title(group.split(":", 1)[1], fontsize=8)
        axis.set_xlabel("matcher score")
    axes[0][0].set_ylabel("postings")
    axes[0][0].legend(fontsize=7)
    return _png(figure)


def _group_table(report: RealReport, group: str) -> str:
    """One group's metrics: a row per query and method."""
    head = "".join(f"<th>{m}</th>" for m in METRICS)
    rows = [f"<tr><td>{html.escape(r['query'])}</td><td>{r['method']}</td>"
            + "".join("<td>-</td>" if r[m] is None else f"<td>{r[m]:.3f}</td>" for m in METRICS)
            + "</tr>" for r in report.rows if r["group"] == group]
    sizes = report.sizes[group]
    skipped = "".join(f"<li>{m} skipped: {html.escape(why)}</li>"
                      for m, why in report.skipped[group].items())
    return (f"<h3>{html.escape(group)}</h3><p>{sum(sizes.values())} postings: grade 2 "
            f"{sizes['2']}, grade 1 {sizes['1']}, grade 0 {sizes['0']}</p><ul>{skipped}</ul>"
            f"<table><tr><th>query</th><th>method</th>{head}</tr>{''.join(rows)}</table>")


def _resume_goals(report: RealReport) -> str:
    """Per care resume and group: the matcher's NDCG@10 by the role's grades and by its own."""
    goals = report.resume_goals()
    if not goals:
        return ""
    groups = list(next(iter(goals.values())))
    head = "".join(f"<th>{html.escape(g)}</th>" for g in groups)
    rows = "".join(f"<tr><td>{html.escape(name)}</td>"
                   + "".join(f"<td>{html.escape(goal_cell(*cells[g]))}</td>" for g in groups)
                   + "</tr>" for name, cells in goals.items())
    return (f"<h2>Care resumes: role grades / own-fit grades</h2><p>The matcher's NDCG@10 for "
            f"each care resume, by the role's grades and by the jobs that resume can take "
            f"(<code>fit:</code> rows); * where both reach {RESUME_GOAL}.</p>"
            f"<table><tr><th>resume</th>{head}</tr>{rows}</table>")


def _tops(report: RealReport) -> str:
    """The matcher's top 10 for each dataset and query, folded."""
    parts = []
    for (group, query), top in report.tops.items():
        rows = "".join(f"<tr><td>{n}</td><td>{grade}</td><td>{html.escape(title)}</td>"
                       f"<td>{html.escape(company)}</td></tr>"
                       for n, (grade, title, company) in enumerate(top, 1))
        parts.append(f"<details><summary>{html.escape(group)} / {html.escape(query)}: "
                     f"grades {' '.join(str(g) for g, _, _ in top)}</summary>"
                     f"<table><tr><th>#</th><th>grade</th><th>title</th><th>employer</th></tr>"
                     f"{rows}</table></details>")
    return "".join(parts)


def write_real_html(report: RealReport, path: Path, command: str = "") -> Path:
    """Write the self-contained HTML report to ``path``."""
    tables = "".join(_group_table(report, g) for g in report.sizes)
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Matcher on real postings</title>
<style>body{{font-family:sans-serif;margin:2em}}td,th{{padding:2px 8px;text-align:right}}
table{{border-collapse:collapse}}tr:nth-child(even){{background:#f3f3f3}}</style></head><body>
<h1>Matcher on real postings</h1>
<p>Reproduce: <code>{html.escape(command)}</code></p>
<p>Each dataset, and each country, is ranked on its own. NDCG uses gain 2<sup>grade</sup>&minus;1
against the ideal order of the group; P@10 and MAP count grade 2 as relevant. Methods: matcher;
tfidf (whole profile text); title_tfidf (title family vs titles); bm25 (whole profile text).</p>
<p>Seconds spent ranking every group and query (the matcher's index fits included; one run,
not a benchmark): {html.escape(", ".join(f"{m} {v:.2f}" for m, v in report.seconds.items()))}</p>
<h2>NDCG@10, profile alone</h2>{ndcg_bars(report)}
<h2>NDCG@10 for every query</h2>{query_heatmap(report)}
<h2>Matcher scores by grade</h2>{score_histograms(report)}
{_resume_goals(report)}
<h2>Tables</h2>{tables}
<h2>The matcher's top 10</h2>{_tops(report)}
</body></html>
"""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path
